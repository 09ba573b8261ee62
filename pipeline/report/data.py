"""The report's data: the job's publication and comparators, and row lookups in them.

Report code reads only the publication (``published.read_publication``), suppressed once
by the indicators stage, so no edition can show an unsuppressed figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline import io
from pipeline.publish.published import read_publication
from pipeline.read.reference import Comparators
from pipeline.records import CheckRecord, ReadRecord
from pipeline.report import narrative
from pipeline.spec.runspec import RunSpec


@dataclass
class ReportData:
    """Everything a report edition shows, already disclosure-controlled."""

    spec: RunSpec
    name: str
    region: str | None
    comparators: Comparators
    current: pd.DataFrame  # published rows for the period, with comparator columns
    trend: pd.DataFrame  # published rows for every trend period, with England and region
    read_report: ReadRecord  # what reading found (counts and row numbers)
    gaps: pd.DataFrame  # attainment gaps, published (suppressed): published.published_gaps
    england_profiles: dict[str, tuple[int | None, dict[str, float | None]]]  # by breakdown
    validation: CheckRecord | None = None  # what the data checks found (counts are used)
    # The indicators this edition has shown so far (tables, gaps, actions, health headlines):
    # the annex defines these, not every measure corpar computes.
    shown: set[str] = field(default_factory=set)

    @property
    def period_end(self) -> str:
        """The period end in words ("31 March 2026")."""
        return narrative.long_date(self.spec.period.end)


def load(spec: RunSpec) -> ReportData:
    """The job's publication (suppressed once, by stage 30) and the stages' records.

    Report code never reads an unsuppressed figure, nor the reference tables: everything it
    shows from them came with the publication.
    """
    pub = read_publication(spec)
    comp = pub.comparators
    name = (spec.authority.name if spec.authority.configured else comp.la_name) or spec.la_code
    region = spec.authority.region or comp.region_name
    return ReportData(
        spec,
        name,
        region,
        comp,
        pub.current,
        pub.trend,
        io.read_record(spec),
        pub.gaps,
        pub.england_profiles,
        io.read_checks(spec),
    )


# Row positions of a report's (read-only) published frames, by (indicator, breakdown) and
# by (indicator, breakdown, period): a report looks up a few hundred rows, and masking the
# whole frame for each was slow. Keyed by the frame's identity; the frame is held, so its id
# cannot be reused while it is here.
_POSITIONS: dict[int, tuple[pd.DataFrame, dict]] = {}


def _positions(df: pd.DataFrame) -> dict:
    hit = _POSITIONS.get(id(df))
    if hit is not None and hit[0] is df:
        return hit[1]
    pos: dict = {}
    periods = df["period"] if "period" in df else [None] * len(df)
    for i, key in enumerate(zip(df["indicator"], df["breakdown"], periods, strict=True)):
        pos.setdefault(key[:2], i)
        pos.setdefault(key, i)
    if len(_POSITIONS) >= 8:
        _POSITIONS.clear()
    _POSITIONS[id(df)] = (df, pos)
    return pos


def find_row(df: pd.DataFrame, ind: str, breakdown: str = "", period: str | None = None):
    """The first row for the indicator and breakdown (in ``period`` if given), or None."""
    i = _positions(df).get((ind, breakdown) if period is None else (ind, breakdown, period))
    return None if i is None else df.iloc[i]


def row_value(r) -> float | None:
    """A row's published value, or None when there is no row or it is suppressed or empty."""
    if r is None or r["suppressed"] or pd.isna(r["value"]):
        return None
    return float(r["value"])
