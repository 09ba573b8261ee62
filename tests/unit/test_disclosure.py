"""Disclosure control against hand-built tables."""

from __future__ import annotations

import pandas as pd

from pipeline.publish.disclosure import publish

COUNTS = {"n": "count"}


def table(rows):
    return pd.DataFrame(
        rows, columns=["indicator", "breakdown", "numerator", "denominator", "value"]
    )


def test_primary_and_secondary_suppression_within_a_breakdown():
    t = publish(
        table(
            [
                ["n", "", 60, None, 60],
                ["n", "Age: Under 1", 3, 60, 3],  # primary
                ["n", "Age: 1 to 4", 0, 60, 0],  # zero stays 0, never chosen as secondary
                ["n", "Age: 5 to 9", 9, 60, 9],  # the smallest other non-zero: secondary
                ["n", "Age: 10 to 15", 48, 60, 48],
                ["n", "Sex: Male", 30, 60, 30],  # a separate breakdown: untouched
                ["n", "Sex: Female", 30, 60, 30],
            ]
        ),
        units=COUNTS,
    )
    assert t["display"].tolist() == ["60", "c", "0", "c", "48", "30", "30"]
    assert t.loc[t["suppressed"], ["numerator", "denominator", "value"]].isna().all().all()


def test_two_primary_cells_need_no_secondary():
    t = publish(
        table(
            [
                ["n", "", 50, None, 50],
                ["n", "Sex: Male", 2, 50, 2],
                ["n", "Sex: Female", 4, 50, 4],
                ["n", "Sex: Unknown", 44, 50, 44],
            ]
        ),
        units=COUNTS,
    )
    assert t["display"].tolist() == ["50", "c", "c", "44"]


def test_rates_with_small_numerator_or_denominator_are_suppressed():
    t = publish(
        table(
            [
                ["rate", "", 4, 1000, 40.0],
                ["pct", "", 3, 3, 100.0],
                ["ok", "", 6, 1000, 60.0],
                ["none", "", 0, 1000, 0.0],
            ]
        )
    )
    assert t["display"].tolist() == ["c", "c", "60", "0"]


def test_missing_values_show_x():
    t = publish(table([["rate", "", 120, None, None]]))
    assert t["display"].tolist() == ["x"]


def test_suppressed_total_suppresses_its_small_cells_and_skips_secondary():
    t = publish(
        table([["n", "", 4, None, 4], ["n", "Sex: Male", 4, 4, 4], ["n", "Sex: Female", 0, 4, 0]]),
        units=COUNTS,
    )
    assert t["display"].tolist() == ["c", "c", "0"]


def test_indicators_that_split_one_total_are_suppressed_together():
    # normal 20, borderline 3, concern 17 of 40 scored: borderline is hidden (3), and the
    # smallest other share (concern, 17) too, or borderline = 40 - 20 - 17.
    t = publish(
        table(
            [
                ["sdq_normal_pct", "", 20, 40, 50.0],
                ["sdq_borderline_pct", "", 3, 40, 7.5],
                ["sdq_concern_pct", "", 17, 40, 42.5],
            ]
        ),
        partitions=(("sdq_normal_pct", "sdq_borderline_pct", "sdq_concern_pct"),),
    )
    assert t["display"].tolist() == ["50", "c", "c"]
