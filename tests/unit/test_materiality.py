"""Which messages lead a summary: hand-worked cases of the tests in ``materiality``.

Every expected p-value or decision below is worked from the stated test, not from running
the code: Fisher's exact test for a change in a percentage, the exact binomial test against
England's figure, the conditional binomial test for two counts, Benjamini-Hochberg.
"""

from __future__ import annotations

import pandas as pd

from pipeline.numerals import round_half_up
from pipeline.report.materiality import Candidate, candidates, material, targets_sentence
from pipeline.spec.period import parse_period

YEAR = parse_period("2025-26")
PREV = "2024-25"


def _rows(rows: list[dict], period: str | None = None) -> pd.DataFrame:
    base = {"breakdown": "", "suppressed": False, "england": None, "rating": None,
            "target": None}  # fmt: skip
    df = pd.DataFrame([base | r for r in rows])
    if period:
        df["period"] = period
    return df


def _pct(ind, k, n, england=None, **kw):
    # A published row: its value rounded to a whole percentage, as publication does.
    return {"indicator": ind, "numerator": k, "denominator": n,
            "value": round_half_up(100 * k / n), "england": england, **kw}  # fmt: skip


def _said(current, before, period=YEAR):
    trend = pd.concat([before.assign(period=PREV), current.assign(period=period.label)])
    return material(candidates(current, trend, period))


def test_a_swing_on_a_handful_of_young_people_is_not_headlined():
    # 9 of 14 -> 6 of 14 (64% -> 43%): Fisher's two-sided p is about 0.45, far above 0.05.
    now = _rows([_pct("care_leavers_eet_pct_19_21", 6, 14)])
    before = _rows([_pct("care_leavers_eet_pct_19_21", 9, 14)])
    assert _said(now, before) == []


def test_a_large_real_change_in_a_count_is_headlined():
    # 317 against 174: under "no change" each of 491 incidents is in either year with
    # probability 1/2; 317 is (317 - 245.5) / sqrt(491 / 4) = 6.5 standard deviations out.
    now = _rows([{"indicator": "missing_incidents", "numerator": 317, "denominator": None,
                  "value": 317}])  # fmt: skip
    before = _rows([{"indicator": "missing_incidents", "numerator": 174, "denominator": None,
                     "value": 174}])  # fmt: skip
    assert _said(now, before) == ["Missing incidents rose from 174 to 317 (worse)."]


def test_a_gap_to_england_is_headlined_with_its_direction():
    # 12 of 100 convicted against England's 2%: P(X >= 12 | n = 100, p = 0.02) is below
    # one in a million. Lower is better, so worse.
    now = _rows([_pct("convicted_pct", 12, 100, england=2.0)])
    assert _said(now, now.iloc[0:0]) == [
        "Convicted or subject to a youth caution (ages 10 to 17): 12% against 2% in England "
        "(worse)."
    ]


def test_a_small_groups_message_gives_the_numbers():
    # 2 of 20 in touch against England's 50%: P(X <= 2) = (1 + 20 + 190) / 2^20 = 0.0002,
    # doubled 0.0004. The group is under 30, so the numbers are said.
    now = _rows([_pct("care_leavers_in_touch_pct_19_21", 2, 20, england=50.0)])
    assert _said(now, now.iloc[0:0]) == [
        "Care leavers aged 19 to 21 in touch: 10% against 50% in England (2 of 20 young "
        "people; worse)."
    ]


def test_a_suppressed_figure_is_never_tested_or_said():
    now = _rows([_pct("convicted_pct", 12, 100, england=2.0) | {"suppressed": True}])
    assert candidates(now, now.assign(period=PREV), YEAR) == []


def test_p_values_are_adjusted_for_the_number_of_measures():
    # Benjamini-Hochberg: the smallest of 11 p-values, 0.04, becomes 0.04 * 11 / 1 = 0.44.
    alone = [Candidate(0.04, "news")]
    crowd = alone + [Candidate(0.9, f"noise {i}") for i in range(10)]
    assert material(alone) == ["news"] and material(crowd) == []


def test_a_quarter_never_headlines_a_yearly_figure():
    q = parse_period("2026-27-Q2")
    now = _rows([_pct("health_assessment_pct", 50, 100, england=94.0)])
    trend = now.assign(period="2025-26-Q2")
    assert candidates(now, trend, q) == []  # 50% against 94% would be news in a year


def test_targets_are_summed_up_naming_those_off_target():
    now = _rows([
        _pct("placements_3plus_pct", 9, 100, rating="On target", target=10.0),
        _pct("care_leavers_eet_pct_19_21", 6, 14, rating="Off target", target=55.0),
        _pct("sw_changes_2plus_pct", 30, 100, rating="Within tolerance", target=28.0),
    ])  # fmt: skip
    assert targets_sentence(now, YEAR) == (
        "Of 3 measures with targets, 1 is on target, 1 within tolerance and 1 off target: "
        "Care leavers aged 19 to 21 in education, employment or training (43% against a "
        "target of 55%; 6 of 14 young people)."
    )
