"""The indicator registry: one small function per indicator in the catalogue.

Each indicator is registered with its id, title, unit, polarity, cohort and the definition
text from ``docs/indicators.md`` (shared), and returns tidy rows: ``indicator, breakdown,
numerator, denominator, value``. :func:`compute_all` runs every registered indicator for one
period; :func:`compute_trend` runs them for the period and the ones before it, from the same
stitched history. Nothing here formats for display or suppresses small numbers.

Common rules (shared ``docs/indicators.md``) live in :class:`Context`: V3/V4 episodes are
dropped before anything else, "looked after at D", "overlaps S..E" and ages at E.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pipeline import schema
from pipeline.config import Period

COLUMNS = ["indicator", "breakdown", "numerator", "denominator", "value"]


@dataclass(frozen=True)
class Indicator:
    """A registered indicator: what it is, how to read it, and the function computing it."""

    id: str
    title: str
    unit: str  # count | rate | percent | mean | days
    polarity: str  # higher | lower | neither
    cohort: str
    definition: str
    dp: int
    func: Callable[[Context], list[dict]]


REGISTRY: dict[str, Indicator] = {}


def register(
    id: str, title: str, unit: str, polarity: str, cohort: str, definition: str, dp: int = 0
):
    """Register an indicator function under ``id`` (a decorator)."""
    if polarity not in {"higher", "lower", "neither"}:
        raise ValueError(f"{id}: polarity must be higher, lower or neither")

    def wrap(func):
        if id in REGISTRY:
            raise ValueError(f"indicator {id} registered twice")
        REGISTRY[id] = Indicator(id, title, unit, polarity, cohort, definition, dp, func)
        return func

    return wrap


def round_half_up(x: float, dp: int = 0) -> float:
    """Round halves away from zero, as DfE's published figures do (not banker's rounding).

    >>> round_half_up(66.5), round_half_up(2.25, 1), round_half_up(67.49)
    (67.0, 2.3, 67.0)
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return float("nan")
    q = 10**dp
    return math.floor(abs(x) * q + 0.5) / q * (1 if x >= 0 else -1)


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


def age_at(dob: pd.Series, when: date) -> pd.Series:
    """Whole years of age at ``when`` (birthday on ``when`` counts).

    >>> age_at(pd.Series(pd.to_datetime(["2009-03-31", "2009-04-01", None])), date(2025, 3, 31)
    ...        ).tolist()
    [16.0, 15.0, nan]
    """
    d = pd.to_datetime(dob)
    years = when.year - d.dt.year
    before_birthday = (d.dt.month > when.month) | (
        (d.dt.month == when.month) & (d.dt.day > when.day)
    )
    return (years - before_birthday.astype("Int64")).astype(float)


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
        eps = tables.get("Episodes")
        if eps is None or eps.empty:
            eps = pd.DataFrame(
                columns=["CHILD", "DECOM", "DEC", "RNE", "LS", "PLACE", "REC", "CIN", "URN"]
            )
        eps = eps.loc[~eps["LS"].isin(schema.SHORT_BREAK_LS)].copy()
        eps["DECOM"] = pd.to_datetime(eps["DECOM"])
        eps["DEC"] = pd.to_datetime(eps["DEC"])
        self.episodes = eps.sort_values(["CHILD", "DECOM"], kind="stable").reset_index(drop=True)
        header = tables.get("Header")
        if header is None or header.empty:
            header = pd.DataFrame(columns=["CHILD", "SEX", "DOB", "ETHNIC"])
        self.header = header.drop_duplicates("CHILD", keep="last").set_index("CHILD")

    def open_at(self, d: pd.Timestamp) -> pd.DataFrame:
        """Episodes open at ``d``: DECOM <= d and (DEC blank or DEC > d)."""
        e = self.episodes
        return e.loc[(e["DECOM"] <= d) & (e["DEC"].isna() | (e["DEC"] > d))]

    def overlapping(self) -> pd.DataFrame:
        """Episodes overlapping S..E: DECOM <= E and (DEC blank or DEC >= S)."""
        e = self.episodes
        return e.loc[(e["DECOM"] <= self.E) & (e["DEC"].isna() | (e["DEC"] >= self.S))]

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
        open_e["SEX"] = self.header["SEX"].reindex(open_e["CHILD"]).to_numpy()
        open_e["ETHNIC"] = self.header["ETHNIC"].reindex(open_e["CHILD"]).to_numpy()
        return open_e


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


# ---------------------------------------------------------------------------------------
# Who the children are
# ---------------------------------------------------------------------------------------
@register(
    "cla_at_end",
    "Children looked after at the end of the period",
    "count",
    "neither",
    "All children looked after (short breaks excluded)",
    "Children looked after at E: an episode with DECOM on or before E and DEC blank or "
    "after E. Children whose only episodes are short breaks (V3/V4) are excluded. "
    "Broken down by age band at E, sex, ethnic group, legal status and placement.",
)
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


