"""Hand-worked cases for stability, health, missing, permanence, voice and care leavers.

Period 2024-25 throughout: S = 1 April 2024, E = 31 March 2025. The comment beside each
child works its result out from the definition in shared docs/indicators.md.
"""

from __future__ import annotations

import pandas as pd
from pytest import approx

from pipeline.measures.registry import REGISTRY, compute_all, figure_period
from pipeline.measures.stability import count_placements
from pipeline.spec.period import parse_period

P = parse_period("2024-25")
T = pd.Timestamp


def eps(rows):
    """rows: child, DECOM, RNE, PLACE, URN, DEC, REC (LS C2, CIN N1)."""
    df = pd.DataFrame(rows, columns=["CHILD", "DECOM", "RNE", "PLACE", "URN", "DEC", "REC"])
    df["DECOM"] = pd.to_datetime(df["DECOM"])
    df["DEC"] = pd.to_datetime(df["DEC"].replace("", None))
    return df.assign(LS="C2", CIN="N1")


def header(dobs: dict[str, str]):
    return pd.DataFrame(
        {
            "CHILD": list(dobs),
            "SEX": "M",
            "ETHNIC": "WBRI",
            "DOB": pd.to_datetime(list(dobs.values())),
        }
    )


def value(tables, ind, period=P):
    r = compute_all(tables, period, ids=[ind])
    r = r[r["breakdown"] == ""].iloc[0]
    return r["value"], r["numerator"], r["denominator"]


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
    by_child = {c: g.to_dict("records") for c, g in PLACEMENTS.groupby("CHILD")}
    counts = {c: count_placements(e, T(P.start), T(P.end)) for c, e in by_child.items()}
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


# ---------------------------------------------------------------- health (OC2)
HEALTH_EPISODES = eps(
    [
        ["H1", "2024-03-31", "S", "U4", "x", "", ""],  # exactly 12 months at E: in the cohort
        ["H2", "2024-04-01", "S", "U4", "x", "", ""],  # a day short: not in the cohort
        *[[c, "2020-01-01", "S", "U4", "x", "", ""] for c in ("H3", "H4", "H5", "H6", "H7", "H8")],
    ]
)
HEALTH_DOB = header(
    {
        "H1": "2021-06-01",
        "H2": "2015-01-01",
        "H3": "2020-03-31",  # 3, -, 5
        "H4": "2009-03-31",
        "H5": "2008-01-01",
        "H6": "2014-06-01",  # 16, 17, 10
        "H7": "2020-06-01",
        "H8": "2016-06-01",
    }
)  # 4, 8
OC2_COLS = [
    "CHILD",
    "SDQ_SCORE",
    "SDQ_REASON",
    "CONVICTED",
    "HEALTH_CHECK",
    "IMMUNISATIONS",
    "TEETH_CHECK",
    "HEALTH_ASSESSMENT",
    "SUBSTANCE_MISUSE",
]
OC2 = pd.DataFrame(
    [
        ["H1", None, "", "0", "1", "1", "0", "1", "0"],
        ["H2", 10, "", "1", "1", "1", "1", "1", "1"],  # not in the cohort: ignored
        ["H3", 12, "", "0", "0", "0", "1", "1", "0"],
        ["H4", 14, "", "1", "0", "1", "0", "0", "1"],
        ["H5", 30, "", "1", "0", "0", "0", "0", "0"],
        # H6 has no OC2 row: counts as not received
        ["H7", 20, "", "0", "0", "0", "0", "0", "0"],
        ["H8", None, "SDQ1", "0", "0", "0", "0", "1", "0"],
    ],
    columns=OC2_COLS,
).assign(_year="2024-25")
HEALTH = {"Episodes": HEALTH_EPISODES, "Header": HEALTH_DOB, "OC2": OC2}


def test_oc2_cohort_measures():
    # cohort: H1, H3, H4, H5, H6, H7, H8 = 7
    assert value(HEALTH, "health_assessment_pct") == (approx(300 / 7), 3, 7)  # H1 H3 H8
    assert value(HEALTH, "immunisations_pct") == (approx(200 / 7), 2, 7)  # H1 H4
    assert value(HEALTH, "dental_check_pct") == (approx(100 / 7), 1, 7)  # H3
    assert value(HEALTH, "substance_misuse_pct") == (approx(100 / 7), 1, 7)  # H4
    assert value(HEALTH, "development_check_pct") == (50, 1, 2)  # aged 0-4: H1 yes, H7 no
    # aged 10-17: H4 and H5 of H4 H5 H6
    assert value(HEALTH, "convicted_pct") == (approx(200 / 3), 2, 3)


