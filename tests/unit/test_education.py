"""Education indicators: the 12-month cohort matched to attainment.csv (hand-worked)."""

from __future__ import annotations

import pandas as pd

from pipeline.measures.registry import compute_all
from pipeline.spec.period import parse_period

P = parse_period("2024-25")  # academic year 2024/25 <-> 31 March 2025

EPISODES = pd.DataFrame(
    {
        "CHILD": ["K1", "K2", "K3", "K4", "K5", "G1", "G2", "OUT"],
        # OUT started 1 April 2024: a day short of 12 months at 31 March 2025
        "DECOM": pd.to_datetime(["2020-01-01"] * 7 + ["2024-04-01"]),
        "DEC": pd.NaT,
        "RNE": "S",
        "LS": "C2",
        "PLACE": "U4",
        "REC": "",
        "CIN": "N1",
        "URN": "",
    }
)
HEADER = pd.DataFrame(
    {
        "CHILD": EPISODES["CHILD"],
        "UPN": [f"u{c}" for c in EPISODES["CHILD"]],
        "DOB": pd.Timestamp("2014-01-01"),
        "SEX": "M",
        "ETHNIC": "WBRI",
    }
)


def att(rows):
    return pd.DataFrame(
        rows, columns=["CHILD", "UPN", "ACADEMIC_YEAR", "KEY_STAGE", "MEASURE", "VALUE"]
    )


ATTAINMENT = att(
    [
        ["K1", "", "2024/25", "KS2", "RWM_EXS", "1"],
        ["K2", "", "2024/25", "KS2", "RWM_EXS", "0"],
        ["", "uK3", "2024/25", "KS2", "RWM_EXS", "1"],  # matched by UPN
        ["K4", "", "2024/25", "KS2", "RWM_EXS", "0"],
        ["OUT", "", "2024/25", "KS2", "RWM_EXS", "1"],  # outside the cohort: not used
        ["K5", "", "2023/24", "KS2", "RWM_EXS", "1"],  # another academic year: not used
        ["G1", "", "2024/25", "KS4", "ATT8", "20.5"],
        ["G2", "", "2024/25", "KS4", "ATT8", "31"],
        ["G1", "", "2024/25", "KS4", "P8", "-1.2"],
        ["G1", "", "2024/25", "KS4", "EM4", "0"],
        ["G2", "", "2024/25", "KS4", "EM4", "1"],
    ]
)
TABLES = {"Episodes": EPISODES, "Header": HEADER, "attainment": ATTAINMENT}


def get(result, ind):
    r = result[(result["indicator"] == ind) & (result["breakdown"] == "")].iloc[0]
    return r["value"], r["numerator"], r["denominator"]


def test_ks2_uses_the_cohort_and_matches_by_upn():
    r = compute_all(TABLES, P)
    # K1, K2, K3 (by UPN), K4 -> 2 of 4 meet the standard = 50%
    assert get(r, "ks2_rwm_exs_pct") == (50, 2, 4)


def test_a_upn_shared_by_children_matches_no_one():
    # K3's result comes by UPN only. When K3 and K4 both hold "UN2" (UPN not known) it names
    # no one, so K3 has no result: K1 (1), K2 (0), K4 (0) -> 1 of 3. The same when a real
    # UPN was given to two children by mistake.
    for shared in ("UN2", "uK3"):
        header = HEADER.assign(UPN=HEADER["UPN"].mask(HEADER["CHILD"].isin(["K3", "K4"]), shared))
        attainment = ATTAINMENT.assign(UPN=ATTAINMENT["UPN"].replace("uK3", shared))
        r = compute_all({**TABLES, "Header": header, "attainment": attainment}, P)
        assert get(r, "ks2_rwm_exs_pct")[1:] == (1, 3), shared


def test_ks4_means_and_proportions():
    r = compute_all(TABLES, P)
    v, _, n = get(r, "ks4_att8_avg")
    assert (v, n) == (25.75, 2)  # (20.5 + 31) / 2, unrounded inside (25.8 published)
    assert get(r, "ks4_em4_pct") == (50, 1, 2)


def test_progress_8_and_ks1_are_not_available_when_dfe_stopped_them():
    r = compute_all(TABLES, P)
    assert pd.isna(get(r, "ks4_p8_avg")[0])  # not published from 2024/25
    assert pd.isna(get(r, "ks1_read_exs_pct")[0])  # not statutory from 2023/24


def test_progress_8_in_an_earlier_year():
    tables = {**TABLES, "attainment": ATTAINMENT.assign(ACADEMIC_YEAR="2023/24")}
    r = compute_all(tables, parse_period("2023-24"))
    # at 31 March 2024 the cohort is the same seven children (OUT not yet in care)
    v, _, n = get(r, "ks4_p8_avg")
    assert (v, n) == (-1.2, 1)


def test_quarters_have_no_attainment_figures():
    r = compute_all(TABLES, parse_period("2024-25-Q2"))
    assert pd.isna(get(r, "ks2_rwm_exs_pct")[0])
