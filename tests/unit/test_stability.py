"""Stability: hand-worked cases (docs/indicators.md).

Period 2024-25 throughout: S = 1 April 2024, E = 31 March 2025. The comment beside each
child works its result out from the definition in shared docs/indicators.md.
"""

from __future__ import annotations

import pandas as pd
from pytest import approx

from pipeline.clean.care import looked_after
from pipeline.measures.stability import placements
from pipeline.spec.period import parse_period
from tests.unit.cases import P, T, eps, header, value

# ---------------------------------------------------------------- placements in the year
PLACEMENTS = eps(
    [
        # P1: 1 (open at S) + 1 (P move) ; temporary dropped; return to same PLACE+URN after a
        #     temporary placement not counted; L (legal only) not counted -> 2
        ["P1", "2023-01-01", "S", "U4", "u1", "2024-06-01", "X1"],
        ["P1", "2024-06-01", "P", "K2", "u2", "2024-08-01", "X1"],
        ["P1", "2024-08-01", "P", "T1", "", "2024-08-05", "X1"],
        ["P1", "2024-08-05", "P", "K2", "u2", "2024-10-01", "X1"],
        ["P1", "2024-10-01", "L", "K2", "u2", "", ""],
        # P2: 1 + 1 (T: same carer, new placement type, counts) ; A5 straight from U4 not
        #     counted -> 2
        ["P2", "2024-05-01", "S", "U6", "u3", "2024-07-01", "X1"],
        ["P2", "2024-07-01", "T", "U4", "u3", "2024-09-01", "X1"],
        ["P2", "2024-09-01", "T", "A5", "u3", "", ""],
        # P3: S, P, B -> 3
        ["P3", "2024-04-01", "S", "U4", "u4", "2024-05-01", "X1"],
        ["P3", "2024-05-01", "P", "U6", "u5", "2024-06-01", "X1"],
        ["P3", "2024-06-01", "B", "K2", "u6", "", ""],
        # P4: first episode ends before S (not counted); then 1 + 1 + a move on E itself -> 3
        ["P4", "2023-01-01", "S", "U4", "u7", "2024-03-31", "X1"],
        ["P4", "2024-03-31", "P", "U6", "u8", "2024-12-01", "X1"],
        ["P4", "2024-12-01", "P", "K2", "u9", "2025-03-31", "X1"],
        ["P4", "2025-03-31", "P", "U4", "u10", "", ""],
        # P5: three placements but left care before E: not in the denominator
        ["P5", "2024-04-01", "S", "U4", "u11", "2024-05-01", "X1"],
        ["P5", "2024-05-01", "P", "U6", "u12", "2024-06-01", "X1"],
        ["P5", "2024-06-01", "P", "K2", "u13", "2024-12-01", "E13"],
    ]
)


def test_placement_counts_per_child():
    counts = placements(looked_after(PLACEMENTS), T(P.start), T(P.end)).to_dict()
    assert counts == {"P1": 2, "P2": 2, "P3": 3, "P4": 3, "P5": 3}


def test_placements_3plus_pct():
    # at E: P1, P2, P3, P4; with 3 or more: P3, P4 -> 2 of 4 = 50%
    assert value({"Episodes": PLACEMENTS}, "placements_3plus_pct") == (50, 2, 4)


# ---------------------------------------------------------------- long-term stability
STABILITY = eps(
    [
        # L1: period of care started exactly 2.5 years before E (30 Sep 2022), same placement
        ["L1", "2022-09-30", "S", "U4", "a", "", ""],
        # L2: started a day later: not in the cohort
        ["L2", "2022-10-01", "S", "U4", "b", "", ""],
        # L3: in the cohort; current placement began 1 Apr 2023, a day after E - 2 years
        ["L3", "2020-01-01", "S", "U4", "c", "2023-04-01", "X1"],
        ["L3", "2023-04-01", "P", "K2", "d", "", ""],
        # L4: legal change (L) and a same-carer change (T) keep the placement: since 2020
        ["L4", "2020-01-01", "S", "U6", "e", "2022-01-01", "X1"],
        ["L4", "2022-01-01", "L", "U6", "e", "2023-06-01", "X1"],
        ["L4", "2023-06-01", "T", "U4", "e", "", ""],
        # L5: a same-carer move into U5 (concurrent planning) counts as a change: since 2023-06
        ["L5", "2020-01-01", "S", "U4", "f", "2023-06-01", "X1"],
        ["L5", "2023-06-01", "T", "U5", "f", "", ""],
        # L6: stable for years, but aged 16 at E: not in the cohort (under 16 only)
        ["L6", "2015-01-01", "S", "U4", "g", "", ""],
        # L7: in a temporary placement at E: measured from the placement before it (2020)
        ["L7", "2020-01-01", "S", "U4", "h", "2025-03-01", "X1"],
        ["L7", "2025-03-01", "P", "T2", "", "", ""],
        # L8: a return after a temporary placement to the same PLACE and URN: since 2020
        ["L8", "2020-01-01", "S", "U4", "i", "2024-01-01", "X1"],
        ["L8", "2024-01-01", "P", "T1", "", "2024-01-05", "X1"],
        ["L8", "2024-01-05", "P", "U4", "i", "", ""],
        # L9: placed for adoption since 2023-06; with the foster placement before it (from
        #     2021), together more than 2 years: counts
        ["L9", "2021-01-01", "S", "U4", "j", "2023-06-01", "X1"],
        ["L9", "2023-06-01", "P", "A4", "k", "", ""],
        # L10: placed for adoption, but the placement just before it began in 2023-05: no
        ["L10", "2021-01-01", "S", "U4", "l", "2023-05-01", "X1"],
        ["L10", "2023-05-01", "P", "U6", "m", "2023-06-01", "X1"],
        ["L10", "2023-06-01", "P", "A4", "n", "", ""],
    ]
)
STABILITY_DOB = header(
    {c: "2015-01-01" for c in STABILITY["CHILD"].unique()} | {"L6": "2009-03-31"}
)


