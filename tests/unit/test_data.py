"""Row lookups in the publication (``pipeline.report.data``).

``find_row`` gives the first row of a frame for an indicator and breakdown (in a period, if
one is asked for), or None; ``row_value`` gives its published value, or None when there is
no row or the row is suppressed or empty, so a suppressed figure can never reach a sentence.
Lookups are cached per frame: a frame replaced by another is looked up in itself.
"""

from __future__ import annotations

import gc

import pandas as pd

from pipeline.report.data import find_row, row_value


def _frame(rows: list[tuple]) -> pd.DataFrame:
    cols = ["period", "indicator", "breakdown", "value", "suppressed"]
    return pd.DataFrame(rows, columns=cols)


TREND = _frame(
    [
        ("2024-25", "cla_at_end", "", 90.0, False),
        ("2025-26", "cla_at_end", "", 100.0, False),
        ("2025-26", "cla_at_end", "Age: Under 1", 4.0, True),  # a small number, suppressed
        ("2025-26", "cla_rate_per_10k", "", float("nan"), False),  # no population
    ]
)


def test_a_suppressed_an_empty_or_a_missing_row_has_no_value():
    assert row_value(find_row(TREND, "cla_at_end", period="2025-26")) == 100.0
    assert row_value(find_row(TREND, "cla_at_end", "Age: Under 1")) is None  # suppressed
    assert row_value(find_row(TREND, "cla_rate_per_10k")) is None  # empty
    assert find_row(TREND, "cla_started") is None
    assert row_value(find_row(TREND, "cla_started")) is None


def test_a_value_is_a_float():
    frame = pd.DataFrame({"indicator": ["n"], "breakdown": [""], "value": [7],
                          "suppressed": [False]})  # fmt: skip
    v = row_value(find_row(frame, "n"))
    assert v == 7.0 and type(v) is float


def test_periods_are_looked_up_exactly_and_breakdowns_default_to_the_total():
    assert find_row(TREND, "cla_at_end")["period"] == "2024-25"  # no period: the first row
    assert find_row(TREND, "cla_at_end", period="2024-25")["value"] == 90.0
    assert find_row(TREND, "cla_at_end", "Age: Under 1", "2024-25") is None
    assert find_row(TREND, "cla_at_end", period="2026-27") is None
    assert find_row(TREND, "cla_at_end", "Age: 1 to 4") is None


def test_a_filtered_frame_is_looked_up_by_position_not_by_its_index():
    latest = TREND[TREND["period"] == "2025-26"]  # index 1, 2, 3
    assert find_row(latest, "cla_at_end")["value"] == 100.0
    assert find_row(latest, "cla_rate_per_10k").name == 3


def test_a_frame_replaced_by_another_is_looked_up_in_itself():
    # Each frame is dropped after its lookup, so a later one may be given its memory (and
    # its id): the cache must never answer for a frame from an earlier one's positions.
    for k in range(40):
        rows = [("2025-26", f"other_{i}", "", 0.0, False) for i in range(k % 5)]
        frame = _frame([*rows, ("2025-26", "cla_at_end", "", float(k), False)])
        assert row_value(find_row(frame, "cla_at_end")) == k
        del frame
        gc.collect()
