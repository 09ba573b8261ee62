"""Every indicator on empty, tiny and blank data: a figure or ``x`` with its reason, no crash.

Each case is a small return written by hand as CSV and read, cleaned and stitched by the
real clean stage (so the tables have the types a run gives the indicators: text columns
whose sum is ``""``, which is what crashed ``_flag_pct`` on an empty sub-cohort). Period
2024-25: S = 1 April 2024, E = 31 March 2025. Every child is in care from 1 January 2021 (or
a month after birth) in one open foster placement, so each is looked after at E and in the
OC2 cohort (looked after for 12 months at E). Expected values are worked out by hand from
the definitions in docs/indicators.md, in the comments beside them.

A value that cannot be computed is missing (shown as ``x``), and its row says why: a
denominator of 0 (no one in the cohort), or no numerator at all (the measure or its table is
not available for the period). That is how ``pct_row`` and ``mean_row`` already mark it.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from pipeline import schema
from pipeline.clean.history import build_history
from pipeline.measures.registry import REGISTRY, compute_all
from pipeline.publish import disclosure
from pipeline.read.returns import read_history
from pipeline.spec.period import parse_period
from tests.conftest import write_csv

P = parse_period("2024-25")
YEAR = "2024-25"
POP = {2024: 10_000.0}
KEY = b"test-key-not-secret-0123456789"
NAN = float("nan")

HEADER = list(schema.ALL_TABLES["Header"].columns)
EPISODES = list(schema.ALL_TABLES["Episodes"].columns)
OC2 = list(schema.ALL_TABLES["OC2"].columns)
OC3 = list(schema.ALL_TABLES["OC3"].columns)
ATTAINMENT = list(schema.ATTAINMENT_COLUMNS)


def child(cid: str, dob: str, sex: str = "1", ethnic: str = "WBRI") -> list[str]:
    return [cid, sex, dob, ethnic, "", "", ""]


def episode(cid: str, decom: str = "01/01/2021") -> list[str]:
    # CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC, REASON_PLACE_CHANGE,
    # HOME_POST, PL_POST, URN: an open foster placement (U4).
    return [cid, decom, "S", "C2", "N1", "U4", "PR1", "", "", "", "", "", "1"]


def oc2(cid: str, dob: str, flags: str = "1", sdq: str = "10") -> list[str]:
    # SDQ_SCORE, SDQ_REASON, CONVICTED, HEALTH_CHECK, IMMUNISATIONS, TEETH_CHECK,
    # HEALTH_ASSESSMENT, SUBSTANCE_MISUSE, INTERVENTION_RECEIVED, INTERVENTION_OFFERED
    return [cid, dob, sdq, "", flags, flags, flags, flags, flags, "0", "", ""]


def tables(
    tmp_path: Path,
    header: list[list[str]],
    episodes: list[list[str]],
    extra: dict[str, tuple[list[str], list[list[str]]]] | None = None,
) -> dict[str, pd.DataFrame]:
    """The cleaned, stitched tables of one hand-written 2024-25 return."""
    folder = tmp_path / "806" / YEAR
    write_csv(folder / "header.csv", HEADER, header)
    write_csv(folder / "episodes.csv", EPISODES, episodes)
    for name, (cols, rows) in (extra or {}).items():
        write_csv(folder / f"{name}.csv", cols, rows)
    history = build_history(read_history(tmp_path / "806", YEAR), KEY)
    return {**history.tables, "attainment": history.attainment}


def figures(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return compute_all(t, P, POP)


def total(out: pd.DataFrame, ind: str) -> dict:
    rows = out.loc[(out["indicator"] == ind) & (out["breakdown"] == "")]
    assert len(rows) == 1, ind
    return rows.iloc[0].to_dict()


def assert_not_available_with_reason(out: pd.DataFrame) -> None:
    """Every indicator has its row; a missing value says why, and is published as x."""
    assert set(out["indicator"]) == set(REGISTRY)
    missing = out.loc[out["value"].isna()]
    for r in missing.itertuples():
        # no one in the cohort (0 of 0), or not available (no numerator, no figure at all)
        assert r.denominator == 0 or pd.isna(r.numerator), (r.indicator, r.breakdown)
    units = {i.id: i.unit for i in REGISTRY.values()}
    shown = disclosure.publish(out, units=units)
    # (unless secondary suppression hides it as c, which shows no more)
    unshown = out["value"].isna() & ~shown["suppressed"]
    assert (shown.loc[unshown, "display"] == disclosure.NOT_AVAILABLE).all()


def assert_empty_cohort(out: pd.DataFrame, *ids: str) -> None:
    for ind in ids:
        r = total(out, ind)
        assert math.isnan(r["value"]) and r["numerator"] == 0 and r["denominator"] == 0, ind


def test_no_child_aged_0_to_4(tmp_path):
    # Aged 8 (born 1 June 2016) and 12 (born 1 June 2012) at E: the development check's
    # sub-cohort (0 to 4) is empty. Both have every OC2 flag 1: health assessment 2 of 2.
    out = figures(
        tables(
            tmp_path,
            [child("001", "01/06/2016"), child("002", "01/06/2012")],
            [episode("001"), episode("002")],
            {"oc2": (OC2, [oc2("001", "01/06/2016"), oc2("002", "01/06/2012")])},
        )
    )
    assert_not_available_with_reason(out)
    assert_empty_cohort(out, "development_check_pct")
    assert total(out, "health_assessment_pct")["value"] == 100.0
    # Only the 12-year-old is 10 to 17, with CONVICTED 1: 1 of 1.
    assert total(out, "convicted_pct")["denominator"] == 1


def test_no_child_aged_10_to_17(tmp_path):
    # Aged 3 (born 1 June 2021, in care from 1 July 2021) and 7 (born 1 June 2017): the
    # convictions sub-cohort (10 to 17) is empty; the 3-year-old's development check is 1 of 1.
    out = figures(
        tables(
            tmp_path,
            [child("001", "01/06/2021"), child("002", "01/06/2017")],
            [episode("001", "01/07/2021"), episode("002")],
            {"oc2": (OC2, [oc2("001", "01/06/2021"), oc2("002", "01/06/2017")])},
        )
    )
    assert_not_available_with_reason(out)
    assert_empty_cohort(out, "convicted_pct")
    r = total(out, "development_check_pct")
    assert (r["numerator"], r["denominator"], r["value"]) == (1, 1, 100.0)


def test_no_care_leavers(tmp_path):
    # An OC3 file with its headings and no rows: both care-leaver age groups are empty.
    out = figures(
        tables(tmp_path, [child("001", "01/06/2016")], [episode("001")], {"oc3": (OC3, [])})
    )
    assert_not_available_with_reason(out)
    assert_empty_cohort(
        out, *(i for i in REGISTRY if i.startswith("care_leavers_"))
    )  # six indicators


def test_no_ks2_pupils(tmp_path):
    # One pupil, aged 16 at E (born 1 June 2008), in the 12-month cohort, with KS4 results
    # only: Attainment 8 of 40 is the mean of one score; every KS2 measure has no pupils.
    out = figures(
        tables(
            tmp_path,
            [child("001", "01/06/2008")],
            [episode("001")],
            {
                "attainment": (
                    ATTAINMENT,
                    [["001", "", "2024/25", "KS4", "ATT8", "40"],
                     ["001", "", "2024/25", "KS4", "EM4", "1"]],
                )
            },
        )
    )  # fmt: skip
    assert_not_available_with_reason(out)
    assert_empty_cohort(out, *(i for i in REGISTRY if i.startswith("ks2_")))
    assert total(out, "ks4_att8_avg")["value"] == 40.0
    r = total(out, "ks4_em4_pct")
    assert (r["numerator"], r["denominator"], r["value"]) == (1, 1, 100.0)


def test_every_table_empty(tmp_path):
    # Header and Episodes with their headings and no rows, and an empty OC2, OC3 and
    # attainment file: every count is 0 and every percentage and mean 0 of 0.
    out = figures(
        tables(
            tmp_path,
            [],
            [],
            {"oc2": (OC2, []), "oc3": (OC3, []), "attainment": (ATTAINMENT, [])},
        )
    )
    assert_not_available_with_reason(out)
    for ind in ("cla_at_end", "cla_started", "cla_ceased", "cla_during_year", "uasc_at_end"):
        assert total(out, ind)["value"] == 0, ind
    assert_empty_cohort(
        out,
        "placements_3plus_pct",
        "long_term_stability_pct",
        "health_assessment_pct",
        "development_check_pct",
        "convicted_pct",
        "sdq_received_pct",
        "missing_pct",
        "adopted_pct",
        "review_participation_pct",
        "ks2_rwm_exs_pct",
        "ks4_em4_pct",
    )


def test_all_blank_columns(tmp_path):
    # Two children whose Header has blank sex, ethnicity and DOB, and whose OC2 rows are
    # blank in every column: both are looked after at E with age, sex and ethnic group not
    # known; no one has an age, so every age-based (sub-)cohort is empty; a blank health
    # flag is not 1, so the health assessment is 0 of 2.
    out = figures(
        tables(
            tmp_path,
            [child("001", "", "", ""), child("002", "", "", "")],
            [episode("001"), episode("002")],
            {"oc2": (OC2, [["001"] + [""] * 11, ["002"] + [""] * 11])},
        )
    )
    assert_not_available_with_reason(out)
    assert total(out, "cla_at_end")["value"] == 2
    parts = out.loc[out["indicator"] == "cla_at_end"].set_index("breakdown")["value"]
    assert parts["Age band: Not known"] == parts["Sex: Not known"] == 2
    assert parts["Ethnic group: Not known"] == 2
    r = total(out, "health_assessment_pct")
    assert (r["numerator"], r["denominator"], r["value"]) == (0, 2, 0.0)
    assert_empty_cohort(
        out,
        "development_check_pct",
        "convicted_pct",
        "sdq_received_pct",
        "sdq_normal_pct",
        "long_term_stability_pct",
    )


def test_a_child_with_episodes_and_no_header_row_is_looked_after_with_nothing_known(tmp_path):
    # 002 has an episode but no Header row: looked after at E (2 children), age band, sex
    # and ethnic group not known; 001 (aged 8) is known.
    out = figures(tables(tmp_path, [child("001", "01/06/2016")], [episode("001"), episode("002")]))
    assert_not_available_with_reason(out)
    parts = out.loc[out["indicator"] == "cla_at_end"].set_index("breakdown")["value"]
    assert parts[""] == 2
    assert parts["Age band: 5 to 9"] == parts["Age band: Not known"] == 1
    assert parts["Sex: Male"] == parts["Sex: Not known"] == 1
    assert parts["Ethnic group: White"] == parts["Ethnic group: Not known"] == 1


# A single child: male, born 1 June 2016 (aged 8 at E), WBRI, looked after since 1 January
# 2021 in one open foster placement; OC2: SDQ 12, immunisations 0, dental check 1, health
# assessment 1, substance misuse 0, convicted and development check blank. No other table.
# value, numerator, denominator, from the definitions:
SINGLE = {
    "cla_at_end": (1, 1, None),
    "cla_rate_per_10k": (1.0, 1, 10_000),  # 1 / 10,000 x 10,000
    "cla_started": (0, 0, None),  # started before S
    "cla_ceased": (0, 0, None),
    "cla_during_year": (1, 1, None),
    "uasc_at_end": (0, 0, 1),
    "placements_3plus_pct": (0.0, 0, 1),  # one placement
    # in care 30 months at E (from 1 Jan 2021 <= 30 Sep 2022), under 16, the placement
    # started on or before E minus 24 months (31 Mar 2023): stable
    "long_term_stability_pct": (100.0, 1, 1),
    "sw_changes_2plus_pct": (None, None, 1),  # no SWEpisodes table: not available
    "health_assessment_pct": (100.0, 1, 1),
    "immunisations_pct": (0.0, 0, 1),
    "dental_check_pct": (100.0, 1, 1),
    "development_check_pct": (None, 0, 0),  # aged 8: no one aged 0 to 4
    "convicted_pct": (None, 0, 0),  # no one aged 10 to 17
    "substance_misuse_pct": (0.0, 0, 1),
    "sdq_received_pct": (100.0, 1, 1),  # aged 5 to 16 with a score
    "sdq_average": (12.0, None, 1),
    "sdq_normal_pct": (100.0, 1, 1),  # 12 is 0 to 13
    "sdq_borderline_pct": (0.0, 0, 1),
    "sdq_concern_pct": (0.0, 0, 1),
    "missing_pct": (0.0, 0, 1),
    "away_pct": (0.0, 0, 1),
    "missing_incidents": (0, 0, None),
    "adopted_pct": (None, 0, 0),  # no one ceased
    "sgo_pct": (None, 0, 0),
    "returned_home_planned_pct": (None, 0, 0),
    "adoption_entry_to_placed_days": (None, None, 0),
    "adoption_decision_to_match_days": (None, None, 0),
    "review_participation_pct": (None, 0, 0),  # no reviews
    **{i: (None, 0, 0) for i in REGISTRY if i.startswith("care_leavers_")},
    **{i: (None, 0, 0) for i in ("ks2_read_exs_pct", "ks2_writ_exs_pct", "ks2_math_exs_pct",
                                 "ks2_rwm_exs_pct", "ks4_em4_pct", "ks4_em5_pct")},
    "ks4_att8_avg": (None, None, 0),
    "ks4_p8_avg": (None, None, None),  # not published from 2024/25: not available
    **{i: (None, None, None) for i in REGISTRY if i.startswith("ks1_")},  # history only
}  # fmt: skip


def test_every_indicator_on_a_single_child(tmp_path):
    out = figures(
        tables(
            tmp_path,
            [child("001", "01/06/2016")],
            [episode("001")],
            {"oc2": (OC2, [["001", "01/06/2016", "12", "", "", "", "0", "1", "1", "0", "", ""]])},
        )
    )
    assert set(SINGLE) == set(REGISTRY)
    assert_not_available_with_reason(out)

    def same(got, want):
        return (pd.isna(got) and want is None) or got == want

    for ind, want in SINGLE.items():
        r = total(out, ind)
        got = (r["value"], r["numerator"], r["denominator"])
        assert all(same(g, w) for g, w in zip(got, want, strict=True)), (ind, got, want)


@pytest.mark.parametrize("period", ["2024-25", "2025-26-Q2"])
def test_every_indicator_on_no_data_at_all(period):
    # No table at all (an API caller's empty dict): nothing to count, no crash.
    out = compute_all({}, parse_period(period), POP)
    assert set(out["indicator"]) == set(REGISTRY)
    assert (out.loc[out["indicator"] == "cla_at_end", "value"] == 0).all()
