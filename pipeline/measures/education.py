"""Education: children looked after (the 12-month cohort) at key stages 1, 2 and 4.

The indicators of the section "Education: children looked after against all pupils" in
shared ``docs/indicators.md``, declared in :data:`INDICATORS` (report order) for
:mod:`pipeline.measures.registry`. The gaps to all pupils are :mod:`pipeline.measures.gaps`,
which reads the same cohort's results through :func:`attainment_values`.
"""

from __future__ import annotations

import pandas as pd

from pipeline.measures.context import Context, Indicator, cached, mean_row, pct_row, row
from pipeline.schema import UN_CODES
from pipeline.spec.period import Period, parse_period, year_label  # noqa: F401 (doctest)

# indicator id -> (key stage, measure in attainment.csv, unit, the measure in words)
EDUCATION = {
    "ks2_read_exs_pct": ("KS2", "READ_EXS", "percent", "reading"),
    "ks2_writ_exs_pct": ("KS2", "WRIT_EXS", "percent", "writing"),
    "ks2_math_exs_pct": ("KS2", "MATH_EXS", "percent", "maths"),
    "ks2_rwm_exs_pct": ("KS2", "RWM_EXS", "percent", "reading, writing and maths"),
    "ks4_att8_avg": ("KS4", "ATT8", "mean", "Attainment 8"),
    "ks4_em4_pct": ("KS4", "EM4", "percent", "grade 4 or above in English and maths"),
    "ks4_em5_pct": ("KS4", "EM5", "percent", "grade 5 or above in English and maths"),
    "ks4_p8_avg": ("KS4", "P8", "mean", "Progress 8"),
    "ks1_read_exs_pct": ("KS1", "READ_EXS", "percent", "reading"),
    "ks1_writ_exs_pct": ("KS1", "WRIT_EXS", "percent", "writing"),
    "ks1_math_exs_pct": ("KS1", "MATH_EXS", "percent", "maths"),
}
KS1_LAST_YEAR = "2022-23"  # KS1 assessments not statutory from 2023/24: history only
P8_LAST_YEAR = "2023-24"  # Progress 8 not published nationally from 2024/25


def academic_year(period: Period) -> str:
    """The academic year of a collection year, as attainment.csv writes it.

    >>> academic_year(parse_period("2024-25"))
    '2024/25'
    """
    y1 = int(period.collection_year[:4])
    return year_label(y1, "/")


def education_available(indicator: str, period: Period) -> bool:
    """False where the measure does not exist for the year (KS1 from 2023/24, P8 2024/25)."""
    if indicator.startswith("ks1_"):
        return period.collection_year <= KS1_LAST_YEAR
    if indicator == "ks4_p8_avg":
        return period.collection_year <= P8_LAST_YEAR
    return True


@cached
def _attainment_cohort(ctx: Context) -> set:
    # The 12-month cohort at 31 March of the academic year (the period's E, annual only).
    return ctx.continuously_looked_after(12)


def attainment_values(ctx: Context, key_stage: str, measure: str) -> pd.Series:
    """Results of cohort pupils for one measure, indexed by child, as numbers.

    The cohort is the children looked after continuously for at least 12 months at 31 March
    of the academic year; results are matched by CHILD, or by UPN where CHILD is blank.
    Results of children outside the cohort are not used.
    """
    a = _cohort_results(ctx).get((key_stage, measure))
    if a is None:
        return pd.Series(dtype=float)
    return a["_value"].groupby(a["CHILD"]).last().dropna()


@cached
def _cohort_results(ctx: Context) -> dict[tuple[str, str], pd.DataFrame]:
    """The academic year's results of cohort pupils, by (key stage, measure), matched once.

    Row by row what ``attainment_values`` describes: CHILD, or UPN where CHILD is blank;
    only the 12-month cohort; VALUE as a number (not a number: missing).
    """
    att = ctx.tables.get("attainment")
    if att is None or att.empty or not ctx.period.is_annual:
        return {}
    a = att.loc[att["ACADEMIC_YEAR"] == academic_year(ctx.period)].copy()
    if "UPN" in ctx.header and "UPN" in a:
        by_upn = pd.Series(ctx.header.index, index=ctx.header["UPN"]).loc[lambda s: s.index != ""]
        # A UPN names one pupil only when one child has it: "not known" codes (UN1-UN5) are
        # shared by design, and a UPN two children were given cannot say whose result it is.
        by_upn = by_upn[~by_upn.index.duplicated(keep=False) & ~by_upn.index.isin(UN_CODES)]
        blank = a["CHILD"].fillna("") == ""
        a.loc[blank, "CHILD"] = a.loc[blank, "UPN"].map(by_upn)
    a = a.loc[a["CHILD"].isin(_attainment_cohort(ctx))]
    a["_value"] = pd.to_numeric(a["VALUE"], errors="coerce")
    return {key: part for key, part in a.groupby(["KEY_STAGE", "MEASURE"], sort=False)}


def _education(ind: str, key_stage: str, measure: str, unit: str):
    def compute(ctx: Context) -> list[dict]:
        if not education_available(ind, ctx.period) or not ctx.period.is_annual:
            return [row(ind, None, None, None)]
        v = attainment_values(ctx, key_stage, measure)
        if unit == "mean":
            return [mean_row(ind, v)]
        return [pct_row(ind, int((v == 1).sum()), len(v))]

    return compute


def _declare(id: str, key_stage: str, measure: str, unit: str, words: str) -> Indicator:
    if key_stage in ("KS1", "KS2"):
        title = f"{key_stage}: expected standard in {words}"
        definition = (
            f"Of children looked after continuously for at least 12 months at 31 March "
            f"of the academic year with a {key_stage} result, the percentage meeting the "
            f"expected standard in {words} ({measure} = 1)."
        )
    elif unit == "percent":
        title = f"KS4: {words}"
        definition = (
            "Of children looked after continuously for at least 12 months at 31 March of "
            f"the academic year with a KS4 result, the percentage achieving {words} "
            f"({measure} = 1)."
        )
    else:
        title = f"KS4: average {words} score"
        definition = (
            "Mean " + words + " score of children looked after continuously for at least "
            "12 months at 31 March of the academic year with a KS4 result."
        )
    if key_stage == "KS1":
        definition += " KS1 is history only: not statutory from 2023/24."
    if measure == "P8":
        definition += " Not published nationally from 2024/25: shown as not available."
    return Indicator(
        id=id,
        title=title,
        unit=unit,
        polarity="higher",
        cohort="Looked after continuously for 12 months at 31 March of the academic year",
        definition=definition + " Matched to the pupil-level results by child, or by UPN where "
        "the child's id is blank.",
        dp=2 if measure == "P8" else 1 if unit == "mean" else 0,
        func=_education(id, key_stage, measure, unit),
    )


INDICATORS = tuple(_declare(id, *spec) for id, spec in EDUCATION.items())
