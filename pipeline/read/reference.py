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

from pipeline.spec.period import year_label

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
    academic: bool = False  # time_period written as an academic year ("202425")


def _src(value: str, note: str = "", academic: bool = False, **filters: str) -> Source:
    return Source(tuple(filters.items()), value, note, academic)


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
    "returned_home_planned_pct": _src(
        "percentage",
        cla_group="Reason episode ceased",
        characteristic="Returned home to live with parents or other person with parental "
        "responsibility which was part of the care planning process",
    ),
}
_CLA12 = "CLA 12 months at 31 March"
for _id, _col in (
    ("ks2_read_exs_pct", "pt_read_met_expected_standard"),
    ("ks2_writ_exs_pct", "pt_writta_met_expected_standard"),
    ("ks2_math_exs_pct", "pt_mat_met_expected_standard"),
    ("ks2_rwm_exs_pct", "pt_rwm_met_expected_standard"),
    ("ks4_att8_avg", "avg_att8"),
    ("ks4_em4_pct", "pt_l2basics_94"),
    ("ks4_em5_pct", "pt_l2basics_95"),
    ("ks4_p8_avg", "avg_p8score"),
):
    SOURCES[_id] = _src(_col, academic=True, social_care_group=_CLA12)

# All pupils (not only children looked after), from LAIT's long table: measure codes.
LAIT_ALL_PUPILS = {
    "ks2_read_exs_pct": "KS2R_Expected_STD",
    "ks2_writ_exs_pct": "KS2W_Teacher_Assess",
    "ks2_math_exs_pct": "KS2M_Expected_STD",
    "ks2_rwm_exs_pct": "KS2RWM_Expected_STD",
    "ks4_att8_avg": "AVG_Attain8_Score",
    "ks4_em4_pct": "EngMaths9-4",
    "ks4_em5_pct": "EngMaths9-5",
    "ks4_p8_avg": "AVG_Prog8_Score",
    "ks1_read_exs_pct": "KS1R_Expected_STD",
    "ks1_writ_exs_pct": "KS1W_Expected _STD",
    "ks1_math_exs_pct": "KS1M_Expected _STD",
}
LAIT_ENGLAND = "970"
_VERSION_ORDER = {"Final": 0, "Revised": 1, "Provisional": 2}

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
    lait = []
    for path in sorted(root.rglob("*.parquet")):
        try:
            df = pd.read_parquet(path, columns=["Short Desc", "Years", "LA Number", "Values"])
        except (KeyError, ValueError, OSError):
            continue  # not LAIT's long table
        codes = set(LAIT_ALL_PUPILS.values())
        df = df.loc[df["Short Desc"].isin(codes)].assign(_file=path.name)
        # LAIT stores codes as numbers (806.0); keep them as text codes ("806", "Z01").
        df["LA Number"] = df["LA Number"].astype("string").str.replace(r"\.0$", "", regex=True)
        lait.append(df)
    out: dict[str, object] = {k: pd.concat(v, ignore_index=True) for k, v in found.items()}
    out["ees"] = ees
    if lait:
        out["lait"] = pd.concat(lait, ignore_index=True)
    return out


def all_pupils(reference_dir: Path, la_code: str, indicator: str, year: int) -> dict:
    """All pupils' result for an education measure: the authority and England, from LAIT.

    ``year`` is the calendar year in which the academic year ends (2025 for 2024/25).
    DfE publishes more than one England KS2 figure; this is LAIT's (state-funded schools),
    named in ``source`` so a report can say which it used.
    """
    out = {"la": None, "england": None, "source": None}
    lait = _load(str(reference_dir)).get("lait")
    code = LAIT_ALL_PUPILS.get(indicator)
    if lait is None or code is None:
        return out
    rows = lait.loc[(lait["Short Desc"] == code) & (lait["Years"].astype(str) == str(year))]
    for key, number in (("la", la_code), ("england", LAIT_ENGLAND)):
        hit = rows.loc[rows["LA Number"] == number, "Values"]
        if len(hit):
            out[key] = _number(hit.iloc[0])
    if out["la"] is not None or out["england"] is not None:
        out["source"] = "DfE Local Authority Interactive Tool (LAIT)"  # the publication
    return out


