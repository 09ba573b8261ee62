"""Permanence: adoption, special guardianship, planned returns home; adoption timeliness.

The indicators of the section of that name in shared ``docs/indicators.md``, declared in
:data:`INDICATORS` (report order) for :mod:`pipeline.measures.registry`.
"""

from __future__ import annotations

import pandas as pd

from pipeline.measures.context import Context, Indicator, mean_row, pct_row

ADOPTED = frozenset({"E11", "E12"})
SGO = frozenset({"E43", "E44", "E45", "E46", "E47", "E48"})
# Returned home to live with parents or others with parental responsibility, as part of the
# care planning process (E4B: not as part of it).
RETURNED_HOME_PLANNED = frozenset({"E4A"})


def _last_exits(ctx: Context) -> pd.DataFrame:
    """Per child whose care ended in S..E, the last episode that ended it."""
    e = ctx.episodes.assign(POC_START=ctx.period_starts())
    ended = e.loc[e["DEC"].between(ctx.S, ctx.E) & (e["REC"] != "X1")]
    return ended.sort_values(["CHILD", "DEC"]).drop_duplicates("CHILD", keep="last")


def adopted_pct(ctx: Context) -> list[dict]:
    """Children leaving care who were adopted."""
    last = _last_exits(ctx)
    return [pct_row("adopted_pct", int(last["REC"].isin(ADOPTED).sum()), len(last))]


def sgo_pct(ctx: Context) -> list[dict]:
    """Children leaving care on a special guardianship order."""
    last = _last_exits(ctx)
    return [pct_row("sgo_pct", int(last["REC"].isin(SGO).sum()), len(last))]


def returned_home_planned_pct(ctx: Context) -> list[dict]:
    """Children leaving care who returned home as their care plan intended."""
    last = _last_exits(ctx)
    returned = int(last["REC"].isin(RETURNED_HOME_PLANNED).sum())
    return [pct_row("returned_home_planned_pct", returned, len(last))]


def adoption_entry_to_placed_days(ctx: Context) -> list[dict]:
    """Mean days from entering care to DATE_PLACED, for children adopted in the period."""
    last = _last_exits(ctx)
    adopted = last.loc[last["REC"].isin(ADOPTED)].set_index("CHILD")
    pa = ctx.tables.get("PlacedAdoption")
    days = pd.Series(dtype=float)
    if pa is not None and not pa.empty and len(adopted):
        m = adopted[["DEC", "POC_START"]].join(pa.set_index("CHILD")["DATE_PLACED"], how="inner")
        m = m.loc[(m["DATE_PLACED"] <= m["DEC"]) & (m["DATE_PLACED"] >= m["POC_START"])]
        latest = m.groupby(level=0).agg(placed=("DATE_PLACED", "max"), start=("POC_START", "first"))
        days = (latest["placed"] - latest["start"]).dt.days.astype(float)
    return [mean_row("adoption_entry_to_placed_days", pd.Series(days, dtype=float))]


def adoption_decision_to_match_days(ctx: Context) -> list[dict]:
    """Mean days from DATE_INT to DATE_MATCH for matches in the period."""
    ad1 = ctx.tables.get("AD1")
    if ad1 is None or ad1.empty:
        return [mean_row("adoption_decision_to_match_days", pd.Series(dtype=float))]
    ad1 = ad1.sort_values("_year").drop_duplicates(["CHILD", "DATE_MATCH"], keep="last")
    m = ad1.loc[ad1["DATE_MATCH"].between(ctx.S, ctx.E) & ad1["DATE_INT"].notna()]
    return [mean_row("adoption_decision_to_match_days", (m["DATE_MATCH"] - m["DATE_INT"]).dt.days)]


INDICATORS = (
    Indicator(
        id="adopted_pct",
        title="Children who ceased to be looked after who were adopted",
        unit="percent",
        polarity="higher",
        cohort="Children whose care ended in S..E",
        definition="Of children whose care ended in S..E (cla_ceased), the percentage whose last "
        "REC in S..E was E11 or E12 (adopted).",
        func=adopted_pct,
    ),
    Indicator(
        id="sgo_pct",
        title="Children who ceased to be looked after on a special guardianship order",
        unit="percent",
        polarity="higher",
        cohort="Children whose care ended in S..E",
        definition="Of children whose care ended in S..E (cla_ceased), the percentage whose last "
        "REC in S..E was E43 to E48 (special guardianship).",
        func=sgo_pct,
    ),
    Indicator(
        id="returned_home_planned_pct",
        title="Children who ceased to be looked after who returned home as planned",
        unit="percent",
        polarity="neither",
        cohort="Children whose care ended in S..E",
        definition="Of children whose care ended in S..E (cla_ceased), the percentage whose last "
        "REC in S..E was E4A (returned home to live with parents or another person with parental "
        "responsibility, as part of the care planning process).",
        func=returned_home_planned_pct,
    ),
    Indicator(
        id="adoption_entry_to_placed_days",
        title="Average days from entering care to moving in with the adoptive family",
        unit="days",
        polarity="lower",
        cohort="Children adopted in S..E",
        definition="For children adopted in S..E (last REC E11 or E12), the mean number of days "
        "from the start of their period of care to DATE_PLACED in the PlacedAdoption table (the "
        "latest on or before the adoption). Children with no such row are left out and counted in "
        "the data-quality annex.",
        func=adoption_entry_to_placed_days,
    ),
    Indicator(
        id="adoption_decision_to_match_days",
        title="Average days from the decision to place for adoption to the match",
        unit="days",
        polarity="lower",
        cohort="AD1 rows with DATE_MATCH in S..E",
        definition="For AD1 rows with DATE_MATCH in S..E, the mean number of days from DATE_INT "
        "to DATE_MATCH.",
        func=adoption_decision_to_match_days,
    ),
)
