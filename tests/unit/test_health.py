"""Health: hand-worked cases (docs/indicators.md).

Period 2024-25 throughout: S = 1 April 2024, E = 31 March 2025. The comment beside each
child works its result out from the definition in shared docs/indicators.md.
"""

from __future__ import annotations

import pandas as pd
from pytest import approx

from pipeline.measures.registry import REGISTRY, figure_period
from pipeline.spec.period import parse_period
from tests.unit.cases import eps, header, value

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


def test_a_quarter_shows_the_latest_years_oc2_figures_not_a_mix():
    # OC2 is returned once a year: the quarter to 30 September 2025 shows 2024-25's own
    # figure (3 of 7, worked above), never 2024-25's rows set against the quarter's cohort.
    q = parse_period("2025-26-Q2")
    assert value(HEALTH, "health_assessment_pct", q) == (approx(300 / 7), 3, 7)
    assert value(HEALTH, "sdq_received_pct", q) == (50, 2, 4)
    for ind in ("health_assessment_pct", "sdq_average", "care_leavers_in_touch_pct_17_18"):
        assert figure_period(REGISTRY[ind], q).label == "2024-25"
    assert figure_period(REGISTRY["cla_at_end"], q) == q  # flow and snapshot: the quarter's
