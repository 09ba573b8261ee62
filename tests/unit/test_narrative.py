"""Sentences with numbers (``pipeline.report.narrative``): the edges its doctests leave out.

Whole numbers have thousands separators and no decimals, others one decimal; a suppressed
figure is said in words and never shown; dates are "1 January 2026"; a change is "up by" or
"down by" with a singular or plural noun.
Published figures are rounded half up (``numerals.round_half_up``, as DfE's are), so a
sentence that compares rounded figures must round the same way.
"""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.report.narrative import (
    against_sentence,
    change,
    gap_sentence,
    join,
    long_date,
    movement_sentence,
    number,
    plural,
    standing,
    trend_title,
)

KIDS = ("child", "children")


@pytest.mark.parametrize(
    "d, said",
    [(date(2026, 1, 1), "1 January 2026"), (date(2024, 2, 29), "29 February 2024"),
     (date(2025, 12, 9), "9 December 2025")],
)  # fmt: skip
def test_dates_in_words_have_no_leading_zero(d, said):
    assert long_date(d) == said


@pytest.mark.parametrize(
    "v, said",
    [(0, "0"), (0.0, "0"), (1_000_000.0, "1,000,000"), (72.46, "72.5"), (2.5, "2.5"),
     (-3.0, "-3"), (-1234.0, "-1,234"), (-0.5, "-0.5"), (None, "not available"),
     (float("nan"), "not available")],
)  # fmt: skip
def test_numbers_in_prose(v, said):
    assert number(v) == said


def test_a_suppressed_figure_is_never_said_even_when_a_value_is_at_hand():
    assert number(3.0, "c") == "a small number (suppressed to protect privacy)"


@pytest.mark.parametrize(
    "n, said",
    [(1, "1 child"), (1.0, "1 child"), (0, "0 children"), (2, "2 children"),
     (1.5, "1.5 children"), (21, "21 children"), (1000, "1,000 children")],
)  # fmt: skip
def test_singular_only_for_exactly_one(n, said):
    assert plural(n, *KIDS) == said


@pytest.mark.parametrize(
    "now, before, noun, said",
    [(5, 0, KIDS, "up by 5 children"), (0, 1, KIDS, "down by 1 child"),
     (1001, 1, KIDS, "up by 1,000 children"), (0, 0, KIDS, "unchanged"),
     (-2, 3, None, "down by 5"), (3, -2, None, "up by 5"), (70.0, 72.5, None, "down by 2.5"),
     (float("nan"), 3, KIDS, ""), (3, float("nan"), KIDS, ""), (None, None, None, "")],
)  # fmt: skip
def test_change(now, before, noun, said):
    assert change(now, before, noun) == said


def test_join_leaves_out_empty_phrases():
    assert join(["a", "", "b"]) == "a and b" and join(["", ""]) == ""


def test_standing_groups_each_side_and_is_the_same_when_whole_numbers_agree():
    said = standing(80, [("England", 70), ("the region", 90), ("neighbours", 80.2),
                         ("London", None)])  # fmt: skip
    assert said == (
        "higher than England (70), and lower than the region (90), and the same as "
        "neighbours (80.2)"
    )
    assert standing(70.4, [("England", 70)]) == "the same as England (70)"
    assert standing(70.6, [("England", 70)]) == "higher than England (70)"
    assert standing(None, [("England", 70)]) == ""


def test_standing_rounds_halves_up_as_the_published_figures_do():
    # A whole-number rate against a neighbour average to one decimal, half a point above it:
    # rounded half up, 70.5 is 71 and 71.5 is 72, so both figures are lower.
    assert standing(71, [("neighbours", 71.5)]) == "lower than neighbours (71.5)"
    assert standing(70, [("neighbours", 70.5)]) == "lower than neighbours (70.5)"


def test_trend_titles_with_missing_years():
    gone = [("2023-24", None), ("2024-25", float("nan")), ("2025-26", None)]
    assert trend_title("Eastbridge", "rate", gone) == "Eastbridge's rate, 2023-24 to 2025-26"
    last_gone = [("2024-25", 70), ("2025-26", None)]
    assert trend_title("Eastbridge", "rate", last_gone) == "Eastbridge's rate was 70 in 2024-25"
    fell = [("2024-25", 1438), ("2025-26", 1201)]
    assert trend_title("Eastbridge", "number", fell) == (
        "Eastbridge's number fell to 1,201 in 2025-26 from 1,438 a year earlier"
    )


def test_a_trend_title_across_a_missing_year_does_not_say_a_year_earlier():
    points = [("2023-24", 90), ("2024-25", None), ("2025-26", 80)]
    title = trend_title("Eastbridge", "rate", points)
    # 90 is the figure for 2023-24, two years before 2025-26.
    assert "a year earlier" not in title
    assert title.startswith("Eastbridge's rate fell to 80 in 2025-26") and "2023-24" in title


def test_a_gap_above_all_pupils_with_its_interval_and_movement():
    assert gap_sentence("KS2 reading", 70.0, 60.0, "England", 10.0, 2.0, 18.0, True,
                        "narrowed") == (
        "KS2 reading: 70% of children looked after against 60% of all pupils in England, 10.0 "
        "points higher (95% confidence interval 2.0 to 18.0 points higher); the gap narrowed "
        "since last year."
    )  # fmt: skip
    moved = gap_sentence("KS2 reading", 40.0, 60.0, "England", -20.0, -30.0, -10.0, True,
                         "not comparable")  # fmt: skip
    assert moved.endswith("(95% confidence interval 10.0 to 30.0 points lower) (not comparable, "
                          "against last year).")  # fmt: skip
    missing = gap_sentence("KS2 reading", None, 60.0, "England", None, None, None, None, None)
    assert missing == "KS2 reading: not available."


def test_no_gap_is_neither_higher_nor_lower():
    said = gap_sentence("KS2 reading", 60.0, 60.0, "England", 0.0, -9.0, 9.0, False, None)
    assert "higher" not in said.split("(")[0] and "lower" not in said.split("(")[0]


def test_movements_and_comparisons_judge_by_polarity():
    assert movement_sentence("Missing incidents", 150, 170, "lower", "count") == (
        "Missing incidents fell from 170 to 150 (better)."
    )
    assert movement_sentence("Children looked after", 97, 104, "neither", "count") == (
        "Children looked after fell from 104 to 97."
    )
    assert movement_sentence("SDQ average", 14.5, 13.0, "lower", "mean") == (
        "SDQ average rose from 13 to 14.5 (worse)."
    )
    assert against_sentence("In touch", 96, 94, "England", "higher") == (
        "In touch: 96% against 94% in England (better)."
    )
    assert against_sentence("Placed out of area", 40, 42, "England", "neither") == (
        "Placed out of area: 40% against 42% in England."
    )
