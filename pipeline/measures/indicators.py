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
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pipeline import schema
from pipeline.publish.disclosure import round_half_up  # noqa: F401 (gaps and published use it)
from pipeline.report.narrative import ordinal
from pipeline.spec.period import Period, minus_months, parse_period, year_label, year_period  # noqa: F401 (doctest)

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
    # From a table collected once a year (OC2, OC3): a quarter shows the latest year's figure.
    annual: bool = False


REGISTRY: dict[str, Indicator] = {}


def register(
    id: str,
    title: str,
    unit: str,
    polarity: str,
    cohort: str,
    definition: str,
    dp: int = 0,
    annual: bool = False,
):
    """Register an indicator function under ``id`` (a decorator).

    ``annual``: its data is collected once a year (OC2, OC3), so a quarter's figure is the
    latest year's (see :func:`annual_period`), never last year's rows set against a
    quarter's cohort.
    """
    if polarity not in {"higher", "lower", "neither"}:
        raise ValueError(f"{id}: polarity must be higher, lower or neither")

    def wrap(func):
        if id in REGISTRY:
            raise ValueError(f"indicator {id} registered twice")
        REGISTRY[id] = Indicator(id, title, unit, polarity, cohort, definition, dp, func, annual)
        return func

    return wrap


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


def age_at(dob: pd.Series, when: date | pd.Timestamp | pd.Series) -> pd.Series:
    """Whole years of age at ``when`` (birthday on ``when`` counts; row by row for a Series).

    The one rule for age, used by the indicators and the data checks alike.

    >>> age_at(pd.Series(pd.to_datetime(["2009-03-31", "2009-04-01", None])), date(2025, 3, 31)
    ...        ).tolist()
    [16.0, 15.0, nan]
    >>> age_at(pd.Series(pd.to_datetime(["2009-03-31", "2009-03-31"])),
    ...        pd.Series(pd.to_datetime(["2025-03-30", None]))).tolist()
    [15.0, nan]
    """
    d = pd.to_datetime(dob)
    if isinstance(when, pd.Series):
        w = pd.to_datetime(when)
        wy, wm, wd = w.dt.year, w.dt.month, w.dt.day
    else:
        wy, wm, wd = when.year, when.month, when.day
    before_birthday = (d.dt.month > wm) | ((d.dt.month == wm) & (d.dt.day > wd))
    return (wy - d.dt.year - before_birthday.astype(float)).astype(float)


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


def _cached(method):
    """Cache a Context method's result per instance and arguments (cohorts are reused)."""

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
        self._cache: dict = {}

    def open_at(self, d: pd.Timestamp) -> pd.DataFrame:
        """Episodes open at ``d``: DECOM <= d and (DEC blank or DEC > d)."""
        e = self.episodes
        return e.loc[(e["DECOM"] <= d) & (e["DEC"].isna() | (e["DEC"] > d))]

    @_cached
    def period_starts(self) -> pd.Series:
        """For each episode, the start of its period of care.

        A period of care is a chain of episodes where each next DECOM equals the previous
        DEC; it starts at the DECOM of its first episode.
        """
        e = self.episodes
        if e.empty:
            return pd.Series(dtype="datetime64[ns]")
        same_child = e["CHILD"].eq(e["CHILD"].shift())
        chained = same_child & e["DECOM"].eq(e["DEC"].shift())
        chain_id = (~chained).cumsum()
        return e["DECOM"].groupby(chain_id).transform("first")

    @_cached
    def continuously_looked_after(self, months: int, at: pd.Timestamp | None = None) -> set:
        """Children looked after at ``at`` (E) whose period of care started N months before.

        "Looked after continuously for N at E": the period of care open at E started on or
        before E minus N months (calendar arithmetic).
        """
        at = self.E if at is None else at
        e = self.episodes
        open_at = (e["DECOM"] <= at) & (e["DEC"].isna() | (e["DEC"] > at))
        cutoff = pd.Timestamp(minus_months(at.date(), months))
        ok = open_at & (self.period_starts() <= cutoff)
        return set(e.loc[ok, "CHILD"])

    def ages(self, children, when: date | None = None) -> pd.Series:
        """Whole years of age at E (or ``when``) of ``children``, indexed by child."""
        ids = list(children)
        dob = (
            self.header["DOB"].reindex(ids)
            if "DOB" in self.header
            else pd.Series(pd.NaT, index=ids)
        )
        return age_at(pd.to_datetime(dob), when or self.period.end)

    @_cached
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

    @_cached
    def overlapping(self) -> pd.DataFrame:
        """Episodes overlapping S..E: DECOM <= E and (DEC blank or DEC >= S)."""
        e = self.episodes
        return e.loc[(e["DECOM"] <= self.E) & (e["DEC"].isna() | (e["DEC"] >= self.S))]

    @_cached
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
    return [row("cla_rate_per_10k", n / pop * 10_000, n, pop)]


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


