"""DfE published tables (explore-education-statistics CSV form) as comparators.

Files are recognised by their columns, not their names, anywhere under the reference
folder. A missing file or a missing figure gives ``None`` (shown "x"), never an error: a
run without reference data still produces every local figure.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

NATIONAL, REGIONAL, LOCAL = "National", "Regional", "Local authority"
POP_0_17 = "Children aged 0 to 17 years"
CLA_31_MARCH = "Children looked after on 31 March each year"
CLA_STARTED = "Children starting to be looked after each year"
CLA_CEASED = "Children ceasing to be looked after each year"

KINDS = {
    "population": {"age_group", "population_estimate", "old_la_code", "geographic_level"},
    "sn_model_2025": {"old_la_code", "SN_1", "SN_10"},
    "sn_model_2021": {"LA number", "SN1", "SN10"},
}


@dataclass(frozen=True)
class Source:
    """Where DfE publishes an indicator.

    The rows (column = value filters) and the column holding the figure, in any
    explore-education-statistics file that has those columns.
    """

    filters: tuple[tuple[str, str], ...]
    value: str
    note: str = ""


def _src(value: str, note: str = "", **filters: str) -> Source:
    return Source(tuple(filters.items()), value, note)


_HEALTH = "Health assessments: Children looked after all ages"
_SDQ = "Ages 5 to 16 years with SDQ score"
_LONG = "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years"
SOURCES: dict[str, Source] = {
    "cla_at_end": _src("children_count", population_type=CLA_31_MARCH),
    "cla_rate_per_10k": _src("rate_per_10000", population_type=CLA_31_MARCH),
    "cla_started": _src("children_count", population_type=CLA_STARTED),
    "cla_ceased": _src("children_count", population_type=CLA_CEASED),
    "cla_during_year": _src("number", CLA_group="Children looked after during the year"),
    "placements_3plus_pct": _src(
        "children_percent",
        cla_group="CLA on 31 March",
        placement_stability="With 3 or more placements during the year",
    ),
    "long_term_stability_pct": _src(
        "children_percent",
        cla_group=_LONG,
        placement_stability="Living with the same carer for at least 2 years",
    ),
    "sw_changes_2plus_pct": _src(
        "percentage",
        "DfE counts children with 3 or more social workers in the year",
        cla_group="CLA on 31 March",
        sw_stability="3 or more social workers during the year",
    ),
    "health_assessment_pct": _src(
        "children_percent", characteristic=_HEALTH, breakdown="Had their annual health assessment"
    ),
    "immunisations_pct": _src(
        "children_percent", characteristic=_HEALTH, breakdown="Had their immunisations up to date"
    ),
    "dental_check_pct": _src(
        "children_percent", characteristic=_HEALTH, breakdown="Had their teeth checked by a dentist"
    ),
    "development_check_pct": _src(
        "children_percent",
        characteristic="Development assessments: Children looked after ages 0 to 4 years",
        breakdown="Development assessments up to date",
    ),
    "sdq_received_pct": _src(
        "children_percent", characteristic=_SDQ, breakdown="SDQ score was received"
    ),
    "sdq_average": _src("children_count", characteristic=_SDQ, breakdown="SDQ average score"),
    "sdq_normal_pct": _src(
        "children_percent", characteristic=_SDQ, breakdown="SDQ score is normal"
    ),
    "sdq_borderline_pct": _src(
        "children_percent", characteristic=_SDQ, breakdown="SDQ score is borderline"
    ),
    "sdq_concern_pct": _src(
        "children_percent", characteristic=_SDQ, breakdown="SDQ score is a cause for concern"
    ),
    "convicted_pct": _src(
        "children_percent",
        characteristic="Convictions: Children looked after Ages 10 to 17 years",
        breakdown="Convicted or subject to youth cautions, or youth conditional "
        "cautions during the year",
    ),
    "substance_misuse_pct": _src(
        "children_percent",
        characteristic="Substance misuse: Children looked after all ages",
        breakdown="Identified as having a substance misuse problem",
    ),
    "missing_pct": _src(
        "number", CLA_group="Percentage of children who had a missing incident during the year"
    ),
    "away_pct": _src(
        "number",
        CLA_group="Percentage of children who were away from "
        "placement without authorisation during the year",
    ),
    "missing_incidents": _src("number", CLA_group="Number of missing incidents during the year"),
    "adopted_pct": _src("percentage", cla_group="Reason episode ceased", characteristic="Adopted"),
    "sgo_pct": _src(
        "percentage",
        cla_group="Reason episode ceased",
        characteristic="Special guardianship orders",
    ),
}
for _g, _a in (("17_18", "17 to 18"), ("19_21", "19 to 21")):
    SOURCES[f"care_leavers_in_touch_pct_{_g}"] = _src(
        "percentage", age=f"Aged {_a}", in_touch="Local authority in touch with care leaver"
    )
    SOURCES[f"care_leavers_eet_pct_{_g}"] = _src(
        "care_leaver_percent",
        care_leaver_age=f"{_a} years",
        breakdown="Total in education, employment or training",
    )
    SOURCES[f"care_leavers_suitable_accom_pct_{_g}"] = _src(
        "care_leaver_percent",
        care_leaver_age=f"{_a} years",
        breakdown="Accommodation considered suitable",
    )


def _number(v: object) -> float | None:
    """A published cell as a number; DfE's symbols (c, x, z, low, u ...) give None.

    >>> _number("67"), _number("c"), _number(""), _number("1,234")
    (67.0, None, None, 1234.0)
    """
    try:
        return float(str(v).replace(",", ""))
    except ValueError:
        return None


@cache
def _load(folder: str) -> dict[str, object]:
    """Every reference CSV under ``folder``: named kinds, and all EES tables as a list."""
    found: dict[str, list[pd.DataFrame]] = {}
    ees: list[pd.DataFrame] = []
    root = Path(folder)
    if not root.is_dir():
        log.info("no reference folder at %s: comparators will show x", root)
        return {}
    for path in sorted(root.rglob("*.csv")):
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
            log.warning("reference file %s could not be read; skipped", path.name)
            continue
        df.columns = [c.strip() for c in df.columns]
        df = df.assign(_file=path.name)
        cols = set(df.columns)
        kind = next((k for k, needed in KINDS.items() if needed <= cols), None)
        if kind:
            found.setdefault(kind, []).append(df)
        if {"time_period", "geographic_level"} <= cols:
            ees.append(df)
    out: dict[str, object] = {k: pd.concat(v, ignore_index=True) for k, v in found.items()}
    out["ees"] = ees
    return out


@dataclass
class Comparators:
    """What the reference folder says about one authority."""

    la_code: str
    la_name: str | None = None
    region_code: str | None = None
    region_name: str | None = None
    neighbours: list[str] = field(default_factory=list)
    neighbour_model: str | None = None
    population: dict[int, float] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)


def load_comparators(
    reference_dir: Path,
    la_code: str,
    neighbours_override: tuple[str, ...] = (),
    region_name: str | None = None,
) -> Comparators:
    """Name, region, neighbours and 0-17 population of ``la_code`` from the reference tables.

    ``region_name`` (from configuration) names the region when the tables have no row for
    the authority itself; regional figures are then matched by name.
    """
    tables = _load(str(reference_dir))
    comp = Comparators(la_code)
    pop = tables.get("population")
    if pop is not None:
        mine = pop[
            (pop["geographic_level"] == LOCAL)
            & (pop["old_la_code"] == la_code)
            & (pop["age_group"] == POP_0_17)
        ]
        for _, r in mine.iterrows():
            v = _number(r["population_estimate"])
            if v:
                comp.population[int(r["time_period"][:4])] = v
        if len(mine):
            last = mine.iloc[-1]
            comp.la_name, comp.region_code, comp.region_name = (
                last["la_name"],
                last["region_code"],
                last["region_name"],
            )
        comp.sources += sorted(set(pop["_file"]))
    for frame in tables.get("ees", []):
        if comp.region_code is not None:
            break
        if {"old_la_code", "region_code", "region_name", "la_name"} <= set(frame.columns):
            mine = frame[(frame["geographic_level"] == LOCAL) & (frame["old_la_code"] == la_code)]
            if len(mine):
                last = mine.iloc[-1]
                comp.la_name, comp.region_code, comp.region_name = (
                    last["la_name"],
                    last["region_code"],
                    last["region_name"],
                )
    if comp.region_name is None:
        comp.region_name = region_name
    if neighbours_override:
        comp.neighbours, comp.neighbour_model = list(neighbours_override), "configuration"
    elif (sn := tables.get("sn_model_2025")) is not None:
        mine = sn[sn["old_la_code"] == la_code]
        if len(mine):
            comp.neighbours = [
                mine.iloc[0][f"SN_{i}"] for i in range(1, 11) if mine.iloc[0][f"SN_{i}"]
            ]
            comp.neighbour_model = "DfE statistical neighbours, 2025 model"
            comp.sources += sorted(set(sn["_file"]))
    return comp


def _source_rows(tables: dict, src: Source, year: int) -> pd.DataFrame:
    needed = {"time_period", "geographic_level", src.value} | {c for c, _ in src.filters}
    parts = []
    for frame in tables.get("ees", []):
        if not needed <= set(frame.columns):
            continue
        m = frame["time_period"] == str(year)
        for col, val in src.filters:
            m &= frame[col] == val
        if m.any():
            parts.append(frame.loc[m])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def comparator_values(
    reference_dir: Path, comp: Comparators, indicator: str, year: int
) -> dict[str, float | None]:
    """England, region, neighbour mean and the LA's own published figure for ``year``.

    ``year`` is DfE's ``time_period`` (2025 for the year ending 31 March 2025). The
    neighbour value is the mean of the neighbours that have a figure; ``sn_count`` says how
    many did. Anything not published gives None.
    """
    out: dict[str, float | None] = {
        "england": None,
        "region": None,
        "stat_neighbours": None,
        "sn_count": 0,
        "la_published": None,
        "source": None,
    }
    src = SOURCES.get(indicator)
    if src is None:
        return out
    rows = _source_rows(_load(str(reference_dir)), src, year)
    if rows.empty:
        return out
    out["source"] = ", ".join(sorted(set(rows["_file"])))
    nat = rows[rows["geographic_level"] == NATIONAL]
    if len(nat):
        out["england"] = _number(nat.iloc[0][src.value])
    regional = rows[rows["geographic_level"] == REGIONAL]
    if comp.region_code and "region_code" in rows:
        regional = regional[regional["region_code"] == comp.region_code]
    elif comp.region_name and "region_name" in rows:
        regional = regional[regional["region_name"] == comp.region_name]
    else:
        regional = regional.iloc[0:0]
    if len(regional):
        out["region"] = _number(regional.iloc[0][src.value])
    if "old_la_code" not in rows:
        return out
    la = rows[rows["geographic_level"] == LOCAL].drop_duplicates("old_la_code", keep="last")
    la = la.set_index("old_la_code")[src.value]
    if comp.la_code in la.index:
        out["la_published"] = _number(la[comp.la_code])
    vals = [v for n in comp.neighbours if n in la.index and (v := _number(la[n])) is not None]
    if vals:
        out["stat_neighbours"] = sum(vals) / len(vals)
        out["sn_count"] = len(vals)
    return out