@dataclass
class Comparators:
    """What the reference folder says about one authority."""

    la_code: str
    la_name: str | None = None
    new_la_code: str | None = None  # ONS's nine-character code (E06000047), when a table has it
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
            _name_and_region(comp, mine.iloc[-1])
        # Members read the publication's name; the file is in the workbook's source column.
        comp.sources.append("ONS mid-year population estimates, children aged 0 to 17")
    for frame in tables.get("ees", []):
        if comp.region_code is not None:
            break
        if {"old_la_code", "region_code", "region_name", "la_name"} <= set(frame.columns):
            mine = frame[(frame["geographic_level"] == LOCAL) & (frame["old_la_code"] == la_code)]
            if len(mine):
                _name_and_region(comp, mine.iloc[-1])
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
    return comp


def _name_and_region(comp: Comparators, row: pd.Series) -> None:
    comp.la_name, comp.region_code, comp.region_name = (
        row["la_name"],
        row["region_code"],
        row["region_name"],
    )
    comp.new_la_code = row.get("new_la_code") or None


def _source_rows(tables: dict, src: Source, year: int) -> pd.DataFrame:
    needed = {"time_period", "geographic_level", src.value} | {c for c, _ in src.filters}
    parts = []
    for frame in tables.get("ees", []):
        if not needed <= set(frame.columns):
            continue
        period = year_label(year - 1, "") if src.academic else str(year)
        m = frame["time_period"] == period
        for col, val in src.filters:
            m &= frame[col] == val
        if m.any():
            parts.append(frame.loc[m])
    if not parts:
        return pd.DataFrame()
    rows = pd.concat(parts, ignore_index=True)
    if "version" in rows:
        # DfE publishes provisional, revised and final figures: the most final first.
        rank = rows["version"].map(_VERSION_ORDER).fillna(9)
        rows = rows.assign(_rank=rank).sort_values("_rank", kind="stable")
    return rows


@dataclass(frozen=True)
class _Published:
    """One source's figures for one year: England, each region, each authority."""

    source: str
    england: float | None
    region_by_code: dict
    region_by_name: dict
    by_la: dict | None  # old_la_code -> figure (None where c, x or z); None: no LA rows
    region_of: dict  # old_la_code -> (region_code, region_name), for regional ranks


@cache
def _published(folder: str, src: Source, year: int) -> _Published | None:
    """The figures of ``src`` for ``year`` in the reference folder, looked up once a process.

    Like ``_load``, this trusts the folder not to change under a running process; every
    report of a national run asks for the same few hundred (indicator, year) pairs.
    """
    rows = _source_rows(_load(folder), src, year)
    if rows.empty:
        return None
    nat = rows[rows["geographic_level"] == NATIONAL]
    regional = rows[rows["geographic_level"] == REGIONAL]

    def first(frame: pd.DataFrame, key: str) -> dict:
        if key not in frame:
            return {}
        kept = frame.drop_duplicates(key, keep="first")
        return {k: _number(v) for k, v in zip(kept[key], kept[src.value], strict=True)}

    local = rows[rows["geographic_level"] == LOCAL]
    region_of = {}
    if {"old_la_code", "region_code", "region_name"} <= set(local.columns):
        kept = local.drop_duplicates("old_la_code", keep="first")
        region_of = {
            la: (code, name)
            for la, code, name in zip(
                kept["old_la_code"], kept["region_code"], kept["region_name"], strict=True
            )
        }
    return _Published(
        source=", ".join(sorted(set(rows["_file"]))),
        england=_number(nat.iloc[0][src.value]) if len(nat) else None,
        region_by_code=first(regional, "region_code"),
        region_by_name=first(regional, "region_name"),
        by_la=first(local, "old_la_code") if "old_la_code" in rows else None,
        region_of=region_of,
    )


