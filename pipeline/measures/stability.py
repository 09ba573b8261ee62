"""Stability: placements in the year, long-term placement stability, social worker changes.

The indicators of the section of that name in shared ``docs/indicators.md``, declared in
:data:`INDICATORS` (report order) for :mod:`pipeline.measures.registry`. Placement counts
and the walk back to a placement's start work on every child's episodes at once (the
context's episodes, by child and DECOM), so a national history costs seconds, not minutes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import schema
from pipeline.measures.context import Context, Indicator, pct_row, row
from pipeline.spec.period import minus_months

FOSTER = schema.FOSTER_PLACE
TEMP = schema.TEMPORARY_PLACE
SAME_PLACEMENT_RNE = frozenset({"L", "T", "U"})
PLACEMENT_CHANGE_RNE = frozenset({"S", "P", "B", "T", "U"})


def _links(eps: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """For each episode: whether the one before is the same child's, and the two links back.

    ``eps`` is :func:`pipeline.clean.care.looked_after`'s (by child and DECOM, short breaks
    removed, index 0..n-1). A *return from temporary*: the episode before is temporary
    (T0-T4) and ends as this one starts; the one before that ends as the temporary one
    starts and has the same PLACE and URN as this one. A *same placement* link: RNE is L, T
    or U, PLACE is not U2 or U5, and the episode before ends as this one starts.
    """
    child = eps["CHILD"]
    has_prev = child.eq(child.shift(1))
    has_prev2 = has_prev & child.eq(child.shift(2))
    p1, p2 = (eps[["DECOM", "DEC", "PLACE", "URN"]].shift(k) for k in (1, 2))
    back_to_back = eps["DECOM"].eq(p1["DEC"])
    from_temp = (
        has_prev2
        & p1["PLACE"].isin(TEMP)
        & back_to_back
        & p2["DEC"].eq(p1["DECOM"])
        & p2["PLACE"].eq(eps["PLACE"])
        & p2["URN"].eq(eps["URN"])
    )
    same = (
        has_prev
        & eps["RNE"].isin(SAME_PLACEMENT_RNE)
        & ~eps["PLACE"].isin({"U2", "U5"})
        & back_to_back
    )
    return has_prev, from_temp, same


def placements(eps: pd.DataFrame, S: pd.Timestamp, E: pd.Timestamp) -> pd.Series:
    """Placements in S..E for each child of ``eps`` (see :func:`_links`), by child.

    Episodes overlapping S..E, temporary placements dropped: the first counts 1; each later
    one counts 1 more when its RNE is S, P, B, T or U, except (a) a move to A3/A5 straight
    from a U1-U6 episode, (b) a return straight after a temporary placement to the same
    PLACE and URN as before it. "Straight from" and "before" are the child's episode just
    before, whether or not it is counted.
    """
    has_prev, from_temp, _ = _links(eps)
    p1 = eps[["DEC", "PLACE"]].shift(1)
    counted = (eps["DECOM"] <= E) & (eps["DEC"].isna() | (eps["DEC"] >= S))
    counted &= ~eps["PLACE"].isin(TEMP)
    first = counted & (counted.groupby(eps["CHILD"]).cumsum() == 1)
    adopted_from_foster = (
        eps["PLACE"].isin({"A3", "A5"})
        & has_prev
        & p1["PLACE"].isin(FOSTER)
        & p1["DEC"].eq(eps["DECOM"])
    )
    later = (
        counted & ~first & eps["RNE"].isin(PLACEMENT_CHANGE_RNE) & ~adopted_from_foster & ~from_temp
    )
    return (first | later).groupby(eps["CHILD"]).sum()


def placement_starts(eps: pd.DataFrame) -> np.ndarray:
    """For each episode (see :func:`_links`), the position of the one its placement starts at.

    Walk back through contiguous episodes while the episode is a *same placement* link, or
    a *return from temporary* (stepping over the temporary one too). Every episode's walk
    at once, by pointer doubling: each round doubles how far every walk has gone.
    """
    _, from_temp, same = _links(eps)
    pos = np.arange(len(eps))
    step = np.where(same.to_numpy(), pos - 1, np.where(from_temp.to_numpy(), pos - 2, pos))
    while True:
        further = step[step]
        if np.array_equal(further, step):
            return step
        step = further


def placements_3plus_pct(ctx: Context) -> list[dict]:
    """Children looked after at E with 3+ placements in S..E."""
    children = set(ctx.at_end()["CHILD"])
    eps = ctx.episodes
    counts = placements(eps.loc[eps["CHILD"].isin(children)], ctx.S, ctx.E)
    return [pct_row("placements_3plus_pct", int((counts >= 3).sum()), len(children))]


def long_term_stability_pct(ctx: Context) -> list[dict]:
    """Children in care 2.5 years, under 16, in the same placement for 2 years."""
    long_stay = ctx.continuously_looked_after(30)
    ages = ctx.ages(long_stay)
    cohort = {c for c in long_stay if ages.get(c, np.nan) < 16}
    two_years = pd.Timestamp(minus_months(ctx.period.end, 24)).to_datetime64()
    eps = ctx.episodes.loc[ctx.episodes["CHILD"].isin(cohort)].reset_index(drop=True)
    if eps.empty:
        return [pct_row("long_term_stability_pct", 0, 0)]
    start_of = placement_starts(eps)
    decom, dec = eps["DECOM"].to_numpy(), eps["DEC"].to_numpy()
    has_prev = eps["CHILD"].eq(eps["CHILD"].shift(1)).to_numpy()
    place = eps["PLACE"].to_numpy()
    # The episode open at E (the child's last such), or the one before it if temporary.
    open_at_e = (eps["DECOM"] <= ctx.E) & (eps["DEC"].isna() | (eps["DEC"] > ctx.E))
    i = eps.index[open_at_e].to_series().groupby(eps.loc[open_at_e, "CHILD"]).max().to_numpy()
    i = np.where(np.isin(place[i], list(TEMP)) & has_prev[i], i - 1, i)
    first = start_of[i]
    stable = decom[first] <= two_years
    # Placed for adoption: that placement and the one just before it, together.
    adoption = np.isin(place[i], list(schema.ADOPTION_PLACE)) & has_prev[first]
    before = np.where(adoption, first - 1, first)
    adoption &= dec[before] == decom[first]
    stable |= adoption & (decom[start_of[before]] <= two_years)
    return [pct_row("long_term_stability_pct", int(stable.sum()), len(cohort))]


def sw_changes_2plus_pct(ctx: Context) -> list[dict]:
    """Children looked after at E with 2+ social worker changes in S..E."""
    children = set(ctx.at_end()["CHILD"])
    sw = ctx.tables.get("SWEpisodes")
    if sw is None or sw.empty or ctx.period.collection_year < "2023-24":
        return [row("sw_changes_2plus_pct", None, None, len(children))]
    sw = sw.loc[sw["CHILD"].isin(children)].sort_values(["CHILD", "SW_DECOM"])
    not_first = sw["CHILD"].duplicated(keep="first")
    changes = sw.loc[not_first & sw["SW_DECOM"].between(ctx.S, ctx.E)].groupby("CHILD").size()
    n = int((changes >= 2).sum())
    return [pct_row("sw_changes_2plus_pct", n, len(children))]


INDICATORS = (
    Indicator(
        id="placements_3plus_pct",
        title="Children with 3 or more placements in the year",
        unit="percent",
        polarity="lower",
        cohort="Children looked after at E",
        definition="Of children looked after at E, the percentage with 3 or more placements in "
        "S..E. Counting: the child's episodes overlapping S..E, temporary placements (T0-T4) "
        "dropped, sorted by DECOM; the first counts 1; each later one counts 1 more when its RNE "
        "is S, P, B, T or U, except a move to A3 or A5 straight from a U1-U6 episode, and a "
        "return straight after a temporary placement to the same PLACE and URN as before it.",
        func=placements_3plus_pct,
    ),
    Indicator(
        id="long_term_stability_pct",
        title="Long-term placement stability",
        unit="percent",
        polarity="higher",
        cohort="Looked after at E, under 16 at E, looked after continuously for 2 years 6 months",
        definition="Of children looked after at E, aged under 16 at E and looked after "
        "continuously for at least 2 years 6 months (their period of care started on or before E "
        "minus 30 months), the percentage who have lived in the same placement for at least 2 "
        "years (it started on or before E minus 24 months), or are placed for adoption (A3-A6) "
        "where that placement and the one just before it together last at least 2 years. Same "
        "placement: from the episode open at E (or the one before it, if that is temporary), walk "
        "back through contiguous episodes while RNE is L, T or U and PLACE is not U2 or U5, or "
        "the episode is a return straight after a temporary placement to the same PLACE and URN.",
        func=long_term_stability_pct,
    ),
    Indicator(
        id="sw_changes_2plus_pct",
        title="Children with 2 or more changes of social worker",
        unit="percent",
        polarity="lower",
        cohort="Children looked after at E",
        definition="Of children looked after at E, the percentage with 2 or more changes of "
        "social worker in S..E: a change is an SWEpisodes row starting in S..E that is not the "
        "child's first. Not available before 2023-24, when the table arrived.",
        func=sw_changes_2plus_pct,
    ),
)