# ---------------------------------------------------------------------------------------
# Stability
# ---------------------------------------------------------------------------------------
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


@register(
    "placements_3plus_pct",
    "Children with 3 or more placements in the year",
    "percent",
    "lower",
    "Children looked after at E",
    "Of children looked after at E, the percentage with 3 or more placements in S..E. "
    "Counting: the child's episodes overlapping S..E, temporary placements (T0-T4) "
    "dropped, sorted by DECOM; the first counts 1; each later one counts 1 more when "
    "its RNE is S, P, B, T or U, except a move to A3 or A5 straight from a U1-U6 "
    "episode, and a return straight after a temporary placement to the same PLACE and "
    "URN as before it.",
)
def placements_3plus_pct(ctx: Context) -> list[dict]:
    """Children looked after at E with 3+ placements in S..E."""
    children = set(ctx.at_end()["CHILD"])
    eps = _by_child(ctx.episodes, children)
    n = sum(count_placements(eps[c], ctx.S, ctx.E) >= 3 for c in children)
    return [pct_row("placements_3plus_pct", n, len(children))]


@register(
    "long_term_stability_pct",
    "Long-term placement stability",
    "percent",
    "higher",
    "Looked after at E, under 16 at E, looked after continuously for 2 years 6 months",
    "Of children looked after at E, aged under 16 at E and looked after continuously "
    "for at least 2 years 6 months (their period of care started on or before E minus "
    "30 months), the percentage who have lived in the same placement for at least 2 "
    "years (it started on or before E minus 24 months), or are placed for adoption "
    "(A3-A6) where that placement and the one just before it together last at least 2 "
    "years. Same placement: from the episode open at E (or the one before it, if that "
    "is temporary), walk back through contiguous episodes while RNE is L, T or U and "
    "PLACE is not U2 or U5, or the episode is a return straight after a temporary "
    "placement to the same PLACE and URN.",
)
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


@register(
    "sw_changes_2plus_pct",
    "Children with 2 or more changes of social worker",
    "percent",
    "lower",
    "Children looked after at E",
    "Of children looked after at E, the percentage with 2 or more changes of social "
    "worker in S..E: a change is an SWEpisodes row starting in S..E that is not the "
    "child's first. Not available before 2023-24, when the table arrived.",
)
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


# ---------------------------------------------------------------------------------------
# Health (OC2 cohort: looked after continuously for 12 months at E)
# ---------------------------------------------------------------------------------------
def _oc2_cohort(ctx: Context) -> tuple[pd.DataFrame, pd.Series]:
    """The OC2 cohort's rows (a cohort child with no OC2 row has blank flags) and ages."""
    if "oc2" in ctx._cache:
        return ctx._cache["oc2"]
    ctx._cache["oc2"] = _oc2_rows(ctx)
    return ctx._cache["oc2"]


def _oc2_rows(ctx: Context) -> tuple[pd.DataFrame, pd.Series]:
    cohort = sorted(ctx.continuously_looked_after(12))
    oc2 = ctx.year_table("OC2").set_index("CHILD")
    rows = oc2.reindex(cohort)
    return rows, ctx.ages(cohort)


def _flag_pct(ind: str, rows: pd.DataFrame, col: str, mask: pd.Series | None = None) -> dict:
    """Percentage of ``rows`` (those in ``mask``) whose ``col`` is 1; missing when none.

    An empty cohort or sub-cohort (no child aged 0 to 4, say) gives 0 of 0: not available.
    Compared as text whatever the column's type, so an empty text column, whose sum is
    ``""``, is never summed.

    >>> rows = pd.DataFrame({"F": ["1", "0", ""]}, index=["a", "b", "c"], dtype="str")
    >>> r = _flag_pct("x", rows, "F")
    >>> r["numerator"], r["denominator"]
    (1, 3)
    >>> none = pd.Series([False, False, False], index=["a", "b", "c"])
    >>> r = _flag_pct("x", rows, "F", none)
    >>> r["numerator"], r["denominator"], r["value"]
    (0, 0, None)
    """
    sub = rows if mask is None else rows.loc[mask.reindex(rows.index).fillna(False).astype(bool)]
    got = sub[col].astype("string").str.strip().eq("1").fillna(False).astype(bool)
    return pct_row(ind, int(got.sum()), len(sub))