def no_comparators() -> dict[str, float | None]:
    """The comparator fields with nothing in them (not published, or not applicable)."""
    return {
        "england": None,
        "region": None,
        "stat_neighbours": None,
        "sn_count": 0,
        "la_published": None,
        "source": None,
    }


def comparator_values(
    reference_dir: Path, comp: Comparators, indicator: str, year: int
) -> dict[str, float | None]:
    """England, region, neighbour mean and the LA's own published figure for ``year``.

    ``year`` is DfE's ``time_period`` (2025 for the year ending 31 March 2025). The
    neighbour value is the mean of the neighbours that have a figure; ``sn_count`` says how
    many did. Anything not published gives None.
    """
    out = no_comparators()
    src = SOURCES.get(indicator)
    if src is None:
        return out
    pub = _published(str(reference_dir), src, year)
    if pub is None:
        return out
    out["source"] = pub.source
    out["england"] = pub.england
    if comp.region_code and pub.region_by_code:
        out["region"] = pub.region_by_code.get(comp.region_code)
    elif comp.region_name and pub.region_by_name:
        out["region"] = pub.region_by_name.get(comp.region_name)
    if pub.by_la is None:
        return out
    out["la_published"] = pub.by_la.get(comp.la_code)
    vals = [v for n in comp.neighbours if (v := pub.by_la.get(n)) is not None]
    if vals:
        out["stat_neighbours"] = sum(vals) / len(vals)
        out["sn_count"] = len(vals)
    return out


@dataclass(frozen=True)
class LaFigures:
    """What DfE published for one measure and year at authority level, for ranking."""

    own: float | None  # the authority's own published figure, if DfE has one
    england: list[float]  # every other authority's figure (published ones only)
    region: list[float]  # the other authorities' in the authority's region


def la_figures(
    reference_dir: Path, comp: Comparators, indicator: str, year: int
) -> LaFigures | None:
    """Every authority's published figure for ``indicator`` in ``year``; None if none are.

    Authorities DfE shows as c, x or z are left out, as is the authority itself (its own
    figure is ``own``). The region is the authority's region code (or name, as
    :func:`comparator_values` matches it).
    """
    src = SOURCES.get(indicator)
    pub = _published(str(reference_dir), src, year) if src is not None else None
    if pub is None or not pub.by_la:
        return None
    others = {la: v for la, v in pub.by_la.items() if la != comp.la_code and v is not None}
    if not others:
        return None

    def in_region(la: str) -> bool:
        code, name = pub.region_of.get(la, (None, None))
        if comp.region_code:
            return code == comp.region_code
        return comp.region_name is not None and name == comp.region_name

    return LaFigures(
        own=pub.by_la.get(comp.la_code),
        england=list(others.values()),
        region=[v for la, v in others.items() if in_region(la)],
    )


# Our age bands -> DfE's national characteristics labels ("Age group").
AGE_GROUP_LABELS = {
    "Under 1": "Under 1 year",
    "1 to 4": "1 to 4 years",
    "5 to 9": "5 to 9 years",
    "10 to 15": "10 to 15 years",
    "16 and over": "16 years and over",
}

