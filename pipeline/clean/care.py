"""Periods of care in the stitched history: the common rules the checks and the measures share.

Shared ``docs/indicators.md`` counts only episodes of care (V3/V4 short breaks are not), and
chains episodes into periods of care. The data checks ask who the 12-month cohort is, the
measures ask it too; both ask here, so they can never disagree.
"""

from __future__ import annotations

import pandas as pd

from pipeline import schema
from pipeline.spec.period import minus_months

EPISODE_COLUMNS = ["CHILD", "DECOM", "DEC", "RNE", "LS", "PLACE", "REC", "CIN", "URN"]


def looked_after(episodes: pd.DataFrame | None) -> pd.DataFrame:
    """The episodes of care: short breaks (V3/V4) removed, dates typed, by child and start.

    >>> e = pd.DataFrame({"CHILD": ["b", "a", "a"], "DECOM": ["2024-05-01", "2024-06-01",
    ...                   "2024-01-01"], "DEC": [None, None, "2024-06-01"],
    ...                   "LS": ["C2", "V3", "C2"]})
    >>> looked_after(e)[["CHILD", "DECOM"]].astype(str).values.tolist()
    [['a', '2024-01-01'], ['b', '2024-05-01']]
    """
    if episodes is None or episodes.empty:
        episodes = pd.DataFrame(columns=EPISODE_COLUMNS)
    eps = episodes.loc[~episodes["LS"].isin(schema.SHORT_BREAK_LS)].copy()
    eps["DECOM"] = pd.to_datetime(eps["DECOM"])
    eps["DEC"] = pd.to_datetime(eps["DEC"])
    return eps.sort_values(["CHILD", "DECOM"], kind="stable").reset_index(drop=True)


def period_starts(eps: pd.DataFrame) -> pd.Series:
    """For each episode of :func:`looked_after`, the start of its period of care.

    A period of care is a chain of episodes where each next DECOM equals the previous DEC;
    it starts at the DECOM of its first episode.

    >>> e = looked_after(pd.DataFrame({"CHILD": ["a", "a", "a"], "LS": ["C2"] * 3,
    ...     "DECOM": ["2020-01-01", "2021-01-01", "2022-02-01"],
    ...     "DEC": ["2021-01-01", "2021-06-01", None]}))
    >>> period_starts(e).astype(str).tolist()
    ['2020-01-01', '2020-01-01', '2022-02-01']
    """
    if eps.empty:
        return pd.Series(dtype="datetime64[ns]")
    same_child = eps["CHILD"].eq(eps["CHILD"].shift())
    chained = same_child & eps["DECOM"].eq(eps["DEC"].shift())
    chain_id = (~chained).cumsum()
    return eps["DECOM"].groupby(chain_id).transform("first")


def continuously_looked_after(
    eps: pd.DataFrame, at: pd.Timestamp, months: int, starts: pd.Series | None = None
) -> set:
    """Children looked after at ``at`` whose period of care started ``months`` before.

    "Looked after continuously for N months at E": the period of care open at E started on
    or before E minus N months (calendar arithmetic). ``eps`` is :func:`looked_after`'s;
    ``starts`` its :func:`period_starts`, when the caller already has them.
    """
    open_at = (eps["DECOM"] <= at) & (eps["DEC"].isna() | (eps["DEC"] > at))
    cutoff = pd.Timestamp(minus_months(at.date(), months))
    ok = open_at & ((period_starts(eps) if starts is None else starts) <= cutoff)
    return set(eps.loc[ok, "CHILD"])