_OC2_DEF = (
    "The OC2 cohort is the children looked after continuously for at least 12 months "
    "at E. A cohort child with no OC2 row counts as not received. "
)


# id, title, polarity, OC2 column, ages at E (None: the whole cohort)
OC2_FLAGS = (
    ("health_assessment_pct", "Annual health assessment", "higher", "HEALTH_ASSESSMENT", None),
    ("immunisations_pct", "Immunisations up to date", "higher", "IMMUNISATIONS", None),
    ("dental_check_pct", "Dental check", "higher", "TEETH_CHECK", None),
    (
        "development_check_pct",
        "Development assessments up to date (ages 0 to 4)",
        "higher",
        "HEALTH_CHECK",
        (0, 4),
    ),
    (
        "convicted_pct",
        "Convicted or subject to a youth caution (ages 10 to 17)",
        "lower",
        "CONVICTED",
        (10, 17),
    ),
    (
        "substance_misuse_pct",
        "Identified as having a substance misuse problem",
        "lower",
        "SUBSTANCE_MISUSE",
        None,
    ),
)


def _oc2_flag(ind: str, column: str, ages: tuple[int, int] | None):
    def compute(ctx: Context) -> list[dict]:
        rows, age = _oc2_cohort(ctx)
        mask = None if ages is None else age.between(*ages)
        return [_flag_pct(ind, rows, column, mask)]

    who = "" if ages is None else f" aged {ages[0]}-{ages[1]}"
    compute.__doc__ = f"OC2 cohort{who} with {column} = 1."
    return compute


for _id, _title, _polarity, _col, _ages in OC2_FLAGS:
    _who = "the cohort" if _ages is None else f"the cohort aged {_ages[0]} to {_ages[1]} at E"
    register(
        _id,
        _title,
        "percent",
        _polarity,
        "OC2 cohort" + ("" if _ages is None else f" aged {_ages[0]} to {_ages[1]} at E"),
        _OC2_DEF + f"Percentage of {_who} with {_col} = 1.",
        annual=True,
    )(_oc2_flag(_id, _col, _ages))


def _sdq(ctx: Context) -> tuple[pd.Series, int]:
    rows, ages = _oc2_cohort(ctx)
    eligible = rows.loc[ages.reindex(rows.index).between(5, 16)]
    scores = pd.to_numeric(eligible["SDQ_SCORE"], errors="coerce")
    return scores.dropna(), len(eligible)


@register(
    "sdq_received_pct",
    "Strengths and difficulties questionnaire (SDQ) received",
    "percent",
    "higher",
    "OC2 cohort aged 5 to 16 at E",
    _OC2_DEF + "Percentage of the cohort aged 5 to 16 at E with an SDQ_SCORE.",
    annual=True,
)
def sdq_received_pct(ctx: Context) -> list[dict]:
    """OC2 cohort aged 5-16 with an SDQ score."""
    scores, n = _sdq(ctx)
    return [pct_row("sdq_received_pct", len(scores), n)]


@register(
    "sdq_average",
    "Average SDQ score",
    "mean",
    "lower",
    "OC2 cohort aged 5 to 16 at E with a score",
    _OC2_DEF + "Mean SDQ_SCORE of the cohort aged 5 to 16 at E with a score, 1 dp.",
    dp=1,
    annual=True,
)
def sdq_average(ctx: Context) -> list[dict]:
    """Mean SDQ score of the OC2 cohort aged 5-16 with a score."""
    scores, _ = _sdq(ctx)
    return [mean_row("sdq_average", scores)]


# Indicators whose numerators split one total: disclosure control treats them as cells of
# one table, so a hidden one cannot be worked out from the others.
PARTITIONS: tuple[tuple[str, ...], ...] = (
    ("sdq_normal_pct", "sdq_borderline_pct", "sdq_concern_pct"),
)
SDQ_BANDS = (
    ("sdq_normal_pct", "normal", 0, 13),
    ("sdq_borderline_pct", "borderline", 14, 16),
    ("sdq_concern_pct", "a cause for concern", 17, 40),
)


