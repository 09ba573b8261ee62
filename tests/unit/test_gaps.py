"""Attainment gaps against all pupils, with a tiny hand-made LAIT table."""

from __future__ import annotations

import pandas as pd

from pipeline.measures.gaps import attainment_gaps
from pipeline.read.reference import _load
from pipeline.spec.period import parse_period


def lait(folder, rows):
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        rows, columns=["Short Desc", "Years", "LA and Regions", "LA Number", "Values"]
    ).to_parquet(folder / "lait.parquet", index=False)


def tables(academic_years):
    eps = pd.DataFrame(
        {
            "CHILD": ["a", "b", "c", "d"],
            "DECOM": pd.Timestamp("2019-01-01"),
            "DEC": pd.NaT,
            "RNE": "S",
            "LS": "C2",
            "PLACE": "U4",
            "REC": "",
            "CIN": "N1",
            "URN": "",
        }
    )
    rows = []
    for year, results in academic_years.items():
        rows += [[c, "", year, "KS2", "RWM_EXS", v] for c, v in results.items()]
    att = pd.DataFrame(
        rows, columns=["CHILD", "UPN", "ACADEMIC_YEAR", "KEY_STAGE", "MEASURE", "VALUE"]
    )
    return {"Episodes": eps, "attainment": att}


def test_gap_interval_significance_and_movement(tmp_path):
    _load.cache_clear()
    lait(
        tmp_path / "ref",
        [
            ["KS2RWM_Expected_STD", "2025", "Testshire", 806.0, "60"],
            ["KS2RWM_Expected_STD", "2025", "England", 970.0, "62"],
            ["KS2RWM_Expected_STD", "2024", "Testshire", 806.0, "60"],
        ],
    )
    t = tables(
        {
            "2024/25": {"a": "1", "b": "0", "c": "1", "d": "0"},  # 2 of 4 = 50%
            "2023/24": {"a": "1", "b": "0", "c": "0", "d": "0"},
        }
    )  # 1 of 4 = 25%
    g = attainment_gaps(t, parse_period("2024-25"), tmp_path / "ref", "806")
    la = g[(g["indicator"] == "ks2_rwm_exs_pct") & (g["comparator"] == "la")].iloc[0]
    # 50 - 60 = -10 points; Wilson 95% for 2/4 is 15.0% to 85.0%: -45.0 to 25.0
    assert (la["gap"], la["ci_low"], la["ci_high"]) == (-10.0, -45.0, 25.0)
    assert not la["significant"]
    # last year: 25 - 60 = -35: the gap narrowed
    assert (la["previous_gap"], la["movement"]) == (-35.0, "narrowed")
    # the counts disclosure control needs: 2 of 4 pupils this year, 1 of 4 last year
    assert (la["numerator"], la["n"], la["previous_numerator"], la["previous_n"]) == (2, 4, 1, 4)
    eng = g[(g["indicator"] == "ks2_rwm_exs_pct") & (g["comparator"] == "england")].iloc[0]
    assert eng["gap"] == -12.0 and pd.isna(eng["previous_gap"])  # no England row for 2024
    assert la["source"] == "DfE Local Authority Interactive Tool (LAIT)"  # no file name


def test_no_all_pupils_figure_gives_no_gap(tmp_path):
    _load.cache_clear()
    g = attainment_gaps(
        tables({"2024/25": {"a": "1"}}), parse_period("2024-25"), tmp_path / "none", "806"
    )
    assert g["gap"].isna().all() and (g["n"] >= 0).all()
    # the children's own figure does not need a comparator: 1 of 1 pupil = 100%
    rwm = g[g["indicator"] == "ks2_rwm_exs_pct"]
    assert rwm["cla_value"].tolist() == [100.0, 100.0] and rwm["numerator"].tolist() == [1, 1]
