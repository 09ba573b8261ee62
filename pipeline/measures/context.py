"""What every theme module is written with: the indicator declaration, the context, row helpers.

An indicator is declared as an :class:`Indicator` (its id, title, unit, polarity, cohort,
the definition text of shared ``docs/indicators.md`` and the function computing it) in a
theme module's ``INDICATORS``; :mod:`pipeline.measures.registry` gathers them. Its function
takes a :class:`Context` and returns tidy rows (:func:`row`, :func:`pct_row`,
:func:`mean_row`): ``indicator, breakdown, numerator, denominator, value``, at full
precision: nothing here formats for display or suppresses small numbers.

Common rules (shared ``docs/indicators.md``) live in :class:`Context`: V3/V4 episodes are
dropped before anything else, "looked after at D", "overlaps S..E" and ages at E.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from pipeline import schema
from pipeline.clean import care
from pipeline.spec.period import Period, age_at

COLUMNS = ["indicator", "breakdown", "numerator", "denominator", "value"]
UNITS = ("count", "rate", "percent", "mean", "days")
POLARITIES = ("higher", "lower", "neither")


@dataclass(frozen=True, kw_only=True)
class Indicator:
    """An indicator: what it is, how to read it, and the function computing it.

    ``annual``: its data is collected once a year (OC2, OC3), so a quarter's figure is the
    latest year's (see :func:`pipeline.measures.registry.annual_period`), never last year's
    rows set against a quarter's cohort. ``dp``: the decimal places it is published with.

    >>> Indicator(id="x", title="X", unit="count", polarity="up", cohort="", definition="",
    ...           func=lambda ctx: [])
    Traceback (most recent call last):
    ValueError: x: polarity must be higher, lower or neither
    """

    id: str
    title: str
    unit: str  # count | rate | percent | mean | days
    polarity: str  # higher | lower | neither
    cohort: str
    definition: str
    dp: int = 0
    func: Callable[[Context], list[dict]]
    annual: bool = False

    def __post_init__(self):
        if self.polarity not in POLARITIES:
            raise ValueError(f"{self.id}: polarity must be higher, lower or neither")
        if self.unit not in UNITS:
            raise ValueError(f"{self.id}: unit must be one of {', '.join(UNITS)}")

    @property
    def points_dp(self) -> int:
        """Decimal places of a figure built on this one: a gap in points, a neighbour average.

        One at least (Progress 8: two): an average of whole-number rates (120.4 per 10,000)
        is not itself a whole number, nor is a gap between two rounded percentages.
        """
        return max(self.dp, 1)


def row(
    indicator: str,
    value: float | None,
    numerator: float | None = None,
    denominator: float | None = None,
    breakdown: str = "",
) -> dict:
    """One tidy output row."""
    return {
        "indicator": indicator,
        "breakdown": breakdown,
        "numerator": numerator,
        "denominator": denominator,
        "value": value,
    }


def pct_row(indicator: str, num: int, den: int, breakdown: str = "") -> dict:
    """A percentage row: 100 * num / den, unrounded; missing when den is 0.

    Figures are kept at full precision inside; ``disclosure.publish`` rounds each to its
    indicator's decimal places, once, at publication.

    >>> round(pct_row("x", 1, 3)["value"], 6), pct_row("x", 0, 0)["value"]
    (33.333333, None)
    """
    value = 100 * num / den if den else None
    return row(indicator, value, num, den, breakdown)


def mean_row(indicator: str, values: pd.Series, breakdown: str = "") -> dict:
    """A mean row: the mean of ``values`` (count in the denominator), unrounded.

    Missing when ``values`` is empty.
    """
    values = pd.to_numeric(values, errors="coerce").dropna()
    n = len(values)
    value = float(values.mean()) if n else None
    return row(indicator, value, None, n, breakdown)


AGE_BANDS = [
    ("Under 1", 0, 0),
    ("1 to 4", 1, 4),
    ("5 to 9", 5, 9),
    ("10 to 15", 10, 15),
    ("16 and over", 16, 200),
]


def age_band(age: float) -> str:
    """DfE's age band for an age in whole years.

    >>> [age_band(a) for a in (0, 1, 4, 5, 15, 16, 17, float("nan"))]
    ['Under 1', '1 to 4', '1 to 4', '5 to 9', '10 to 15', '16 and over', '16 and over', 'Not known']
    """
    if age is None or (isinstance(age, float) and math.isnan(age)):
        return "Not known"
    for name, lo, hi in AGE_BANDS:
        if lo <= age <= hi:
            return name
    return "Not known"


SEX_NAMES = {"M": "Male", "F": "Female", "U": "Unknown or indeterminate"}


def cached(method):
    """Cache a function of a Context per context and arguments (cohorts are reused).

    For :class:`Context` methods and for a theme's own cohort helpers alike.
    """

    def wrapper(self, *args):
        key = (method.__name__, *args)
        if key not in self._cache:
            self._cache[key] = method(self, *args)
        return self._cache[key]

    wrapper.__doc__, wrapper.__name__ = method.__doc__, method.__name__
    return wrapper


class Context:
    """The cleaned history seen from one period: the common rules, applied once.

    ``episodes`` has V3/V4 (short break) episodes removed, so a child whose only episodes
    are short breaks is not looked after for any indicator.
    """

    def __init__(
        self,
        tables: dict[str, pd.DataFrame],
        period: Period,
        population: dict[int, float] | None = None,
    ):
        self.tables = tables
        self.period = period
        self.S = pd.Timestamp(period.start)
        self.E = pd.Timestamp(period.end)
        self.population = population or {}
        self.episodes = care.looked_after(tables.get("Episodes"))
        header = tables.get("Header")
        if header is None or header.empty:
            header = pd.DataFrame(columns=["CHILD", "SEX", "DOB", "ETHNIC"])
        self.header = header.drop_duplicates("CHILD", keep="last").set_index("CHILD")
        self._cache: dict = {}

    def open_at(self, d: pd.Timestamp) -> pd.DataFrame:
        """Episodes open at ``d``: DECOM <= d and (DEC blank or DEC > d)."""
        e = self.episodes
        return e.loc[(e["DECOM"] <= d) & (e["DEC"].isna() | (e["DEC"] > d))]

    @cached
    def period_starts(self) -> pd.Series:
        """For each episode, the start of its period of care (:func:`care.period_starts`)."""
        return care.period_starts(self.episodes)

    @cached
    def continuously_looked_after(self, months: int, at: pd.Timestamp | None = None) -> set:
        """Children looked after at ``at`` (E) whose period of care started N months before.

        The rule is :func:`care.continuously_looked_after`'s.
        """
        at = self.E if at is None else at
        return care.continuously_looked_after(self.episodes, at, months, self.period_starts())

    def ages(self, children, when: date | None = None) -> pd.Series:
        """Whole years of age at E (or ``when``) of ``children``, indexed by child."""
        ids = list(children)
        dob = (
            self.header["DOB"].reindex(ids)
            if "DOB" in self.header
            else pd.Series(pd.NaT, index=ids)
        )
        return age_at(pd.to_datetime(dob), when or self.period.end)

    @cached
    def year_table(self, name: str) -> pd.DataFrame:
        """A table collected once a year (OC2, OC3): the rows of the period's return.

        Falls back to the latest earlier return holding the table (a year-to-date extract
        may not carry it yet); empty when there is none.
        """
        t = self.tables.get(name)
        if t is None or t.empty or "_year" not in t.columns:
            return pd.DataFrame(columns=list(schema.ALL_TABLES[name].columns))
        years = sorted(y for y in t["_year"].unique() if y <= self.period.collection_year)
        if not years:
            return t.iloc[0:0]
        return t.loc[t["_year"] == years[-1]].drop_duplicates("CHILD", keep="last")

    @cached
    def overlapping(self) -> pd.DataFrame:
        """Episodes overlapping S..E: DECOM <= E and (DEC blank or DEC >= S)."""
        e = self.episodes
        return e.loc[(e["DECOM"] <= self.E) & (e["DEC"].isna() | (e["DEC"] >= self.S))]

    @cached
    def at_end(self) -> pd.DataFrame:
        """One row per child looked after at E: the episode open at E, with age and sex.

        When the episode open at E is a temporary placement (T0-T4), the child's placement
        group comes from the episode just before it: their substantive placement.
        """
        open_e = self.open_at(self.E).drop_duplicates("CHILD", keep="last").copy()
        place = open_e["PLACE"].copy()
        temp = place.isin(schema.TEMPORARY_PLACE)
        if temp.any():
            prev = self.episodes.groupby("CHILD")["PLACE"].shift(1)
            prev_place = prev.loc[open_e.index[temp]]
            place.loc[temp] = prev_place.where(prev_place.notna(), place.loc[temp])
        open_e["PLACE_GROUP"] = place.map(lambda p: schema.group_of(p, schema.PLACEMENT_GROUPS))
        dob = self.header["DOB"].reindex(open_e["CHILD"]).to_numpy()
        open_e["AGE"] = age_at(pd.Series(dob, index=open_e.index), self.period.end)
        # A child with no Header row (reported by the clean stage) has sex and ethnicity
        # not known: blank, never a missing value that code lookups cannot read.
        for col in ("SEX", "ETHNIC"):
            known = self.header[col] if col in self.header else pd.Series(dtype="str")
            open_e[col] = known.reindex(open_e["CHILD"]).fillna("").astype(str).to_numpy()
        return open_e