def _sdq_band(ind: str, lo: int, hi: int):
    def compute(ctx: Context) -> list[dict]:
        scores, _ = _sdq(ctx)
        return [pct_row(ind, int(scores.between(lo, hi).sum()), len(scores))]

    compute.__doc__ = f"Percentage of those scored with an SDQ score of {lo} to {hi}."
    return compute


for _id, _word, _lo, _hi in SDQ_BANDS:
    register(
        _id,
        f"SDQ score {_word} ({_lo} to {_hi})",
        "percent",
        "lower" if _id == "sdq_concern_pct" else "neither",
        "OC2 cohort aged 5 to 16 at E with a score",
        _OC2_DEF + f"Of the cohort aged 5 to 16 at E with an SDQ score, the percentage "
        f"scoring {_lo} to {_hi}.",
        annual=True,
    )(_sdq_band(_id, _lo, _hi))


# ---------------------------------------------------------------------------------------
# Missing from care
# ---------------------------------------------------------------------------------------
def _incidents(ctx: Context, kind: str) -> pd.DataFrame:
    m = ctx.tables.get("Missing")
    if m is None or m.empty:
        return pd.DataFrame(columns=["CHILD", "MISSING", "MIS_START"])
    during = set(ctx.overlapping()["CHILD"])
    return m.loc[
        (m["MISSING"] == kind) & m["MIS_START"].between(ctx.S, ctx.E) & m["CHILD"].isin(during)
    ]


@register(
    "missing_pct",
    "Children who went missing",
    "percent",
    "lower",
    "Children looked after during S..E",
    "Of the children looked after during S..E (cla_during_year), the percentage with at "
    "least one MISSING = M incident starting in S..E.",
)
def missing_pct(ctx: Context) -> list[dict]:
    """Children looked after during the period with a missing incident."""
    n = ctx.overlapping()["CHILD"].nunique()
    return [pct_row("missing_pct", _incidents(ctx, "M")["CHILD"].nunique(), n)]


@register(
    "away_pct",
    "Children who were away from placement without authorisation",
    "percent",
    "lower",
    "Children looked after during S..E",
    "Of the children looked after during S..E, the percentage with at least one "
    "MISSING = A (away without authorisation) incident starting in S..E.",
)
def away_pct(ctx: Context) -> list[dict]:
    """Children looked after during the period who were away without authorisation."""
    n = ctx.overlapping()["CHILD"].nunique()
    return [pct_row("away_pct", _incidents(ctx, "A")["CHILD"].nunique(), n)]


@register(
    "missing_incidents",
    "Missing incidents",
    "count",
    "lower",
    "Children looked after during S..E",
    "MISSING = M incidents starting in S..E, of children looked after during S..E.",
)
def missing_incidents(ctx: Context) -> list[dict]:
    """Missing incidents starting in the period."""
    n = len(_incidents(ctx, "M"))
    return [row("missing_incidents", n, n, None)]


# ---------------------------------------------------------------------------------------
# Permanence
# ---------------------------------------------------------------------------------------
ADOPTED = frozenset({"E11", "E12"})
SGO = frozenset({"E43", "E44", "E45", "E46", "E47", "E48"})


def _last_exits(ctx: Context) -> pd.DataFrame:
    """Per child whose care ended in S..E, the last episode that ended it."""
    e = ctx.episodes.assign(POC_START=ctx.period_starts())
    ended = e.loc[e["DEC"].between(ctx.S, ctx.E) & (e["REC"] != "X1")]
    return ended.sort_values(["CHILD", "DEC"]).drop_duplicates("CHILD", keep="last")


@register(
    "adopted_pct",
    "Children who ceased to be looked after who were adopted",
    "percent",
    "higher",
    "Children whose care ended in S..E",
    "Of children whose care ended in S..E (cla_ceased), the percentage whose last REC "
    "in S..E was E11 or E12 (adopted).",
)
def adopted_pct(ctx: Context) -> list[dict]:
    """Children leaving care who were adopted."""
    last = _last_exits(ctx)
    return [pct_row("adopted_pct", int(last["REC"].isin(ADOPTED).sum()), len(last))]


