"""Periods: the one place year labels, quarter words and period dates are made."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.problems import ConfigError
from pipeline.spec.period import (
    PARSED,
    Period,
    latest_complete_period,
    parse_period,
    year_label,
    year_period,
)


@pytest.mark.parametrize(
    ("label", "start", "end", "words"),
    [
        ("2024-25", date(2024, 4, 1), date(2025, 3, 31), "April 2024 to March 2025"),
        # A quarter covers the 12 months to its end, so its flow measures compare with a year.
        ("2024-25-Q1", date(2023, 7, 1), date(2024, 6, 30), "Quarter 1 (April to June 2024)"),
        ("2026-27-Q2", date(2025, 10, 1), date(2026, 9, 30),
         "Quarter 2 (July to September 2026)"),
        ("2026-27-Q3", date(2026, 1, 1), date(2026, 12, 31),
         "Quarter 3 (October to December 2026)"),
        ("2026-27-Q4", date(2026, 4, 1), date(2027, 3, 31), "Quarter 4 (January to March 2027)"),
    ],
)  # fmt: skip
def test_dates_and_words(label, start, end, words):
    p = parse_period(label)
    assert (p.start, p.end, p.words) == (start, end, words)
    assert p.collection_year == label[:7]


def test_the_same_quarter_a_year_earlier():
    p = parse_period("2026-27-Q2").shifted(-1)
    assert (p.label, p.end) == ("2025-26-Q2", date(2025, 9, 30))


def test_a_returns_year_is_a_whole_collection_year():
    assert year_period("1999-00").end == date(2000, 3, 31)
    with pytest.raises(ConfigError):
        year_period("2024-25-Q1")


def test_labels_cross_the_century():
    assert (year_label(1999), year_label(2009, "/"), year_label(2024, "")) == (
        "1999-00", "2009/10", "202425",
    )  # fmt: skip


def test_a_record_comes_back_as_it_was_without_parsing():
    p = parse_period("2025-26-Q3")
    PARSED.clear()
    assert Period.from_record(p.record()) == p
    assert PARSED == {}


def test_the_latest_complete_period_is_before_today():
    assert latest_complete_period(date(2026, 4, 1)).label == "2025-26"
    assert latest_complete_period(date(2026, 3, 31)).label == "2024-25"
    assert latest_complete_period(date(2026, 10, 1), quarterly=True).label == "2026-27-Q2"
    assert latest_complete_period(date(2026, 9, 30), quarterly=True).label == "2026-27-Q1"


@pytest.mark.parametrize("bad", ["2024-26", "2024/25", "24-25", "2024-25-Q5", "2024-25\n"])
def test_a_period_that_is_not_one_is_refused_in_words(bad):
    with pytest.raises(ConfigError, match="is not valid: use a collection year"):
        parse_period(bad + "x" if bad.endswith("\n") else bad)