def test_sdq_measures():
    # aged 5-16: H3 (5), H4 (16), H6 (10, no row), H8 (8, reason not score) -> 4;
    # scored: H3 12, H4 14. H5 (17) and H7 (4) are outside 5-16.
    assert value(HEALTH, "sdq_received_pct") == (50, 2, 4)
    v, _, n = value(HEALTH, "sdq_average")
    assert (v, n) == (13.0, 2)
    assert value(HEALTH, "sdq_normal_pct") == (50, 1, 2)  # 12
    assert value(HEALTH, "sdq_borderline_pct") == (50, 1, 2)  # 14
    assert value(HEALTH, "sdq_concern_pct") == (0, 0, 2)


# ---------------------------------------------------------------- missing
MISSING_EPISODES = eps(
    [
        ["M1", "2020-01-01", "S", "U4", "x", "", ""],
        ["M2", "2020-01-01", "S", "U4", "x", "", ""],
        ["M3", "2024-06-01", "S", "U4", "x", "2024-09-01", "E13"],
        ["M4", "2020-01-01", "S", "U4", "x", "2023-05-01", "E13"],  # not looked after in S..E
    ]
)
MISSING = pd.DataFrame(
    [
        ["M1", "M", "2024-04-01"],
        ["M1", "M", "2024-06-01"],
        ["M1", "A", "2024-07-01"],
        ["M2", "M", "2024-03-31"],
        ["M2", "A", "2025-03-31"],
        ["M4", "M", "2024-05-01"],
    ],
    columns=["CHILD", "MISSING", "MIS_START"],
).assign(MIS_START=lambda d: pd.to_datetime(d["MIS_START"]))


def test_missing_and_away():
    tables = {"Episodes": MISSING_EPISODES, "Missing": MISSING}
    assert value(tables, "missing_pct") == (approx(100 / 3), 1, 3)  # M1 of M1 M2 M3
    assert value(tables, "away_pct") == (approx(200 / 3), 2, 3)  # M1 and M2 (on E)
    assert value(tables, "missing_incidents")[0] == 2  # M1's two; M2's was before S


# ---------------------------------------------------------------- permanence
PERM_EPISODES = eps(
    [
        ["A1", "2022-01-01", "S", "A4", "x", "2024-10-01", "E11"],
        ["A2", "2023-01-01", "S", "U4", "x", "2023-06-01", "X1"],
        ["A2", "2023-06-01", "P", "A4", "y", "2025-03-31", "E12"],  # adopted on E
        ["A3", "2022-01-01", "S", "U1", "x", "2024-05-01", "E45"],
        ["A4", "2023-01-01", "S", "U4", "x", "2024-05-01", "E13"],
        ["A4", "2024-08-01", "S", "U4", "x", "2024-12-01", "E44"],  # last exit: historic SGO
        ["A5", "2022-01-01", "S", "A4", "x", "2024-03-31", "E11"],  # before S
        ["A6", "2022-01-01", "S", "U4", "x", "2024-09-01", "E4A"],
    ]
)
PLACED = pd.DataFrame(
    {
        "CHILD": ["A1", "A2", "A2"],
        "DATE_PLACED": pd.to_datetime(["2023-01-01", "2023-03-02", "2024-02-01"]),
    }
)
AD1 = pd.DataFrame(
    {
        "CHILD": ["D1", "D2", "D3"],
        "DATE_INT": pd.to_datetime(["2024-01-01", "2024-06-01", "2023-01-01"]),
        "DATE_MATCH": pd.to_datetime(["2024-04-01", "2025-03-31", "2024-03-31"]),
        "_year": "2024-25",
    }
)
PERM = {"Episodes": PERM_EPISODES, "PlacedAdoption": PLACED, "AD1": AD1}


def test_adoption_and_sgo_shares_of_children_leaving_care():
    # ceased in S..E: A1, A2, A3, A4, A6 = 5 (A4 once, by its last exit)
    assert value(PERM, "adopted_pct") == (40, 2, 5)  # A1, A2
    assert value(PERM, "sgo_pct") == (40, 2, 5)  # A3 (E45), A4 (E44)


def test_adoption_timeliness():
    # A1: 1 Jan 2022 -> 1 Jan 2023 = 365 days; A2: period from 1 Jan 2023 (X1 chain), latest
    # DATE_PLACED on or before adoption 1 Feb 2024 = 396 days. Mean 380.5 (381 published).
    v, _, n = value(PERM, "adoption_entry_to_placed_days")
    assert (v, n) == (380.5, 2)
    # AD1 matched in S..E: D1 91 days (1 Jan -> 1 Apr 2024), D2 303 days; D3 before S.
    v, _, n = value(PERM, "adoption_decision_to_match_days")
    assert (v, n) == (197, 2)