@register(
    "sgo_pct",
    "Children who ceased to be looked after on a special guardianship order",
    "percent",
    "higher",
    "Children whose care ended in S..E",
    "Of children whose care ended in S..E (cla_ceased), the percentage whose last REC "
    "in S..E was E43 to E48 (special guardianship).",
)
def sgo_pct(ctx: Context) -> list[dict]:
    """Children leaving care on a special guardianship order."""
    last = _last_exits(ctx)
    return [pct_row("sgo_pct", int(last["REC"].isin(SGO).sum()), len(last))]


@register(
    "adoption_entry_to_placed_days",
    "Average days from entering care to moving in with the adoptive family",
    "days",
    "lower",
    "Children adopted in S..E",
    "For children adopted in S..E (last REC E11 or E12), the mean number of days from "
    "the start of their period of care to DATE_PLACED in the PlacedAdoption table (the "
    "latest on or before the adoption). Children with no such row are left out and "
    "counted in the data-quality annex.",
)
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


@register(
    "adoption_decision_to_match_days",
    "Average days from the decision to place for adoption to the match",
    "days",
    "lower",
    "AD1 rows with DATE_MATCH in S..E",
    "For AD1 rows with DATE_MATCH in S..E, the mean number of days from DATE_INT to DATE_MATCH.",
)
def adoption_decision_to_match_days(ctx: Context) -> list[dict]:
    """Mean days from DATE_INT to DATE_MATCH for matches in the period."""
    ad1 = ctx.tables.get("AD1")
    if ad1 is None or ad1.empty:
        return [mean_row("adoption_decision_to_match_days", pd.Series(dtype=float))]
    ad1 = ad1.sort_values("_year").drop_duplicates(["CHILD", "DATE_MATCH"], keep="last")
    m = ad1.loc[ad1["DATE_MATCH"].between(ctx.S, ctx.E) & ad1["DATE_INT"].notna()]
    return [mean_row("adoption_decision_to_match_days", (m["DATE_MATCH"] - m["DATE_INT"]).dt.days)]


# ---------------------------------------------------------------------------------------
# Voice of the child
# ---------------------------------------------------------------------------------------
@register(
    "review_participation_pct",
    "Children who took part in their reviews",
    "percent",
    "higher",
    "Reviews held in S..E, excluding children under 4 (PN0)",
    "Reviews held in S..E with REVIEW_CODE PN1 to PN6 (the child took part in person or "
    "conveyed their views), as a percentage of reviews held in S..E excluding PN0 "
    "(under 4). PN7: the child did not take part. Reviews are counted, not children.",
)
def review_participation_pct(ctx: Context) -> list[dict]:
    """Reviews in the period in which the child took part."""
    r = ctx.tables.get("Reviews")
    if r is None or r.empty:
        return [pct_row("review_participation_pct", 0, 0)]
    held = r.loc[r["REVIEW"].between(ctx.S, ctx.E) & (r["REVIEW_CODE"] != "PN0")]
    took_part = held["REVIEW_CODE"].isin([f"PN{i}" for i in range(1, 7)])
    return [pct_row("review_participation_pct", int(took_part.sum()), len(held))]


# ---------------------------------------------------------------------------------------
# Care leavers (OC3 cohort)
# ---------------------------------------------------------------------------------------
CARE_LEAVER_AGES = {"17_18": (17, 18), "19_21": (19, 21)}
EET_ACTIV = frozenset({f"{c}{i}" for c in "FP" for i in range(1, 6)})


def _oc3_cohort(ctx: Context, group: str) -> pd.DataFrame:
    """OC3 rows of young people whose birthday in S..E made them 17-18 or 19-21."""
    oc3 = ctx.year_table("OC3")
    if oc3.empty:
        return oc3
    dob = pd.to_datetime(oc3["DOB"])
    if "DOB" in ctx.header:
        dob = dob.fillna(oc3["CHILD"].map(ctx.header["DOB"]))
    # Exactly one birthday falls in any 12 months S..E: the age at E is the age reached.
    age = age_at(dob, ctx.period.end)
    lo, hi = CARE_LEAVER_AGES[group]
    keep = age.between(lo, hi) & ~oc3["IN_TOUCH"].isin(["DIED", "RHOM"])
    return oc3.loc[keep]


