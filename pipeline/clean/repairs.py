"""Written rules that repair an authority's history where earlier returns disagree.

Returns already submitted to DfE cannot be corrected any more, and combining five or more
of them shows faults no single year's checks saw: an episode that in the 2020-21 return
runs on past the start of the next episode, or one that ends before it starts. Councils'
multi-year tools repair these rather than refuse the history; corpar does the same for
**earlier returns only**, by the rules below, and says what it changed. The period's own
return is never repaired: its faults keep their severities, so the analyst corrects them
before submitting. ``corpar run --strict`` repairs nothing (every critical finding in any
year stops the run), for checking a return as DfE's validator would.

Every repair is listed in ``data_quality.html`` and the report's annex, and each changed
row keeps its file and row in the internal ``read_report.json`` (row numbers, no values).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from pipeline.problems import SOURCE_FILE, SOURCE_ROW, YEAR

FIX = "_fix"
# The end date a repaired episode had in its return, so the figures it changed can be told.
AS_RETURNED = "_dec_as_returned"


@dataclass(frozen=True)
class Rule:
    """One repair rule: its name, the DfE rule whose failure it repairs, what it does."""

    name: str
    dfe_rule: str
    does: str  # completes "n episode(s) from the yyyy-yy return ..."
    source: str


RULES = {
    r.name: r
    for r in (
        Rule(
            "history.Episodes.ends_before_start_removed",
            "356",
            "ended before they started, so were left out (they hold no day of care)",
            "DfE rule 356 (DEC must not be before DECOM); the row is counted among the rows "
            "not used, as councils' multi-year tools drop episodes of negative length",
        ),
        Rule(
            "history.Episodes.overlap_shortened",
            "501",
            "were shortened to end when the next began",
            "DfE rule 501 (a new episode cannot start before the previous one ends) and the "
            "903 guidance that one episode ends on the day the next starts; the convention "
            "of Data to Insight's multi-year tools",
        ),
    )
}


@dataclass
class Repair:
    """What one rule changed in one earlier return."""

    rule: str
    year: str
    count: int
    rows: dict[str, list[int]]

    def sentence(self) -> str:
        """The repair in words, e.g. for the annex.

        >>> Repair("history.Episodes.overlap_shortened", "2019-20", 3, {}).sentence()
        '3 episodes from the 2019-20 return were shortened to end when the next began.'
        """
        noun = "episode" if self.count == 1 else "episodes"
        does = RULES[self.rule].does
        if self.count == 1:
            does = does.replace("were ", "was ").replace("they hold", "it holds")
            does = does.replace("they started", "it started")
        return f"{self.count:,} {noun} from the {self.year} return {does}."

    def as_dict(self) -> dict:
        """For ``read_report.json``: the rows changed, the sentence and the DfE rule."""
        return {**asdict(self), "sentence": self.sentence(), "dfe_rule": RULES[self.rule].dfe_rule}


def _by_year(rule: str, part: pd.DataFrame) -> list[Repair]:
    out = []
    for year, rows in part.groupby(YEAR, sort=True):
        files = {
            str(f): sorted(int(r) for r in g[SOURCE_ROW]) for f, g in rows.groupby(SOURCE_FILE)
        }
        out.append(Repair(rule, str(year), len(rows), files))
    return out


def repair_episodes(
    episodes: pd.DataFrame, latest_year: str
) -> tuple[pd.DataFrame, pd.DataFrame, list[Repair]]:
    """Repair the stitched, cleaned episodes where earlier returns disagree.

    Only rows from returns before ``latest_year`` change. Returns the episodes, the rows
    left out (with ``_reason``) and what was done.

    >>> e = pd.DataFrame({"CHILD": ["a", "a", "a", "b"],
    ...     "DECOM": pd.to_datetime(["2020-05-01", "2020-09-01", "2021-06-01", "2020-07-01"]),
    ...     "DEC": pd.to_datetime(["2020-10-01", "2021-06-01", None, "2020-06-01"]),
    ...     "_year": ["2020-21", "2020-21", "2021-22", "2020-21"],
    ...     "_source_file": "f.csv", "_source_row": [2, 3, 2, 4]})
    >>> out, left_out, done = repair_episodes(e, "2021-22")
    >>> out["DEC"].dt.strftime("%Y-%m-%d").fillna("open").tolist()
    ['2020-09-01', '2021-06-01', 'open']
    >>> left_out["CHILD"].tolist(), [r.sentence() for r in done]  # doctest: +NORMALIZE_WHITESPACE
    (['b'], ['1 episode from the 2020-21 return ended before it started, so was left out
    (it holds no day of care).', '1 episode from the 2020-21 return was shortened to end
    when the next began.'])
    """
    if episodes.empty:
        return episodes.assign(**{AS_RETURNED: episodes.get("DEC")}), episodes.iloc[0:0], []
    df = episodes.sort_values(["CHILD", "DECOM"], kind="stable").reset_index(drop=True)
    if FIX not in df.columns:
        df[FIX] = ""
    earlier = df[YEAR] < latest_year
    repairs: list[Repair] = []

    backwards = earlier & df["DEC"].notna() & (df["DEC"] < df["DECOM"])
    rule = RULES["history.Episodes.ends_before_start_removed"]
    left_out = df.loc[backwards].assign(
        _reason=f"episode ends before it starts, in an earlier return: left out ({rule.name})"
    )
    repairs += _by_year(rule.name, left_out)
    df = df.loc[~backwards].reset_index(drop=True)

    same_child_next = df["CHILD"].shift(-1) == df["CHILD"]
    next_decom = df["DECOM"].shift(-1).where(same_child_next)
    overlap = (df[YEAR] < latest_year) & same_child_next & df["DEC"].notna()
    overlap &= df["DEC"] > next_decom
    # An open episode followed by another is closed by close_superseded_episodes first.
    rule = RULES["history.Episodes.overlap_shortened"]
    df[AS_RETURNED] = pd.Series(pd.NaT, index=df.index, dtype=df["DEC"].dtype)
    df.loc[overlap, AS_RETURNED] = df.loc[overlap, "DEC"]
    df.loc[overlap, "DEC"] = next_decom[overlap]
    df.loc[overlap, FIX] = f"shortened to end when the next episode began ({rule.name})"
    repairs += _by_year(rule.name, df.loc[overlap])
    order = list(RULES)
    repairs.sort(key=lambda r: (r.year, order.index(r.rule)))
    return df, left_out, repairs
