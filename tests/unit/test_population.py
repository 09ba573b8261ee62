"""Hand-worked cases for the indicators, from the definitions in shared docs/indicators.md.

Period 2024-25: S = 1 April 2024, E = 31 March 2025. Every expected value below is worked
out from the definition in the comment beside the child, not by running the code.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.measures.registry import REGISTRY, compute_all, compute_trend
from pipeline.publish import disclosure
from pipeline.spec.period import parse_period

P = parse_period("2024-25")


def episodes(rows):
    cols = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC", "URN"]
    df = pd.DataFrame(rows, columns=cols)
    df["DECOM"] = pd.to_datetime(df["DECOM"])
    df["DEC"] = pd.to_datetime(df["DEC"].replace("", None))
    return df


def header(rows):
    df = pd.DataFrame(rows, columns=["CHILD", "SEX", "DOB", "ETHNIC"])
    df["DOB"] = pd.to_datetime(df["DOB"])
    return df


# child, DECOM, RNE, LS, CIN, PLACE, DEC, REC, URN
EPISODES = episodes(
    [
        # A: in care since before S, still open: at E, during; not started, not ceased.
        ["A", "2023-01-10", "S", "C2", "N1", "U4", "", "", "1"],
        # B: starts in the period and ends ON E: DEC = E is not "DEC > E", so not at E;
        #    started, ceased (DEC in S..E, REC not X1), during.
        ["B", "2024-05-01", "S", "V2", "N4", "U6", "2025-03-31", "E13", "2"],
        # C: an X1 chain: one period of care, started once, never ceased, at E.
        ["C", "2024-06-01", "S", "C1", "N1", "U4", "2024-09-01", "X1", "3"],
        ["C", "2024-09-01", "P", "C1", "N1", "K2", "", "", "4"],
        # D: short breaks only (V3/V4): not looked after for any indicator.
        ["D", "2024-05-01", "S", "V3", "N2", "U6", "2024-05-03", "E13", "5"],
        ["D", "2025-01-01", "S", "V4", "N2", "U6", "", "", "5"],
        # E: starts ON E: DECOM <= E and DEC blank, so at E; started.
        ["E", "2025-03-31", "S", "L1", "N1", "U6", "", "", "6"],
        # F: ceases ON S: ceased and during (DEC >= S), not at E, not started.
        ["F", "2022-01-01", "S", "E1", "N1", "A4", "2024-04-01", "E11", "7"],
        # G: ceased the day before S: in nothing.
        ["G", "2023-01-01", "S", "C2", "N1", "U4", "2024-03-31", "E4A", "8"],
        # H: re-entry: leaves in the period, comes back in the period. Started once (only the
        #    second start is in S..E), ceased once, at E.
        ["H", "2023-05-01", "S", "V2", "N5", "U4", "2024-06-01", "E13", "9"],
        ["H", "2024-10-01", "S", "C1", "N5", "U4", "", "", "10"],
        # I: a short break, then real care: the V3 episode is ignored, the C2 one counts.
        ["I", "2024-05-01", "S", "V3", "N2", "U6", "2024-05-03", "E13", "11"],
        ["I", "2024-07-01", "S", "C2", "N2", "U4", "", "", "12"],
        # J: in a temporary placement at E; came from foster care (U4): placement group is
        #    foster care. Aged exactly 16 at E.
        ["J", "2020-01-01", "S", "C2", "N1", "U4", "2025-03-20", "X1", "13"],
        ["J", "2025-03-20", "T", "C2", "N1", "T1", "", "", ""],
    ]
)
HEADER = header(
    [
        [
            "A",
            "M",
            "2024-04-01",
            "WBRI",
        ],  # 0 at E (birthday after E's month/day last year) -> Under 1
        ["B", "F", "2010-01-01", "WBRI"],
        ["C", "F", "2015-06-01", "BAFR"],  # 9 at E -> 5 to 9
        ["D", "M", "2012-01-01", "WBRI"],
        ["E", "U", "2021-03-31", "APKN"],  # 4 at E (birthday on E counts) -> 1 to 4
        ["F", "M", "2019-01-01", "WBRI"],
        ["G", "M", "2019-01-01", "WBRI"],
        ["H", "M", "2009-04-01", "MWBC"],  # 15 at E (turns 16 the day after) -> 10 to 15
        ["I", "F", "2012-02-01", "CHNE"],  # 13 at E -> 10 to 15
        ["J", "M", "2009-03-31", "REFU"],  # 16 exactly at E -> 16 and over
    ]
)
TABLES = {
    "Episodes": EPISODES,
    "Header": HEADER,
    "UASC": pd.DataFrame({"CHILD": ["I", "G"], "SEX": ["F", "M"]}),
}


@pytest.fixture(scope="module")
def result():
    return compute_all(TABLES, P, population={2024: 3000})


def val(result, ind, breakdown=""):
    r = result[(result["indicator"] == ind) & (result["breakdown"] == breakdown)]
    assert len(r) == 1, (ind, breakdown)
    return r.iloc[0]


def test_cla_at_end_counts_open_episodes_and_excludes_dec_on_e(result):
    # A, C, E, H, I, J
    assert val(result, "cla_at_end")["value"] == 6


def test_cla_started_counts_each_child_once(result):
    # B, C (once despite the X1 chain), E, H (second period), I (non-V3 episode)
    assert val(result, "cla_started")["value"] == 5


def test_cla_ceased_excludes_x1_and_counts_ceasing_on_s(result):
    # B (on E), F (on S), H; C's X1 and G (before S) are not ceased.
    assert val(result, "cla_ceased")["value"] == 3


def test_cla_during_year(result):
    # A, B, C, E, F, H, I, J
    assert val(result, "cla_during_year")["value"] == 8


def test_rate_uses_mid_year_before_e_and_rounds_half_up(result):
    # 6 / 3000 (mid-2024 population for E = 31 March 2025) * 10,000 = 20.0
    r = val(result, "cla_rate_per_10k")
    assert (r["value"], r["numerator"], r["denominator"]) == (20, 6, 3000)


def test_rate_is_kept_unrounded_and_published_rounded_half_up():
    # 6 / 4800 * 10,000 = 12.5 inside; published 13 (DfE rounds halves up; banker's rounding
    # would give 12)
    r = compute_all(TABLES, P, population={2024: 4800}, ids=["cla_rate_per_10k"])
    assert r["value"].iloc[0] == 12.5
    pub = disclosure.publish(r, units={"cla_rate_per_10k": "rate"}, dps={"cla_rate_per_10k": 0})
    assert (pub["value"].iloc[0], pub["display"].iloc[0]) == (13, "13")


def test_rate_without_population_is_missing_not_zero():
    r = compute_all(TABLES, P, population={2023: 3000}, ids=["cla_rate_per_10k"])
    assert r["value"].isna().all() and r["numerator"].iloc[0] == 6


def test_age_bands_at_e_including_birthday_on_e(result):
    assert val(result, "cla_at_end", "Age band: Under 1")["value"] == 1  # A
    assert val(result, "cla_at_end", "Age band: 1 to 4")["value"] == 1  # E
    assert val(result, "cla_at_end", "Age band: 5 to 9")["value"] == 1  # C
    assert val(result, "cla_at_end", "Age band: 10 to 15")["value"] == 2  # H, I
    assert val(result, "cla_at_end", "Age band: 16 and over")["value"] == 1  # J


def test_temporary_placement_at_e_counts_in_placement_before(result):
    # A U4, C K2, E U6, H U4, I U4, J T1 after U4 -> foster 5, residential 1
    assert val(result, "cla_at_end", "Placement: Foster care")["value"] == 5
    assert val(result, "cla_at_end", "Placement: Children's homes and residential")["value"] == 1


def test_breakdowns_sum_to_total(result):
    total = val(result, "cla_at_end")["value"]
    b = result[(result["indicator"] == "cla_at_end") & (result["breakdown"] != "")]
    for dim, part in b.groupby(b["breakdown"].str.split(": ").str[0]):
        assert part["value"].sum() == total, dim


def test_started_by_category_of_need_and_legal_status(result):
    # B N4, C N1, E N1, H N5, I N2; at entry: B V2, C C1, E L1, H C1, I C2
    assert val(result, "cla_started", "Category of need: N1")["value"] == 2
    assert val(result, "cla_started", "Category of need: N2")["value"] == 1
    assert (
        val(result, "cla_started", "Legal status at entry: Care order (interim or full)")["value"]
        == 3
    )
    assert (
        val(result, "cla_started", "Legal status at entry: Emergency and police protection")[
            "value"
        ]
        == 1
    )


def test_uasc_only_counts_children_looked_after_at_e(result):
    # I is looked after at E; G is in the UASC table but left care before S.
    assert val(result, "uasc_at_end")["value"] == 1


def test_short_break_only_child_changes_nothing(result):
    without_d = {**TABLES, "Episodes": EPISODES[EPISODES["CHILD"] != "D"]}
    again = compute_all(without_d, P, population={2024: 3000})
    pd.testing.assert_frame_equal(result, again)


def test_quarter_uses_rolling_twelve_months():
    # 2024-25-Q2: S = 1 Oct 2023, E = 30 Sep 2024. B started 1 May 2024 and is open at E;
    # H ceased 1 Jun 2024 (in S..E); F ceased 1 Apr 2024 (in S..E); G ceased 31 Mar 2024.
    q = compute_all(TABLES, parse_period("2024-25-Q2"))
    assert val(q, "cla_ceased")["value"] == 3  # F, G, H
    # at 30 Sep 2024: A, B, C, I (from 1 Jul 2024), J; H re-entered 1 Oct 2024, after E
    assert val(q, "cla_at_end")["value"] == 5


def test_empty_tables_give_zero_counts_not_errors():
    r = compute_all({}, P)
    assert val(r, "cla_at_end")["value"] == 0 and val(r, "cla_started")["value"] == 0


def test_trend_covers_five_periods_from_the_same_history():
    t = compute_trend(TABLES, P, years=5, population={2024: 3000})
    assert sorted(t["period"].unique()) == ["2020-21", "2021-22", "2022-23", "2023-24", "2024-25"]
    # at 31 March 2023: A (from 10 Jan 2023), F, G, J -> 4 (H started 1 May 2023)
    at = t[(t["indicator"] == "cla_at_end") & (t["breakdown"] == "") & (t["period"] == "2022-23")]
    assert at["value"].iloc[0] == 4


def test_the_trends_own_period_rows_are_the_periods_figures():
    """The indicator stage takes the period's figures from the trend's rows for it (computed
    once): they must be exactly what computing the period alone gives, annual and quarterly."""
    for period in (P, parse_period("2024-25-Q2")):
        t = compute_trend(TABLES, period, years=3, population={2024: 3000})
        own = t[t["period"] == period.label].drop(columns="period").reset_index(drop=True)
        pd.testing.assert_frame_equal(own, compute_all(TABLES, period, {2024: 3000}))


def test_every_registered_indicator_has_definition_and_polarity():
    for ind in REGISTRY.values():
        assert ind.definition and ind.title and ind.polarity in {"higher", "lower", "neither"}


def test_committed_indicator_catalogue_is_generated_from_the_registry():
    from pipeline.report.docs import DOC, render

    assert DOC.read_text() == render(), (
        "docs/indicators.md is stale: python -m pipeline.report.docs"
    )
