"""The indicator registry: every theme's indicators, in report order, and how they are run.

:data:`THEMES` lists the theme modules, one per section of shared ``docs/indicators.md``,
in the order of that catalogue and of the reports. Each declares its indicators in a
module-level ``INDICATORS`` tuple (and, where separate indicators' numerators split one
total, ``PARTITIONS``); :data:`REGISTRY` is built from them here, once, and an id declared
twice stops the import. Nothing registers itself by being imported.

:func:`compute_all` runs every indicator for one period; :func:`compute_trend` runs them for
the period and the ones before it, from the same stitched history. Nothing here formats for
display or suppresses small numbers (``pipeline.publish`` does, reading the units and decimal
places declared here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import yaml

from pipeline import schema
from pipeline.measures import (
    care_leavers,
    education,
    health,
    missing,
    permanence,
    population,
    stability,
    voice,
)
from pipeline.measures.context import COLUMNS, Context, Indicator
from pipeline.spec.period import Period, parse_period, year_period  # noqa: F401 (doctest)

# The catalogue's sections, in report order: REGISTRY keeps their indicators in this order.
THEMES: tuple[ModuleType, ...] = (
    population,
    stability,
    health,
    missing,
    permanence,
    voice,
    care_leavers,
    education,
)


class Registry(Mapping[str, Indicator]):
    """Indicators by id, in the order their themes declare them; read-only.

    Built from modules (or anything) with an ``INDICATORS`` sequence and, optionally,
    ``PARTITIONS``: groups of indicator ids whose numerators split one total, which
    disclosure control treats as cells of one table. An id declared twice, or a partition
    naming an id no theme declares, is an error.

    >>> from types import SimpleNamespace as Theme
    >>> one = Indicator(id="a", title="A", unit="count", polarity="neither", cohort="",
    ...                 definition="", func=lambda ctx: [])
    >>> list(Registry([Theme(__name__="t1", INDICATORS=(one,))]))
    ['a']
    >>> Registry([Theme(__name__="t1", INDICATORS=(one,)), Theme(__name__="t2", INDICATORS=(one,))])
    Traceback (most recent call last):
    ValueError: indicator a declared twice: in t1 and in t2
    """

    def __init__(self, themes: Iterable):
        self._by_id: dict[str, Indicator] = {}
        where: dict[str, str] = {}
        partitions: list[tuple[str, ...]] = []
        for theme in themes:
            name = getattr(theme, "__name__", repr(theme))
            for ind in theme.INDICATORS:
                if ind.id in self._by_id:
                    raise ValueError(
                        f"indicator {ind.id} declared twice: in {where[ind.id]} and in {name}"
                    )
                self._by_id[ind.id] = ind
                where[ind.id] = name
            partitions += [tuple(group) for group in getattr(theme, "PARTITIONS", ())]
        for group in partitions:
            unknown = [i for i in group if i not in self._by_id]
            if unknown:
                raise ValueError(f"partition {group} names undeclared indicators {unknown}")
        self.partitions: tuple[tuple[str, ...], ...] = tuple(partitions)

    def __getitem__(self, id: str) -> Indicator:
        return self._by_id[id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, id: object) -> bool:
        return id in self._by_id

    def values(self):
        """The indicators, in order."""
        return self._by_id.values()

    def units(self) -> dict[str, str]:
        """Each indicator's unit, by id (disclosure control reads counts apart)."""
        return {i.id: i.unit for i in self._by_id.values()}

    def decimal_places(self) -> dict[str, int]:
        """Each indicator's published decimal places, by id."""
        return {i.id: i.dp for i in self._by_id.values()}


REGISTRY = Registry(THEMES)
# Indicators whose numerators split one total (the SDQ bands): one hidden share could be
# worked out from the others, so disclosure control hides the next smallest too.
PARTITIONS = REGISTRY.partitions


def load_in_words(path: Path, ids: Iterable[str]) -> dict[str, str]:
    """Each indicator's definition in plain words (``in_words.yml``), by id, in ``ids`` order.

    The file must define exactly the registry's indicators: one left out would reach a
    paper with no definition, and one no longer in the registry would be text nobody reads.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "w.yml"
    >>> _ = f.write_text("measures: {a: The first., z: Gone.}")
    >>> load_in_words(f, ["a", "b"])
    Traceback (most recent call last):
    ValueError: w.yml: no plain-words definition for b; not in the registry: z
    """
    ids = list(ids)
    words = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("measures") or {}
    missing = [i for i in ids if not str(words.get(i) or "").strip()]
    extra = sorted(set(words) - set(ids))
    if missing or extra:
        said = []
        if missing:
            said.append(f"no plain-words definition for {', '.join(missing)}")
        if extra:
            said.append(f"not in the registry: {', '.join(extra)}")
        raise ValueError(f"{path.name}: {'; '.join(said)}")
    return {i: " ".join(str(words[i]).split()) for i in ids}


