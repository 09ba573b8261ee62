"""Who the children are: numbers looked after, the rate per 10,000, starts, ends, profile.

The indicators of the section of that name in shared ``docs/indicators.md``, declared in
:data:`INDICATORS` (report order) for :mod:`pipeline.measures.registry`.
"""

from __future__ import annotations

import pandas as pd

from pipeline import schema
from pipeline.measures.context import AGE_BANDS, SEX_NAMES, Context, Indicator, age_band, row


def _count_breakdowns(
    ind: str,
    frame: pd.DataFrame,
    total: int,
    dims: dict[str, pd.Series],
    orders: dict[str, list[str]],
) -> list[dict]:
    out = []
    for dim, labels in dims.items():
        counts = labels.value_counts()
        order = list(orders.get(dim, [])) + sorted(set(counts.index) - set(orders.get(dim, [])))
        for label in order:
            n = int(counts.get(label, 0))
            if n == 0 and label == "Not known":
                continue
            out.append(row(ind, n, n, total, f"{dim}: {label}"))
    return out


def cla_at_end(ctx: Context) -> list[dict]:
    """Children looked after at E, with their breakdowns (each sums to the total)."""
    at_end = ctx.at_end()
    n = len(at_end)
    rows = [row("cla_at_end", n, n, None)]
    dims = {
        "Age band": at_end["AGE"].map(age_band),
        "Sex": at_end["SEX"].map(lambda s: SEX_NAMES.get(s, "Not known")),
        "Ethnic group": at_end["ETHNIC"].map(schema.ethnic_group),
        "Legal status": at_end["LS"].map(lambda c: schema.group_of(c, schema.LEGAL_STATUS_GROUPS)),
        "Placement": at_end["PLACE_GROUP"],
    }
    orders = {
        "Age band": [b[0] for b in AGE_BANDS],
        "Sex": ["Male", "Female", "Unknown or indeterminate"],
        "Ethnic group": ["White", "Mixed", "Asian", "Black", "Other", "Not known"],
        "Legal status": list(schema.LEGAL_STATUS_GROUPS),
        "Placement": list(schema.PLACEMENT_GROUPS),
    }
    rows += _count_breakdowns("cla_at_end", at_end, n, dims, orders)
    return rows


def cla_rate_per_10k(ctx: Context) -> list[dict]:
    """CLA at E per 10,000 children aged 0 to 17; blank when no population is known."""
    n = len(ctx.at_end())
    pop = ctx.population.get(ctx.period.end.year - 1)
    if not pop:
        return [row("cla_rate_per_10k", None, n, None)]
    return [row("cla_rate_per_10k", n / pop * 10_000, n, pop)]


def cla_started(ctx: Context) -> list[dict]:
    """Children starting care in S..E, by category of need and legal status at entry."""
    e = ctx.episodes
    starts = e.loc[(e["RNE"] == "S") & e["DECOM"].between(ctx.S, ctx.E)]
    first = starts.drop_duplicates("CHILD", keep="first")
    n = len(first)
    rows = [row("cla_started", n, n, None)]
    dims = {
        "Category of need": first["CIN"].where(first["CIN"].isin(schema.CIN), "Not known"),
        "Legal status at entry": first["LS"].map(
            lambda c: schema.group_of(c, schema.LEGAL_STATUS_GROUPS)
        ),
    }
    orders = {
        "Category of need": sorted(schema.CIN),
        "Legal status at entry": list(schema.LEGAL_STATUS_GROUPS),
    }
    rows += _count_breakdowns("cla_started", first, n, dims, orders)
    return rows


def cla_ceased(ctx: Context) -> list[dict]:
    """Children with a period of care ending in S..E."""
    e = ctx.episodes
    ended = e.loc[e["DEC"].between(ctx.S, ctx.E) & (e["REC"] != "X1")]
    n = int(ended["CHILD"].nunique())
    return [row("cla_ceased", n, n, None)]


def cla_during_year(ctx: Context) -> list[dict]:
    """Children looked after at any time in S..E."""
    n = int(ctx.overlapping()["CHILD"].nunique())
    return [row("cla_during_year", n, n, None)]


def uasc_at_end(ctx: Context) -> list[dict]:
    """Children looked after at E who appear in the UASC table."""
    uasc = ctx.tables.get("UASC")
    ids = set() if uasc is None else set(uasc["CHILD"])
    at_end = ctx.at_end()
    n = int(at_end["CHILD"].isin(ids).sum())
    return [row("uasc_at_end", n, n, len(at_end))]


INDICATORS = (
    Indicator(
        id="cla_at_end",
        title="Children looked after at the end of the period",
        unit="count",
        polarity="neither",
        cohort="All children looked after (short breaks excluded)",
        definition="Children looked after at E: an episode with DECOM on or before E and DEC "
        "blank or after E. Children whose only episodes are short breaks (V3/V4) are excluded. "
        "Broken down by age band at E, sex, ethnic group, legal status and placement.",
        func=cla_at_end,
    ),
    Indicator(
        id="cla_rate_per_10k",
        title="Children looked after per 10,000 children",
        unit="rate",
        polarity="neither",
        cohort="All children looked after, against the authority's population aged 0 to 17",
        definition="cla_at_end divided by the ONS mid-year estimate of the authority's "
        "population aged 0 to 17 for the calendar year before E's year (31 March 2025 uses "
        "mid-2024), times 10,000, rounded to a whole number.",
        func=cla_rate_per_10k,
    ),
    Indicator(
        id="cla_started",
        title="Children who started to be looked after",
        unit="count",
        polarity="neither",
        cohort="Children starting a period of care in S..E",
        definition="Children with an episode with RNE = S and DECOM in S..E, counted once. "
        "Broken down by category of need (CIN) and legal status at entry.",
        func=cla_started,
    ),
    Indicator(
        id="cla_ceased",
        title="Children who ceased to be looked after",
        unit="count",
        polarity="neither",
        cohort="Children whose period of care ended in S..E",
        definition="Children with an episode with DEC in S..E and REC not X1 (the end of a "
        "period of care), counted once.",
        func=cla_ceased,
    ),
    Indicator(
        id="cla_during_year",
        title="Children looked after at any time in the period",
        unit="count",
        polarity="neither",
        cohort="All children looked after in S..E",
        definition="Children with an episode overlapping S..E (DECOM on or before E, and DEC "
        "blank or on or after S), counted once.",
        func=cla_during_year,
    ),
    Indicator(
        id="uasc_at_end",
        title="Unaccompanied asylum-seeking children looked after",
        unit="count",
        polarity="neither",
        cohort="Children looked after at E",
        definition="Children looked after at E who appear in the UASC table.",
        func=uasc_at_end,
    ),
)
