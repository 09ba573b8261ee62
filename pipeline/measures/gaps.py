"""Attainment gaps: children looked after against all pupils, with 95% confidence intervals.

The gap is the children looked after (CLA) figure minus the all-pupils figure (the
authority's, and England's). The all-pupils figure covers every pupil, so it is treated as
known; the uncertainty is in the small CLA cohort: a Wilson interval for a proportion, a t
interval for a mean (scipy). A gap is "statistically different from zero" when its
interval excludes zero. Movement compares this year's gap with last year's.

The table is internal and unsuppressed. It carries each figure's numerator (pupils
achieving, for a percentage) and pupil count, this year's and last year's, so that
``published.published_gaps`` can apply disclosure control to every figure built on them.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from scipy import stats

from pipeline.measures.context import Context
from pipeline.measures.education import EDUCATION, attainment_values, education_available
from pipeline.measures.registry import REGISTRY
from pipeline.numerals import round_half_up
from pipeline.read.reference import all_pupils
from pipeline.spec.period import Period

COLUMNS = [
    "indicator",
    "comparator",
    "cla_value",
    "numerator",
    "n",
    "all_pupils",
    "gap",
    "ci_low",
    "ci_high",
    "significant",
    "previous_gap",
    "previous_numerator",
    "previous_n",
    "movement",
    "source",
]


def proportion_gap(k: int, n: int, all_pupils_pct: float) -> tuple[float, float, float]:
    """Gap in percentage points and its 95% Wilson interval.

    >>> [round(float(x), 1) for x in proportion_gap(2, 4, 60)]
    [-10.0, -45.0, 25.0]
    """
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    p = 100 * k / n
    return (
        p - all_pupils_pct,
        float(100 * ci.low - all_pupils_pct),
        float(100 * ci.high - all_pupils_pct),
    )


def mean_gap(values: pd.Series, all_pupils_mean: float) -> tuple[float, float | None, float | None]:
    """Gap in the mean and its 95% t interval (no interval from one pupil).

    >>> g, lo, hi = mean_gap(pd.Series([20.5, 31.0]), 46.0)
    >>> round(float(g), 2), round(float(lo), 2), round(float(hi), 2)
    (-20.25, -86.96, 46.46)
    """
    n = len(values)
    m = float(values.mean())
    if n < 2:
        return m - all_pupils_mean, None, None
    half = float(stats.t.ppf(0.975, n - 1)) * float(values.std(ddof=1)) / math.sqrt(n)
    return m - all_pupils_mean, m - half - all_pupils_mean, m + half - all_pupils_mean


def movement(gap: float | None, previous: float | None) -> str | None:
    """How a gap moved since last year, in words that stay true whatever its sign.

    Below all pupils in both years, the gap "narrowed" or "widened". Above them, "narrowed"
    would read as good news when the lead shrank, so a lead "grew" or "shrank"; a gap that
    changed side says so.

    >>> movement(-20, -25), movement(-25, -20), movement(-20, -20), movement(-20, None)
    ('narrowed', 'widened', 'unchanged', None)
    >>> movement(3, 5), movement(5, 3), movement(2, -4), movement(-2, 4)
    ('lead shrank', 'lead grew', 'now above all pupils', 'now below all pupils')
    """
    if gap is None or previous is None or pd.isna(gap) or pd.isna(previous):
        return None
    if gap == previous:
        return "unchanged"
    if gap >= 0 > previous:
        return "now above all pupils"
    if gap < 0 <= previous:
        return "now below all pupils"
    if gap > 0:
        return "lead grew" if gap > previous else "lead shrank"
    return "narrowed" if abs(gap) < abs(previous) else "widened"


def _gaps_for(tables: dict, period: Period, reference_dir: Path, la_code: str) -> list[dict]:
    ctx = Context(tables, period)
    year = period.end_year
    out = []
    for ind, (ks, measure, unit, _) in EDUCATION.items():
        if not education_available(ind, period) or not period.is_annual:
            continue
        values = attainment_values(ctx, ks, measure)
        n = len(values)
        # A mean has no numerator: disclosure control rests on n alone.
        k = int((values == 1).sum()) if unit == "percent" and n else None
        cla = None if not n else 100 * k / n if unit == "percent" else float(values.mean())
        ap = all_pupils(reference_dir, la_code, ind, year)
        for comparator in ("la", "england"):
            base = ap[comparator]
            r = {
                "indicator": ind,
                "comparator": comparator,
                # The CLA figure does not depend on the comparator: kept when one is missing.
                "cla_value": cla,
                "numerator": k,
                "n": n,
                "all_pupils": base,
                "gap": None,
                "ci_low": None,
                "ci_high": None,
                "significant": None,
                "source": ap["source"],
            }
            if n and base is not None:
                if unit == "percent":
                    gap, lo, hi = proportion_gap(k, n, base)
                else:
                    gap, lo, hi = mean_gap(values, base)
                dp = REGISTRY[ind].points_dp
                r["gap"] = round_half_up(gap, dp)
                r["ci_low"] = None if lo is None else round_half_up(lo, dp)
                r["ci_high"] = None if hi is None else round_half_up(hi, dp)
                r["significant"] = None if lo is None else bool(lo > 0 or hi < 0)
            out.append(r)
    return out


def attainment_gaps(
    tables: dict, period: Period, reference_dir: Path, la_code: str
) -> pd.DataFrame:
    """Every education measure's gap for the period, with last year's gap and movement.

    Last year's numerator and pupil count come with its gap: a movement compares with a
    figure that may itself have to be suppressed.
    """
    now = pd.DataFrame(_gaps_for(tables, period, reference_dir, la_code))
    if now.empty:
        return pd.DataFrame(columns=COLUMNS)
    before = pd.DataFrame(_gaps_for(tables, period.shifted(-1), reference_dir, la_code))
    keys = list(zip(now["indicator"], now["comparator"], strict=True))
    prev = {} if before.empty else before.set_index(["indicator", "comparator"]).to_dict("index")
    for col in ("gap", "numerator", "n"):
        now[f"previous_{col}"] = [prev.get(key, {}).get(col) for key in keys]
    now["movement"] = [movement(g, p) for g, p in zip(now["gap"], now["previous_gap"], strict=True)]
    return now[COLUMNS]