def test_long_term_stability_pct():
    # cohort: L1, L3, L4, L5, L7, L8, L9, L10 = 8; stable: L1, L4, L7, L8, L9 = 5
    # 5 / 8 = 62.5% -> 63 (half up)
    tables = {"Episodes": STABILITY, "Header": STABILITY_DOB}
    assert value(tables, "long_term_stability_pct") == (62.5, 5, 8)  # unrounded inside


# ---------------------------------------------------------------- social workers
def sw(rows):
    df = pd.DataFrame(rows, columns=["CHILD", "SW_ID", "SW_DECOM"])
    df["SW_DECOM"] = pd.to_datetime(df["SW_DECOM"])
    return df


SW_EPISODES = eps(
    [[c, "2020-01-01", "S", "U4", "x", "", ""] for c in ("W1", "W2", "W3")]
    + [["W4", "2020-01-01", "S", "U4", "x", "2025-01-01", "E13"]]
)
SW_ROWS = sw(
    [
        ["W1", "a", "2023-01-01"],
        ["W1", "b", "2024-05-01"],
        ["W1", "c", "2024-09-01"],  # 2
        ["W2", "d", "2024-04-01"],
        ["W2", "e", "2024-10-01"],  # the first row is not a change: 1
        ["W3", "f", "2022-01-01"],
        ["W3", "g", "2024-03-31"],
        ["W3", "h", "2025-03-31"],  # 1
        ["W4", "i", "2023-01-01"],
        ["W4", "j", "2024-05-01"],
        ["W4", "k", "2024-06-01"],  # left
    ]
)


def test_sw_changes_2plus_pct():
    # at E: W1, W2, W3; with 2+ changes in S..E: W1 -> 1 of 3 = 33%
    tables = {"Episodes": SW_EPISODES, "SWEpisodes": SW_ROWS}
    assert value(tables, "sw_changes_2plus_pct") == (approx(100 / 3), 1, 3)


def test_sw_changes_not_available_before_the_table_existed():
    tables = {"Episodes": SW_EPISODES, "SWEpisodes": SW_ROWS}
    v, _, _ = value(tables, "sw_changes_2plus_pct", parse_period("2022-23"))
    assert pd.isna(v)


def test_a_short_break_is_not_a_placement_and_does_not_join_two():
    # Q1: U4 to 1 June, a V3 short break 1-10 June, then U6 from 10 June (RNE P). Short
    #     breaks are not care: the U4 and the U6 placements -> 2, not 3.
    # Q2: the same but the short break is the only thing between two stays with the same
    #     carer (RNE T): the T move still counts (2); the V3 does not.
    rows = eps([
        ["Q1", "2024-01-01", "S", "U4", "a", "2024-06-01", "X1"],
        ["Q1", "2024-06-01", "P", "K2", "b", "2024-06-10", "X1"],
        ["Q1", "2024-06-10", "P", "U6", "c", "", ""],
        ["Q2", "2024-01-01", "S", "U4", "d", "2024-06-01", "X1"],
        ["Q2", "2024-06-01", "P", "K2", "e", "2024-06-10", "X1"],
        ["Q2", "2024-06-10", "T", "U6", "d", "", ""],
    ])  # fmt: skip
    rows.loc[rows["URN"].isin(["b", "e"]), "LS"] = "V3"
    counts = placements(looked_after(rows), T(P.start), T(P.end)).to_dict()
    assert counts == {"Q1": 2, "Q2": 2}
    assert value({"Episodes": rows}, "placements_3plus_pct") == (0, 0, 2)


def test_long_term_stability_with_no_one_in_its_cohort_is_not_available():
    # Both children looked after at E, but neither for 2 years 6 months: an empty cohort
    # gives no percentage (0 of 0), never 0% or 100%.
    rows = eps([
        ["E1", "2023-01-01", "S", "U4", "a", "", ""],
        ["E2", "2024-12-01", "S", "U4", "b", "", ""],
    ])  # fmt: skip
    tables = {"Episodes": rows, "Header": header({"E1": "2015-01-01", "E2": "2015-01-01"})}
    v, num, den = value(tables, "long_term_stability_pct")
    assert (v is None or v != v) and (num, den) == (0, 0)