# What each indicator means in the words a member reads (the papers' annex, the workbook);
# ``Indicator.definition`` stays the exact method, with the return's codes.
IN_WORDS: Mapping[str, str] = load_in_words(Path(__file__).with_name("in_words.yml"), REGISTRY)


def _known_column(name: str) -> bool:
    table, _, column = name.partition(".")
    if table == "attainment":
        return column in schema.ATTAINMENT_COLUMNS
    return table in schema.ALL_TABLES and column in schema.ALL_TABLES[table].columns


def load_reads(path: Path, ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """The cleaned tables' columns each indicator reads (``reads.yml``), by id.

    ``"@group"`` entries expand to a group's columns (groups may name groups). The file must
    name exactly the registry's indicators and only columns the tables have.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "r.yml"
    >>> _ = f.write_text("groups: {care: [Episodes.DECOM]}; "
    ...                  "measures: {a: ['@care', Episodes.REC], b: [Episodes.NOPE]}"
    ...                  .replace("; ", chr(10)))
    >>> sorted(load_reads(f, ["a"])["a"])
    Traceback (most recent call last):
    ValueError: r.yml: not in the registry: b
    >>> load_reads(f, ["a", "b"])
    Traceback (most recent call last):
    ValueError: r.yml: b reads Episodes.NOPE, which no table has
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups, measures = data.get("groups") or {}, data.get("measures") or {}
    ids = list(ids)
    missing = [i for i in ids if not measures.get(i)]
    extra = sorted(set(measures) - set(ids))
    if missing or extra:
        said = [f"no columns for {', '.join(missing)}"] if missing else []
        said += [f"not in the registry: {', '.join(extra)}"] if extra else []
        raise ValueError(f"{path.name}: {'; '.join(said)}")

    def expand(owner: str, names: list[str], seen: tuple[str, ...] = ()) -> set[str]:
        out: set[str] = set()
        for n in names:
            if n.startswith("@"):
                g = n[1:]
                if g not in groups or g in seen:
                    raise ValueError(f"{path.name}: {owner} names group {n}, which is not defined")
                out |= expand(owner, groups[g], (*seen, g))
            elif not _known_column(n):
                raise ValueError(f"{path.name}: {owner} reads {n}, which no table has")
            else:
                out.add(n)
        return out

    return {i: frozenset(expand(i, measures[i])) for i in ids}


# The columns each indicator reads: data_quality.html names the figures a failed check
# touches. tests/e2e/test_reads.py checks them against the code.
READS: Mapping[str, frozenset[str]] = load_reads(Path(__file__).with_name("reads.yml"), REGISTRY)


def touched_by(table: str, columns: Iterable[str]) -> list[str]:
    """The indicators, in registry order, that read any of ``columns`` of ``table``.

    A check on CHILD (a repeated row, a missing Header) touches every reader of the table.

    >>> touched_by("OC2", ["TEETH_CHECK"])
    ['dental_check_pct']
    >>> touched_by("Reviews", ["CHILD", "DOB"])
    ['review_participation_pct']
    """
    names = {f"{table}.{c.strip()}" for c in columns if c.strip()}
    whole = f"{table}.CHILD" in names
    return [
        i
        for i, reads in READS.items()
        if names & reads or (whole and any(r.startswith(f"{table}.") for r in reads))
    ]


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
                "decimal_places": i.dp,
                "cohort": i.cohort,
                "definition": i.definition,
                "in_words": IN_WORDS[i.id],
            }
            for i in REGISTRY.values()
        ]
    )


def value_of(table: pd.DataFrame, indicator: str, breakdown: str = "") -> float:
    """The value of one indicator row, or NaN when the table has none."""
    m = (table["indicator"] == indicator) & (table["breakdown"] == breakdown)
    return float(table.loc[m, "value"].iloc[0]) if m.any() else np.nan