# ---------------------------------------------------------------- voice of the child
def test_review_participation_counts_reviews_not_children():
    r = pd.DataFrame(
        {
            "CHILD": ["a"] * 8,
            "REVIEW_CODE": ["PN0", "PN1", "PN3", "PN6", "PN7", "PN7", "PN1", "PN2"],
            "REVIEW": pd.to_datetime(
                [
                    "2024-05-01",
                    "2024-05-01",
                    "2024-06-01",
                    "2024-07-01",
                    "2024-08-01",
                    "2024-09-01",
                    "2024-03-31",
                    "2025-03-31",
                ]
            ),
        }
    )
    # in S..E excluding PN0: PN1 PN3 PN6 PN7 PN7 PN2 = 6; took part: 4 -> 66.7 -> 67
    assert value({"Reviews": r}, "review_participation_pct") == (approx(400 / 6), 4, 6)


# ---------------------------------------------------------------- care leavers (OC3)
OC3 = pd.DataFrame(
    [
        ["C1", "2007-04-01", "YES", "F2", "U1"],  # 17th birthday on S -> 17-18
        ["C2", "2007-03-31", "NO", "0", "0"],  # 18th birthday on E -> 17-18
        ["C3", "2004-01-01", "YES", "G5", "G1"],  # 21 -> 19-21; gone abroad: not in accom
        ["C4", "2005-06-01", "DIED", "0", "0"],  # excluded
        ["C5", "2006-01-01", "YES", "P4", "B2"],  # 19 -> 19-21
        ["C6", "2003-06-01", "RHOM", "0", "0"],  # excluded
        ["C7", "2002-06-01", "YES", "F1", "U1"],  # 22: outside both groups
    ],
    columns=["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
).assign(DOB=lambda d: pd.to_datetime(d["DOB"]), _year="2024-25")


def test_care_leavers_17_18():
    t = {"OC3": OC3}
    assert value(t, "care_leavers_in_touch_pct_17_18") == (50, 1, 2)
    assert value(t, "care_leavers_eet_pct_17_18") == (50, 1, 2)  # ACTIV 0 stays in
    assert value(t, "care_leavers_suitable_accom_pct_17_18") == (50, 1, 2)  # "0" not G/H/R


def test_care_leavers_19_21():
    t = {"OC3": OC3}
    assert value(t, "care_leavers_in_touch_pct_19_21") == (100, 2, 2)
    assert value(t, "care_leavers_eet_pct_19_21") == (50, 1, 2)
    assert value(t, "care_leavers_suitable_accom_pct_19_21") == (0, 0, 1)


def test_custody_and_no_fixed_abode_are_never_counted_as_suitable():
    # 17-18 group: U1 suitable; X1 and S1 are not codes (DfE 133), so not known: they stay
    # in the denominator and out of the numerator. 1 suitable of 3 = 33.3%.
    t = {
        "OC3": pd.DataFrame(
            [
                ["C1", "2007-04-01", "YES", "F2", "U1"],
                ["C2", "2007-05-01", "YES", "F2", "X1"],
                ["C3", "2007-06-01", "YES", "F2", "S1"],
            ],
            columns=["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
        ).assign(DOB=lambda d: pd.to_datetime(d["DOB"]), _year="2024-25")
    }
    assert value(t, "care_leavers_suitable_accom_pct_17_18") == (approx(100 / 3), 1, 3)


def test_oc3_uses_the_periods_return_not_an_older_one():
    older = OC3.assign(_year="2023-24", IN_TOUCH="NO")
    t = {"OC3": pd.concat([older, OC3])}
    assert value(t, "care_leavers_in_touch_pct_19_21") == (100, 2, 2)


def test_a_quarter_shows_the_latest_years_oc2_figures_not_a_mix():
    # OC2 is returned once a year: the quarter to 30 September 2025 shows 2024-25's own
    # figure (3 of 7, worked above), never 2024-25's rows set against the quarter's cohort.
    q = parse_period("2025-26-Q2")
    assert value(HEALTH, "health_assessment_pct", q) == (approx(300 / 7), 3, 7)
    assert value(HEALTH, "sdq_received_pct", q) == (50, 2, 4)
    for ind in ("health_assessment_pct", "sdq_average", "care_leavers_in_touch_pct_17_18"):
        assert figure_period(REGISTRY[ind], q).label == "2024-25"
    assert figure_period(REGISTRY["cla_at_end"], q) == q  # flow and snapshot: the quarter's