def _birthdays(lo: int, hi: int) -> str:
    """The birthdays of an age group, as written: "17th or 18th", "19th, 20th or 21st".

    >>> _birthdays(17, 18), _birthdays(19, 21)
    ('17th or 18th', '19th, 20th or 21st')
    """
    days = [ordinal(a) for a in range(lo, hi + 1)]
    return ", ".join(days[:-1]) + " or " + days[-1]


def _care_leaver_indicators():
    for group, (lo, hi) in CARE_LEAVER_AGES.items():
        cohort = (
            f"OC3 rows of young people whose {_birthdays(lo, hi)} birthday fell in S..E "
            f"(aged {lo} to {hi} on it), excluding IN_TOUCH DIED or RHOM"
        )
        ages = f"aged {lo} to {hi}"

        def in_touch(ctx, group=group, ind=f"care_leavers_in_touch_pct_{group}"):
            c = _oc3_cohort(ctx, group)
            return [pct_row(ind, int((c["IN_TOUCH"] == "YES").sum()), len(c))]

        def eet(ctx, group=group, ind=f"care_leavers_eet_pct_{group}"):
            c = _oc3_cohort(ctx, group)
            return [pct_row(ind, int(c["ACTIV"].isin(EET_ACTIV).sum()), len(c))]

        def accom(ctx, group=group, ind=f"care_leavers_suitable_accom_pct_{group}"):
            c = _oc3_cohort(ctx, group)
            known = c.loc[~c["ACCOM"].str[:1].isin(["G", "H", "R"])]
            # A code the specification does not list (S1, X1) is not known: it stays in
            # the denominator, like 0, and is never counted as suitable.
            suitable = known["ACCOM"].isin(schema.ACCOM) & known["ACCOM"].str.endswith("1")
            return [pct_row(ind, int(suitable.sum()), len(known))]

        register(
            f"care_leavers_in_touch_pct_{group}",
            f"Care leavers {ages} in touch",
            "percent",
            "higher",
            cohort,
            f"Of {cohort}, the percentage with IN_TOUCH = YES.",
            annual=True,
        )(in_touch)
        register(
            f"care_leavers_eet_pct_{group}",
            f"Care leavers {ages} in education, employment or training",
            "percent",
            "higher",
            cohort,
            f"Of {cohort}, the percentage with ACTIV F1 to F5 or P1 to P5 (ACTIV 0, not "
            "known, stays in the denominator).",
            annual=True,
        )(eet)
        register(
            f"care_leavers_suitable_accom_pct_{group}",
            f"Care leavers {ages} in suitable accommodation",
            "percent",
            "higher",
            cohort,
            f"Of {cohort} whose ACCOM letter is not G, H or R, the percentage with ACCOM "
            "ending in 1 (considered suitable). S1 and X1 are not valid codes (no fixed abode "
            "and custody are never suitable): they count as not known, like 0.",
            annual=True,
        )(accom)


_care_leaver_indicators()


# ---------------------------------------------------------------------------------------
# Education: children looked after (12-month cohort) against all pupils
# ---------------------------------------------------------------------------------------
# indicator id -> (key stage, measure in attainment.csv, unit, dp, first/last academic year)
EDUCATION = {
    "ks2_read_exs_pct": ("KS2", "READ_EXS", "percent", "reading"),
    "ks2_writ_exs_pct": ("KS2", "WRIT_EXS", "percent", "writing"),
    "ks2_math_exs_pct": ("KS2", "MATH_EXS", "percent", "maths"),
    "ks2_rwm_exs_pct": ("KS2", "RWM_EXS", "percent", "reading, writing and maths"),
    "ks4_att8_avg": ("KS4", "ATT8", "mean", "Attainment 8"),
    "ks4_em4_pct": ("KS4", "EM4", "percent", "grade 4 or above in English and maths"),
    "ks4_em5_pct": ("KS4", "EM5", "percent", "grade 5 or above in English and maths"),
    "ks4_p8_avg": ("KS4", "P8", "mean", "Progress 8"),
    "ks1_read_exs_pct": ("KS1", "READ_EXS", "percent", "reading"),
    "ks1_writ_exs_pct": ("KS1", "WRIT_EXS", "percent", "writing"),
    "ks1_math_exs_pct": ("KS1", "MATH_EXS", "percent", "maths"),
}
KS1_LAST_YEAR = "2022-23"  # KS1 assessments not statutory from 2023/24: history only
P8_LAST_YEAR = "2023-24"  # Progress 8 not published nationally from 2024/25


