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

# indicator id -> (file kind, filter column, filter value, value column)
_CLA_RATE_FILE = "cla_rate"
KINDS = {
    "population": {"age_group", "population_estimate", "old_la_code", "geographic_level"},
    _CLA_RATE_FILE: {"population_type", "children_count", "rate_per_10000", "old_la_code"},
    "sn_model_2025": {"old_la_code", "SN_1", "SN_10"},
    "sn_model_2021": {"LA number", "SN1", "SN10"},
}
COMPARABLE = {
    "cla_at_end": (CLA_31_MARCH, "children_count"),
    "cla_rate_per_10k": (CLA_31_MARCH, "rate_per_10000"),
    "cla_started": (CLA_STARTED, "children_count"),
    "cla_ceased": (CLA_CEASED, "children_count"),
}


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
def _load(folder: str) -> dict[str, pd.DataFrame]:
    found: dict[str, list[pd.DataFrame]] = {}
    root = Path(folder)
    if not root.is_dir():
        log.info("no reference folder at %s: comparators will show x", root)
        return {}
    for path in sorted(root.rglob("*.csv")):
        try:
            head = pd.read_csv(path, nrows=0, encoding="utf-8-sig")
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
            continue
        cols = {c.strip() for c in head.columns}
        for kind, needed in KINDS.items():
            if needed <= cols:
                df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
                df.columns = [c.strip() for c in df.columns]
                found.setdefault(kind, []).append(df.assign(_file=path.name))
                break
    return {k: pd.concat(v, ignore_index=True) for k, v in found.items()}


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
    reference_dir: Path, la_code: str, neighbours_override: tuple[str, ...] = ()
) -> Comparators:
    """Name, region, neighbours and 0-17 population of ``la_code`` from the reference tables."""
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
    rates = tables.get(_CLA_RATE_FILE)
    if rates is not None:
        comp.sources += sorted(set(rates["_file"]))
        if comp.region_code is None:
            mine = rates[(rates["geographic_level"] == LOCAL) & (rates["old_la_code"] == la_code)]
            if len(mine):
                last = mine.iloc[-1]
                comp.la_name, comp.region_code, comp.region_name = (
                    last["la_name"],
                    last["region_code"],
                    last["region_name"],
                )
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


def comparator_values(
    reference_dir: Path, comp: Comparators, indicator: str, year: int
) -> dict[str, float | None]:
    """England, region, neighbour mean and the LA's own published figure for ``year``.

    ``year`` is DfE's ``time_period`` (2025 for the year ending 31 March 2025). The
    neighbour value is the mean of the neighbours that have a figure; ``sn_count`` says how
    many did.
    """
    out: dict[str, float | None] = {
        "england": None,
        "region": None,
        "stat_neighbours": None,
        "sn_count": 0,
        "la_published": None,
    }
    if indicator not in COMPARABLE:
        return out
    tables = _load(str(reference_dir))
    rates = tables.get(_CLA_RATE_FILE)
    if rates is None:
        return out
    ptype, col = COMPARABLE[indicator]
    yr = rates[(rates["time_period"] == str(year)) & (rates["population_type"] == ptype)]
    nat = yr[yr["geographic_level"] == NATIONAL]
    if len(nat):
        out["england"] = _number(nat.iloc[0][col])
    if comp.region_code:
        reg = yr[(yr["geographic_level"] == REGIONAL) & (yr["region_code"] == comp.region_code)]
        if len(reg):
            out["region"] = _number(reg.iloc[0][col])
    la = yr[yr["geographic_level"] == LOCAL].drop_duplicates("old_la_code", keep="last")
    la = la.set_index("old_la_code")[col]
    if comp.la_code in la.index:
        out["la_published"] = _number(la[comp.la_code])
    vals = [v for n in comp.neighbours if n in la.index and (v := _number(la[n])) is not None]
    if vals:
        out["stat_neighbours"] = sum(vals) / len(vals)
        out["sn_count"] = len(vals)
    return out
