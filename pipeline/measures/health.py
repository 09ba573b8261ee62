"""Health: the OC2 cohort's health checks, offending, substance misuse and SDQ scores.

The indicators of the section "Health (OC2 cohort)" in shared ``docs/indicators.md``,
declared in :data:`INDICATORS` (report order) for :mod:`pipeline.measures.registry`. The
OC2 cohort is the children looked after continuously for at least 12 months at E; OC2 is
collected once a year, so every indicator here is annual.
"""

from __future__ import annotations

import pandas as pd

from pipeline.measures.context import Context, Indicator, cached, mean_row, pct_row


@cached
def _oc2_cohort(ctx: Context) -> tuple[pd.DataFrame, pd.Series]:
    """The OC2 cohort's rows (a cohort child with no OC2 row has blank flags) and ages."""
    cohort = sorted(ctx.continuously_looked_after(12))
    oc2 = ctx.year_table("OC2").set_index("CHILD")
    rows = oc2.reindex(cohort)
    return rows, ctx.ages(cohort)


def _flag_pct(ind: str, rows: pd.DataFrame, col: str, mask: pd.Series | None = None) -> dict:
    """Percentage of ``rows`` (those in ``mask``) whose ``col`` is 1; missing when none.

    An empty cohort or sub-cohort (no child aged 0 to 4, say) gives 0 of 0: not available.
    Compared as text whatever the column's type, so an empty text column, whose sum is
    ``""``, is never summed.

    >>> rows = pd.DataFrame({"F": ["1", "0", ""]}, index=["a", "b", "c"], dtype="str")
    >>> r = _flag_pct("x", rows, "F")
    >>> r["numerator"], r["denominator"]
    (1, 3)
    >>> none = pd.Series([False, False, False], index=["a", "b", "c"])
    >>> r = _flag_pct("x", rows, "F", none)
    >>> r["numerator"], r["denominator"], r["value"]
    (0, 0, None)
    """
    sub = rows if mask is None else rows.loc[mask.reindex(rows.index).fillna(False).astype(bool)]
    got = sub[col].astype("string").str.strip().eq("1").fillna(False).astype(bool)
    return pct_row(ind, int(got.sum()), len(sub))


_OC2_DEF = (
    "The OC2 cohort is the children looked after continuously for at least 12 months "
    "at E. A cohort child with no OC2 row counts as not received. "
)


# id, title, polarity, OC2 column, ages at E (None: the whole cohort)
OC2_FLAGS = (
    ("health_assessment_pct", "Annual health assessment", "higher", "HEALTH_ASSESSMENT", None),
    ("immunisations_pct", "Immunisations up to date", "higher", "IMMUNISATIONS", None),
    ("dental_check_pct", "Dental check", "higher", "TEETH_CHECK", None),
    (
        "development_check_pct",
        "Development assessments up to date (ages 0 to 4)",
        "higher",
        "HEALTH_CHECK",
        (0, 4),
    ),
    (
        "convicted_pct",
        "Convicted or subject to a youth caution (ages 10 to 17)",
        "lower",
        "CONVICTED",
        (10, 17),
    ),
    (
        "substance_misuse_pct",
        "Identified as having a substance misuse problem",
        "lower",
        "SUBSTANCE_MISUSE",
        None,
    ),
)


def _oc2_flag(ind: str, column: str, ages: tuple[int, int] | None):
    def compute(ctx: Context) -> list[dict]:
        rows, age = _oc2_cohort(ctx)
        mask = None if ages is None else age.between(*ages)
        return [_flag_pct(ind, rows, column, mask)]

    who = "" if ages is None else f" aged {ages[0]}-{ages[1]}"
    compute.__doc__ = f"OC2 cohort{who} with {column} = 1."
    return compute


def _flag_indicator(
    id: str, title: str, polarity: str, column: str, ages: tuple[int, int] | None
) -> Indicator:
    who = "the cohort" if ages is None else f"the cohort aged {ages[0]} to {ages[1]} at E"
    return Indicator(
        id=id,
        title=title,
        unit="percent",
        polarity=polarity,
        cohort="OC2 cohort" + ("" if ages is None else f" aged {ages[0]} to {ages[1]} at E"),
        definition=_OC2_DEF + f"Percentage of {who} with {column} = 1.",
        func=_oc2_flag(id, column, ages),
        annual=True,
    )


def _sdq(ctx: Context) -> tuple[pd.Series, int]:
    rows, ages = _oc2_cohort(ctx)
    eligible = rows.loc[ages.reindex(rows.index).between(5, 16)]
    scores = pd.to_numeric(eligible["SDQ_SCORE"], errors="coerce")
    return scores.dropna(), len(eligible)


def sdq_received_pct(ctx: Context) -> list[dict]:
    """OC2 cohort aged 5-16 with an SDQ score."""
    scores, n = _sdq(ctx)
    return [pct_row("sdq_received_pct", len(scores), n)]


def sdq_average(ctx: Context) -> list[dict]:
    """Mean SDQ score of the OC2 cohort aged 5-16 with a score."""
    scores, _ = _sdq(ctx)
    return [mean_row("sdq_average", scores)]


# Indicators whose numerators split one total: disclosure control treats them as cells of
# one table, so a hidden one cannot be worked out from the others.
PARTITIONS: tuple[tuple[str, ...], ...] = (
    ("sdq_normal_pct", "sdq_borderline_pct", "sdq_concern_pct"),
)
SDQ_BANDS = (
    ("sdq_normal_pct", "normal", 0, 13),
    ("sdq_borderline_pct", "borderline", 14, 16),
    ("sdq_concern_pct", "a cause for concern", 17, 40),
)


def _sdq_band(ind: str, lo: int, hi: int):
    def compute(ctx: Context) -> list[dict]:
        scores, _ = _sdq(ctx)
        return [pct_row(ind, int(scores.between(lo, hi).sum()), len(scores))]

    compute.__doc__ = f"Percentage of those scored with an SDQ score of {lo} to {hi}."
    return compute


def _band_indicator(id: str, word: str, lo: int, hi: int) -> Indicator:
    return Indicator(
        id=id,
        title=f"SDQ score {word} ({lo} to {hi})",
        unit="percent",
        polarity="lower" if id == "sdq_concern_pct" else "neither",
        cohort="OC2 cohort aged 5 to 16 at E with a score",
        definition=_OC2_DEF + f"Of the cohort aged 5 to 16 at E with an SDQ score, the "
        f"percentage scoring {lo} to {hi}.",
        func=_sdq_band(id, lo, hi),
        annual=True,
    )


INDICATORS = (
    *(_flag_indicator(*flag) for flag in OC2_FLAGS),
    Indicator(
        id="sdq_received_pct",
        title="Strengths and difficulties questionnaire (SDQ) received",
        unit="percent",
        polarity="higher",
        cohort="OC2 cohort aged 5 to 16 at E",
        definition=_OC2_DEF + "Percentage of the cohort aged 5 to 16 at E with an SDQ_SCORE.",
        func=sdq_received_pct,
        annual=True,
    ),
    Indicator(
        id="sdq_average",
        title="Average SDQ score",
        unit="mean",
        polarity="lower",
        cohort="OC2 cohort aged 5 to 16 at E with a score",
        definition=_OC2_DEF + "Mean SDQ_SCORE of the cohort aged 5 to 16 at E with a score, 1 dp.",
        dp=1,
        func=sdq_average,
        annual=True,
    ),
    *(_band_indicator(*band) for band in SDQ_BANDS),
)