def academic_year(period: Period) -> str:
    """The academic year of a collection year, as attainment.csv writes it.

    >>> academic_year(parse_period("2024-25"))
    '2024/25'
    """
    y1 = int(period.collection_year[:4])
    return year_label(y1, "/")


def education_available(indicator: str, period: Period) -> bool:
    """False where the measure does not exist for the year (KS1 from 2023/24, P8 2024/25)."""
    if indicator.startswith("ks1_"):
        return period.collection_year <= KS1_LAST_YEAR
    if indicator == "ks4_p8_avg":
        return period.collection_year <= P8_LAST_YEAR
    return True


@_cached
def _attainment_cohort(ctx: Context) -> set:
    # The 12-month cohort at 31 March of the academic year (the period's E, annual only).
    return ctx.continuously_looked_after(12)


def attainment_values(ctx: Context, key_stage: str, measure: str) -> pd.Series:
    """Results of cohort pupils for one measure, indexed by child, as numbers.

    The cohort is the children looked after continuously for at least 12 months at 31 March
    of the academic year; results are matched by CHILD, or by UPN where CHILD is blank.
    Results of children outside the cohort are not used.
    """
    a = _cohort_results(ctx).get((key_stage, measure))
    if a is None:
        return pd.Series(dtype=float)
    return a["_value"].groupby(a["CHILD"]).last().dropna()


@_cached
def _cohort_results(ctx: Context) -> dict[tuple[str, str], pd.DataFrame]:
    """The academic year's results of cohort pupils, by (key stage, measure), matched once.

    Row by row what ``attainment_values`` describes: CHILD, or UPN where CHILD is blank;
    only the 12-month cohort; VALUE as a number (not a number: missing).
    """
    att = ctx.tables.get("attainment")
    if att is None or att.empty or not ctx.period.is_annual:
        return {}
    a = att.loc[att["ACADEMIC_YEAR"] == academic_year(ctx.period)].copy()
    if "UPN" in ctx.header and "UPN" in a:
        by_upn = pd.Series(ctx.header.index, index=ctx.header["UPN"]).loc[lambda s: s.index != ""]
        by_upn = by_upn[~by_upn.index.duplicated()]
        blank = a["CHILD"].fillna("") == ""
        a.loc[blank, "CHILD"] = a.loc[blank, "UPN"].map(by_upn)
    a = a.loc[a["CHILD"].isin(_attainment_cohort(ctx))]
    a["_value"] = pd.to_numeric(a["VALUE"], errors="coerce")
    return {key: part for key, part in a.groupby(["KEY_STAGE", "MEASURE"], sort=False)}


def _education(ind: str, key_stage: str, measure: str, unit: str):
    def compute(ctx: Context) -> list[dict]:
        if not education_available(ind, ctx.period) or not ctx.period.is_annual:
            return [row(ind, None, None, None)]
        v = attainment_values(ctx, key_stage, measure)
        if unit == "mean":
            return [mean_row(ind, v)]
        return [pct_row(ind, int((v == 1).sum()), len(v))]

    return compute


for _id, (_ks, _m, _unit, _words) in EDUCATION.items():
    if _ks in ("KS1", "KS2"):
        _title = f"{_ks}: expected standard in {_words}"
        _def = (
            f"Of children looked after continuously for at least 12 months at 31 March "
            f"of the academic year with a {_ks} result, the percentage meeting the "
            f"expected standard in {_words} ({_m} = 1)."
        )
    elif _unit == "percent":
        _title = f"KS4: {_words}"
        _def = (
            "Of children looked after continuously for at least 12 months at 31 March of "
            f"the academic year with a KS4 result, the percentage achieving {_words} "
            f"({_m} = 1)."
        )
    else:
        _title = f"KS4: average {_words} score"
        _def = (
            "Mean " + _words + " score of children looked after continuously for at least "
            "12 months at 31 March of the academic year with a KS4 result."
        )
    if _ks == "KS1":
        _def += " KS1 is history only: not statutory from 2023/24."
    if _m == "P8":
        _def += " Not published nationally from 2024/25: shown as not available."
    register(
        _id,
        _title,
        _unit,
        "higher",
        "Looked after continuously for 12 months at 31 March of the academic year",
        _def + " Matched to the pupil-level results by child, or by UPN where the child's id is "
        "blank.",
        dp=2 if _m == "P8" else 1 if _unit == "mean" else 0,
    )(_education(_id, _ks, _m, _unit))


