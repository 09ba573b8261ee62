"""Missing from care: children who went missing or were away, and missing incidents.

The indicators of the section of that name in shared ``docs/indicators.md``, declared in
:data:`INDICATORS` (report order) for :mod:`pipeline.measures.registry`.
"""

from __future__ import annotations

import pandas as pd

from pipeline.measures.context import Context, Indicator, cached, pct_row, row


@cached
def _in_period(ctx: Context) -> pd.DataFrame:
    """Missing rows starting in S..E of children looked after during S..E (once a context)."""
    m = ctx.tables.get("Missing")
    if m is None or m.empty:
        return pd.DataFrame(columns=["CHILD", "MISSING", "MIS_START"])
    during = ctx.overlapping()["CHILD"].unique()
    return m.loc[m["MIS_START"].between(ctx.S, ctx.E) & m["CHILD"].isin(during)]


def _incidents(ctx: Context, kind: str) -> pd.DataFrame:
    m = _in_period(ctx)
    return m.loc[m["MISSING"] == kind]


def missing_pct(ctx: Context) -> list[dict]:
    """Children looked after during the period with a missing incident."""
    n = ctx.overlapping()["CHILD"].nunique()
    return [pct_row("missing_pct", _incidents(ctx, "M")["CHILD"].nunique(), n)]


def away_pct(ctx: Context) -> list[dict]:
    """Children looked after during the period who were away without authorisation."""
    n = ctx.overlapping()["CHILD"].nunique()
    return [pct_row("away_pct", _incidents(ctx, "A")["CHILD"].nunique(), n)]


def missing_incidents(ctx: Context) -> list[dict]:
    """Missing incidents starting in the period."""
    n = len(_incidents(ctx, "M"))
    return [row("missing_incidents", n, n, None)]


INDICATORS = (
    Indicator(
        id="missing_pct",
        title="Children who went missing",
        unit="percent",
        polarity="lower",
        cohort="Children looked after during S..E",
        definition="Of the children looked after during S..E (cla_during_year), the percentage "
        "with at least one MISSING = M incident starting in S..E.",
        func=missing_pct,
    ),
    Indicator(
        id="away_pct",
        title="Children who were away from placement without authorisation",
        unit="percent",
        polarity="lower",
        cohort="Children looked after during S..E",
        definition="Of the children looked after during S..E, the percentage with at least one "
        "MISSING = A (away without authorisation) incident starting in S..E.",
        func=away_pct,
    ),
    Indicator(
        id="missing_incidents",
        title="Missing incidents",
        unit="count",
        polarity="lower",
        cohort="Children looked after during S..E",
        definition="MISSING = M incidents starting in S..E, of children looked after during S..E.",
        func=missing_incidents,
    ),
)