@register(
    "cla_rate_per_10k",
    "Children looked after per 10,000 children",
    "rate",
    "neither",
    "All children looked after, against the authority's population aged 0 to 17",
    "cla_at_end divided by the ONS mid-year estimate of the authority's population aged "
    "0 to 17 for the calendar year before E's year (31 March 2025 uses mid-2024), "
    "times 10,000, rounded to a whole number.",
)
def cla_rate_per_10k(ctx: Context) -> list[dict]:
    """CLA at E per 10,000 children aged 0 to 17; blank when no population is known."""
    n = len(ctx.at_end())
    pop = ctx.population.get(ctx.period.end.year - 1)
    if not pop:
        return [row("cla_rate_per_10k", None, n, None)]
    return [row("cla_rate_per_10k", round_half_up(n / pop * 10_000, 0), n, pop)]


@register(
    "cla_started",
    "Children who started to be looked after",
    "count",
    "neither",
    "Children starting a period of care in S..E",
    "Children with an episode with RNE = S and DECOM in S..E, counted once. Broken down "
    "by category of need (CIN) and legal status at entry.",
)
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


@register(
    "cla_ceased",
    "Children who ceased to be looked after",
    "count",
    "neither",
    "Children whose period of care ended in S..E",
    "Children with an episode with DEC in S..E and REC not X1 (the end of a period of "
    "care), counted once.",
)
def cla_ceased(ctx: Context) -> list[dict]:
    """Children with a period of care ending in S..E."""
    e = ctx.episodes
    ended = e.loc[e["DEC"].between(ctx.S, ctx.E) & (e["REC"] != "X1")]
    n = int(ended["CHILD"].nunique())
    return [row("cla_ceased", n, n, None)]


@register(
    "cla_during_year",
    "Children looked after at any time in the period",
    "count",
    "neither",
    "All children looked after in S..E",
    "Children with an episode overlapping S..E (DECOM on or before E, and DEC blank or "
    "on or after S), counted once.",
)
def cla_during_year(ctx: Context) -> list[dict]:
    """Children looked after at any time in S..E."""
    n = int(ctx.overlapping()["CHILD"].nunique())
    return [row("cla_during_year", n, n, None)]


@register(
    "uasc_at_end",
    "Unaccompanied asylum-seeking children looked after",
    "count",
    "neither",
    "Children looked after at E",
    "Children looked after at E who appear in the UASC table.",
)
def uasc_at_end(ctx: Context) -> list[dict]:
    """Children looked after at E who appear in the UASC table."""
    uasc = ctx.tables.get("UASC")
    ids = set() if uasc is None else set(uasc["CHILD"])
    at_end = ctx.at_end()
    n = int(at_end["CHILD"].isin(ids).sum())
    return [row("uasc_at_end", n, n, len(at_end))]


# ---------------------------------------------------------------------------------------
def compute_all(
    tables: dict[str, pd.DataFrame],
    period: Period,
    population: dict[int, float] | None = None,
    ids: list[str] | None = None,
) -> pd.DataFrame:
    """Every registered indicator (or ``ids``) for one period, as a tidy table."""
    ctx = Context(tables, period, population)
    rows: list[dict] = []
    for ind in REGISTRY.values():
        if ids is None or ind.id in ids:
            rows += ind.func(ctx)
    out = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("numerator", "denominator", "value"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out


def compute_trend(
    tables: dict[str, pd.DataFrame],
    period: Period,
    years: int = 5,
    population: dict[int, float] | None = None,
    earliest: str | None = None,
) -> pd.DataFrame:
    """Every indicator for ``period`` and the ``years - 1`` periods before it.

    Earlier periods are computed from the same stitched history, back to the earliest
    collection year read (``earliest``), so a report can show a five-year trend.
    """
    frames = []
    for k in range(years - 1, -1, -1):
        p = period.shifted(-k)
        if earliest and p.collection_year < earliest:
            continue
        frames.append(compute_all(tables, p, population).assign(period=p.label))
    out = pd.concat(frames, ignore_index=True)
    return out[["period", *COLUMNS]]


def registry_table() -> pd.DataFrame:
    """The registry as a table: the methodology annex and ``docs/indicators.md`` come from it."""
    return pd.DataFrame(
        [
            {
                "id": i.id,
                "title": i.title,
                "unit": i.unit,
                "polarity": i.polarity,
                "cohort": i.cohort,
                "definition": i.definition,
            }
            for i in REGISTRY.values()
        ]
    )


def value_of(table: pd.DataFrame, indicator: str, breakdown: str = "") -> float:
    """The value of one indicator row, or NaN when the table has none."""
    m = (table["indicator"] == indicator) & (table["breakdown"] == breakdown)
    return float(table.loc[m, "value"].iloc[0]) if m.any() else np.nan
