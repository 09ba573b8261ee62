"""Rounding and ordinals (``pipeline.numerals``): the edges its doctests leave out.

Halves round away from zero, as DfE's published figures do, never to the even neighbour;
ordinals are 1st, 2nd, 3rd, with 11th to 13th (and 111th to 113th) the exceptions.
"""

from __future__ import annotations

import math

import pytest

from pipeline.numerals import ordinal, round_half_up


@pytest.mark.parametrize(
    "x, dp, rounded",
    # Banker's rounding would give 0, 2, 0.2 and -2 for the first four.
    [(0.5, 0, 1.0), (2.5, 0, 3.0), (0.25, 1, 0.3), (-2.5, 0, -3.0), (70.49, 0, 70.0),
     (70.5, 0, 71.0), (71.5, 0, 72.0), (0.0, 1, 0.0), (12.345, 2, 12.35), (1234.5, 0, 1235.0)],
)  # fmt: skip
def test_halves_round_away_from_zero(x, dp, rounded):
    assert round_half_up(x, dp) == pytest.approx(rounded)


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_a_missing_figure_stays_missing(missing):
    assert math.isnan(round_half_up(missing))


@pytest.mark.parametrize(
    "n, said",
    [(0, "0th"), (10, "10th"), (11, "11th"), (12, "12th"), (13, "13th"), (14, "14th"),
     (20, "20th"), (21, "21st"), (22, "22nd"), (23, "23rd"), (100, "100th"), (112, "112th"),
     (113, "113th"), (121, "121st"), (1002, "1002nd"), (1011, "1011th")],
)  # fmt: skip
def test_ordinals(n, said):
    assert ordinal(n) == said
