"""Stability: placements in the year, long-term placement stability, social worker changes.

The indicators of the section of that name in shared ``docs/indicators.md``, declared in
:data:`INDICATORS` (report order) for :mod:`pipeline.measures.registry`. The placement
counting and the walk back to a placement's start work on one child's episodes at a time
(a list of records sorted by DECOM, short breaks removed).
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


def _is_return_from_temp(eps: list[dict], i: int) -> bool:
    """Episode ``i`` returns, straight after a temporary placement, to the same place.

    The episode before it is temporary (T0-T4) and ends as it starts; the one before that
    ends as the temporary one starts and has the same PLACE and URN as episode ``i``.
    """
    if i < 2:
        return False
    cur, tmp, before = eps[i], eps[i - 1], eps[i - 2]
    return (
        tmp["PLACE"] in TEMP
        and tmp["DEC"] == cur["DECOM"]
        and before["DEC"] == tmp["DECOM"]
        and before["PLACE"] == cur["PLACE"]
        and before["URN"] == cur["URN"]
    )


def count_placements(eps: list[dict], S: pd.Timestamp, E: pd.Timestamp) -> int:
    """Placements in S..E for one child's episodes (sorted by DECOM, short breaks removed).

    Episodes overlapping S..E, temporary placements dropped: the first counts 1; each later
    one counts 1 more when its RNE is S, P, B, T or U, except (a) a move to A3/A5 straight
    from a U1-U6 episode, (b) a return straight after a temporary placement to the same
    PLACE and URN as before it.
    """
    n = 0
    for i, e in enumerate(eps):
        overlaps = e["DECOM"] <= E and (pd.isna(e["DEC"]) or e["DEC"] >= S)
        if not overlaps or e["PLACE"] in TEMP:
            continue
        if n == 0:
            n = 1
            continue
        if e["RNE"] not in PLACEMENT_CHANGE_RNE:
            continue
        prev = eps[i - 1] if i else None
        if (
            e["PLACE"] in {"A3", "A5"}
            and prev is not None
            and prev["PLACE"] in FOSTER
            and prev["DEC"] == e["DECOM"]
        ):
            continue
        if _is_return_from_temp(eps, i):
            continue
        n += 1
    return n


def placement_start(eps: list[dict], i: int) -> tuple[pd.Timestamp, int]:
    """When the placement holding episode ``i`` started, and the index where it starts.

    Walk back through contiguous episodes while the episode's RNE is L, T or U and its
    PLACE is not U2 or U5, or it is a return straight after a temporary placement to the
    same PLACE and URN (stepping over the temporary one too).
    """
    while i > 0:
        cur, prev = eps[i], eps[i - 1]
        if (
            cur["RNE"] in SAME_PLACEMENT_RNE
            and cur["PLACE"] not in {"U2", "U5"}
            and prev["DEC"] == cur["DECOM"]
        ):
            i -= 1
        elif _is_return_from_temp(eps, i):
            i -= 2
        else:
            break
    return eps[i]["DECOM"], i


def _by_child(episodes: pd.DataFrame, children: set) -> dict[str, list[dict]]:
    part = episodes.loc[episodes["CHILD"].isin(children)]
    cols = ["CHILD", "DECOM", "DEC", "RNE", "PLACE", "URN", "REC", "LS"]
    recs = part.reindex(columns=cols).to_dict("records")
    out: dict[str, list[dict]] = {}
    for r in recs:
        out.setdefault(r["CHILD"], []).append(r)
    return out


def placements_3plus_pct(ctx: Context) -> list[dict]:
    """Children looked after at E with 3+ placements in S..E."""
    children = set(ctx.at_end()["CHILD"])
    eps = _by_child(ctx.episodes, children)
    n = sum(count_placements(eps[c], ctx.S, ctx.E) >= 3 for c in children)
    return [pct_row("placements_3plus_pct", n, len(children))]


def long_term_stability_pct(ctx: Context) -> list[dict]:
    """Children in care 2.5 years, under 16, in the same placement for 2 years."""
    long_stay = ctx.continuously_looked_after(30)
    ages = ctx.ages(long_stay)
    cohort = {c for c in long_stay if ages.get(c, np.nan) < 16}
    two_years = pd.Timestamp(minus_months(ctx.period.end, 24))
    eps = _by_child(ctx.episodes, cohort)
    stable = 0
    for c in cohort:
        ce = eps[c]
        i = max(
            k
            for k, e in enumerate(ce)
            if e["DECOM"] <= ctx.E and (pd.isna(e["DEC"]) or e["DEC"] > ctx.E)
        )
        if ce[i]["PLACE"] in TEMP and i > 0:
            i -= 1
        start, first = placement_start(ce, i)
        if start <= two_years:
            stable += 1
        elif (
            ce[i]["PLACE"] in schema.ADOPTION_PLACE
            and first > 0
            and (ce[first - 1]["DEC"] == ce[first]["DECOM"])
        ):
            before, _ = placement_start(ce, first - 1)
            stable += before <= two_years
    return [pct_row("long_term_stability_pct", stable, len(cohort))]


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
