"""Periods of care (``pipeline.clean.care``): the cohort rules the checks and measures share.

Worked from shared ``docs/indicators.md``: a period of care is a chain of episodes, each
starting the day the one before ended; short breaks (V3/V4) are not episodes of care; "looked
after continuously for 12 months at 31 March 2025" means the period open at 31 March 2025
started on or before 31 March 2024.
"""

from __future__ import annotations

import pandas as pd

from pipeline.clean import care

AT = pd.Timestamp("2025-03-31")


def episodes(*rows):
    return pd.DataFrame(rows, columns=["CHILD", "DECOM", "DEC", "LS"])


def test_a_chain_of_episodes_is_one_period_of_care():
    # a: two episodes joined on 2024-06-01, starting 2024-01-01 (15 months before AT).
    # b: a gap of one day between episodes, so its period open at AT started 2024-06-02.
    eps = care.looked_after(episodes(
        ("a", "2024-06-01", None, "C2"), ("a", "2024-01-01", "2024-06-01", "C2"),
        ("b", "2023-01-01", "2024-06-01", "C2"), ("b", "2024-06-02", None, "C2"),
    ))  # fmt: skip
    starts = dict(zip(eps["DECOM"].astype(str), care.period_starts(eps).astype(str), strict=True))
    assert starts == {"2024-01-01": "2024-01-01", "2024-06-01": "2024-01-01",
                      "2023-01-01": "2023-01-01", "2024-06-02": "2024-06-02"}  # fmt: skip
    assert care.continuously_looked_after(eps, AT, 12) == {"a"}


def test_twelve_months_is_calendar_arithmetic_and_the_day_counts():
    eps = care.looked_after(episodes(
        ("on", "2024-03-31", None, "C2"),  # exactly 12 months before: in
        ("after", "2024-04-01", None, "C2"),  # a day short: out
        ("left", "2023-01-01", "2025-03-31", "C2"),  # ended on 31 March: not open at it
        ("open", "2023-01-01", "2025-04-01", "C2"),  # ends after 31 March: open at it
    ))  # fmt: skip
    assert care.continuously_looked_after(eps, AT, 12) == {"on", "open"}


def test_short_breaks_are_not_care():
    eps = care.looked_after(episodes(
        ("sb", "2023-01-01", None, "V3"), ("sb4", "2023-01-01", None, "V4"),
        ("c", "2023-01-01", None, "C2"),
    ))  # fmt: skip
    assert list(eps["CHILD"]) == ["c"]
    assert care.continuously_looked_after(eps, AT, 12) == {"c"}


def test_no_episodes_is_no_one():
    for none in (None, episodes()):
        eps = care.looked_after(none)
        assert eps.empty and care.continuously_looked_after(eps, AT, 12) == set()