# ---------------------------------------------------------------------------------------
class IndicatorError(RuntimeError):
    """An indicator raised an unexpected error: one line naming it, the period and the error.

    Not a data problem the checks know of (those stop the run at ``20_validate`` with their
    rows): a fault in corpar, or in processed files changed by hand. Values in the error's
    own text (dates, ids, pseudonyms) are masked, so the line can go to a log; the full
    traceback stays in the executed notebook, which is internal.

    >>> e = IndicatorError("cla_at_end", "2024-25", KeyError("092de9763e176778df34"))
    >>> str(e)[:70], "092de" in str(e), len(str(e).splitlines())
    ("indicator cla_at_end (2024-25) could not be computed: KeyError: '...'.", False, 1)
    """

    def __init__(self, indicator: str, period: str, exc: BaseException):
        self.indicator, self.period = indicator, period
        said = _masked(str(exc).splitlines()[0] if str(exc).strip() else "")
        super().__init__(
            f"indicator {indicator} ({period}) could not be computed: "
            f"{type(exc).__name__}{': ' + said if said else ''}. This is a fault in corpar, "
            "not in the data: report it with the executed 30_indicators notebook (internal, "
            "under the processed folder), which holds the traceback"
        )


def _masked(text: str, most: int = 160) -> str:
    """An error's text with anything that may be a value masked, cut to ``most`` characters.

    Runs of digits (ids, dates, UPNs), hexadecimal pseudonyms and long quoted strings.

    >>> _masked("Invalid comparison between dtype=str and Timestamp('2012-08-07 00:00:00')")
    "Invalid comparison between dtype=str and Timestamp('...')"
    >>> _masked("'float' object is not subscriptable")
    "'float' object is not subscriptable"
    >>> _masked("invalid literal for int() with base 10: '02000117'")
    "invalid literal for int() with base 10: '...'"
    """
    out = re.sub(r"'[^']*\d{3}[^']*'|\"[^\"]*\d{3}[^\"]*\"", "'...'", text)
    out = re.sub(r"\b[0-9a-f]{12,}\b|\d{4,}", "...", out)
    return out if len(out) <= most else out[: most - 1] + "…"


def compute_all(
    tables: dict[str, pd.DataFrame],
    period: Period,
    population: dict[int, float] | None = None,
    ids: list[str] | None = None,
) -> pd.DataFrame:
    """Every registered indicator (or ``ids``) for one period, as a tidy table.

    Each figure describes :func:`figure_period`: the period itself, or for an annual
    indicator in a quarter, the latest year's.
    """
    ctx = Context(tables, period, population)
    yearly = ctx if period.is_annual else Context(tables, annual_period(period), population)
    rows: list[dict] = []
    for ind in REGISTRY.values():
        if ids is None or ind.id in ids:
            on = yearly if ind.annual else ctx
            try:
                rows += ind.func(on)
            except Exception as exc:  # named, so the run summary says which one failed
                raise IndicatorError(ind.id, on.period.label, exc) from exc
    out = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("numerator", "denominator", "value"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out


def annual_period(period: Period) -> Period:
    """The year whose return a quarter's annual-only figures (OC2, OC3) come from.

    The collection year before the quarter's own: its annual return holds that year's OC2
    and OC3 rows, which a year-to-date extract does not. An annual period is its own.

    >>> [annual_period(parse_period(f"2026-27-Q{q}")).label for q in (1, 2, 4)]
    ['2025-26', '2025-26', '2025-26']
    >>> annual_period(parse_period("2025-26")).label
    '2025-26'
    """
    if period.is_annual:
        return period
    return year_period(period.shifted(-1).collection_year)


def figure_period(ind: Indicator, period: Period) -> Period:
    """The period an indicator's figure for ``period`` describes (see :func:`annual_period`).

    >>> figure_period(REGISTRY["health_assessment_pct"], parse_period("2026-27-Q2")).label
    '2025-26'
    >>> figure_period(REGISTRY["cla_at_end"], parse_period("2026-27-Q2")).label
    '2026-27-Q2'
    """
    return annual_period(period) if ind.annual else period


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