# Each profile the reports show beside England: our breakdown -> DfE's group in the national
# characteristics table, and for each of our groups the characteristics it is made of (a
# name starting "-" is taken away).
ENGLAND_PROFILES: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "Age band": ("Age group", {k: (v,) for k, v in AGE_GROUP_LABELS.items()}),
    "Sex": ("Gender", {"Male": ("Male",), "Female": ("Female",)}),
    "Ethnic group": (
        "Ethnicity",
        {
            "White": ("1. Total White",),
            "Mixed": ("2. Total Mixed or Multiple ethnic groups",),
            # The 903's reporting groups count Chinese children in Other (ssda903.md);
            # DfE's tables count them in Asian: moved, so the two groups compare.
            "Asian": ("3. Total Asian or Asian British", "-3d. Chinese"),
            "Black": ("4. Total Black, African, Caribbean or Black British",),
            "Other": ("5. Total other ethnic group", "3d. Chinese"),
            "Not known": ("6. Total refused or information not yet available",),
        },
    ),
    "Legal status": (
        "Legal status",
        {
            "Care order (interim or full)": ("Care orders",),
            "Placement order": ("Placement order granted",),
            "Accommodated under section 20": ("Voluntary agreements under S20 CA 1989",),
            "Youth justice": ("Youth justice legal statuses",),
            "Emergency and police protection": ("Detained for child protection",),
        },
    ),
    # schema.PLACEMENT_GROUPS against DfE's placement headings: children's homes and
    # residential (K1, K2, R1-R5, S1) are DfE's 5 without its 5d (semi-independent living),
    # with 6 and 7; independent and semi-independent living (K3, H5, P2) are 4a with 5d;
    # other (P3, Z1...) is 8 with residential employment, 4 less 4a (4b itself is often c).
    "Placement": (
        "Placement",
        {
            "Foster care": ("1. Total foster placements",),
            "Placed for adoption": ("2. Total placed for adoption",),
            "Placed with parents": (
                "3. Total placed with parents or other person with parental responsibility",
            ),
            "Children's homes and residential": (
                "5. Total secure units, children's homes and semi-independent living accommodation",
                "-5d Semi-independent living accommodation not subject to children's homes "
                "regulations",
                "6. Total other residential settings",
                "7. Total residential schools",
            ),
            "Independent and semi-independent living": (
                "4a Living independently",
                "5d Semi-independent living accommodation not subject to children's homes "
                "regulations",
            ),
            "Other": (
                "8. Total other placements",
                "4. Total other placements in the community",
                "-4a Living independently",
            ),
        },
    ),
}


def england_profile(
    reference_dir: Path, cla_group: str, labels: dict[str, tuple[str, ...]], year: int
) -> tuple[int | None, dict[str, float | None]]:
    """England's percentage in each group of a profile (e.g. age), latest year <= ``year``.

    DfE publishes these national characteristics a year or two behind the headline
    tables, so the year used is returned to be named beside the figures. A group of one
    characteristic takes DfE's percentage; one DfE shows as k (under 0.5%), or a group made
    of several, is worked out from the numbers (over the group's "Total children").
    """
    # The national characteristics table has these columns and no others: tables of other
    # cohorts (children who ceased, stability) share the groups but add their own columns.
    needed = {"time_period", "geographic_level", "cla_group", "characteristic", "percentage"}
    allowed = needed | {"time_identifier", "country_code", "country_name", "number", "_file"}
    rows = [
        f for f in _load(str(reference_dir)).get("ees", []) if needed <= set(f.columns) <= allowed
    ]
    if not rows:
        return None, {k: None for k in labels}
    df = pd.concat(rows, ignore_index=True)
    df = df[(df["geographic_level"] == NATIONAL) & (df["cla_group"] == cla_group)]
    years = sorted(int(y) for y in df["time_period"].unique() if y.isdigit() and int(y) <= year)
    if not years:
        return None, {k: None for k in labels}
    used = df[df["time_period"] == str(years[-1])].drop_duplicates("characteristic")
    used = used.set_index("characteristic")
    numbers = used["number"] if "number" in used else pd.Series(dtype=object)
    total = _number(numbers.get("Total children"))

    def share(parts: tuple[str, ...]) -> float | None:
        if len(parts) == 1 and _number(used["percentage"].get(parts[0])) is not None:
            return _number(used["percentage"].get(parts[0]))
        counts = [_number(numbers.get(p.lstrip("-"))) for p in parts]
        if not total or any(c is None for c in counts):
            return None
        signed = sum(-c if p.startswith("-") else c for p, c in zip(parts, counts, strict=True))
        return 100 * signed / total

    return years[-1], {k: share(parts) for k, parts in labels.items()}


def england_profiles(reference_dir: Path, year: int) -> dict[str, tuple[int | None, dict]]:
    """Every profile of :data:`ENGLAND_PROFILES`: breakdown -> (year, % by group)."""
    return {
        dim: england_profile(reference_dir, group, labels, year)
        for dim, (group, labels) in ENGLAND_PROFILES.items()
    }
