"""One function per stage notebook: each composes the modules for one step of a run.

The stage notebooks (``notebooks/10_clean``, ``20_validate``, ``30_indicators``) are thin:
they read the job's run spec from their one parameter (:func:`load_spec`) and call these.
Each function does one stage end to end (read what the stage before wrote, write its own
records), so a stage can be re-run alone. Only the clean stage reads the raw files. The job
(:mod:`pipeline.orchestrate.jobs`) writes ``data_quality.html`` from the stages' records once
they have run or one has stopped.
"""

from __future__ import annotations

import logging

import pandas as pd

from pipeline import io
from pipeline.clean.history import History, as_returned, build_history
from pipeline.clean.repairs import AS_RETURNED
from pipeline.measures.gaps import attainment_gaps
from pipeline.measures.registry import compute_all, compute_trend
from pipeline.problems import YEAR
from pipeline.publish import analysts, published
from pipeline.read.reference import Comparators, load_comparators
from pipeline.read.returns import InputError, read_history
from pipeline.spec.runspec import (
    RunSpec,
    load_spec,  # noqa: F401 (for notebooks)
)

log = logging.getLogger(__name__)


def clean(spec: RunSpec) -> History:
    """Read every year's return up to the period, clean, stitch, pseudonymise, write parquet.

    Earlier returns are repaired by the rules in :mod:`pipeline.clean.repairs` unless the run
    is strict (``corpar run --strict``).

    Raises :class:`~pipeline.read.returns.InputError` listing every error found (the read record
    is written first, so the data-quality page can say what was found).
    """
    from pipeline.checks.validate import years_checked

    io.forget_returned(spec)
    returns = read_history(spec.raw_dir, spec.period.collection_year)
    key = io.pseudonym_key(spec)
    history = build_history(returns, key, repair=not spec.strict)
    io.write_history(spec, history)
    # What the data checks check: the latest returns as returned, so stage 20 never opens
    # the raw files (they could have changed since) and never holds a UPN or postcode.
    io.write_returned(spec, as_returned(returns, key, years_checked(spec.period)))
    errors = [p for p in history.problems if p.severity == "error"]
    if errors:
        raise InputError(errors)
    return history


def validate(spec: RunSpec):
    """Run the data checks (Great Expectations suites in ``expectations/``) for the period.

    Checks the latest returns as the clean stage read them (never the raw files again) and
    the stitched history. Writes ``validation.json`` and the internal row list to
    ``data/processed/...``, then raises :class:`~pipeline.checks.validate.ValidationError`
    when a critical check failed.
    """
    from pipeline.checks import validate as checks

    record = io.read_record(spec)
    returned, tables = io.read_returned(spec), io.read_tables(spec)
    # The stitched tables' first year (the history checks need it), never the first of
    # ``returned``: those are only the latest years.
    first_year = record.years_read[0] if record.years_read else _earliest_year(tables)
    result = checks.validate(returned, tables, years=len(returned), first_year=first_year)
    findings = checks.findings_json(result)
    io.write_validation(spec, findings, checks.findings_rows(result))
    if result.critical:
        raise checks.ValidationError(spec.la_code, spec.period.label, result.critical)
    return result


def _earliest_year(tables: dict[str, pd.DataFrame]) -> str | None:
    """The earliest collection year any stitched row came from (a record without years)."""
    years = [y for t in tables.values() if YEAR in t for y in t[YEAR].dropna()]
    return min(years) if years else None


def validation_summary(result) -> pd.DataFrame:
    """The checks that flagged rows, worst first: counts only (no values, no ids)."""
    failed = [f for f in result.findings if f.failing]
    return pd.DataFrame(
        {
            "severity": [f.severity for f in failed],
            "DfE rule": [f.rule for f in failed],
            "return": [f.year for f in failed],
            "table": [f.table for f in failed],
            "what failed": [f.message for f in failed],
            "rows": [f.failing for f in failed],
        }
    ).sort_values(["severity", "rows"], ascending=[True, False], ignore_index=True)


def comparators(spec: RunSpec) -> Comparators:
    """What the reference tables say about the authority (read once, by stage 30)."""
    return load_comparators(
        spec.paths.reference, spec.la_code, spec.authority.neighbours, spec.authority.region
    )


def population(spec: RunSpec, comp: Comparators) -> dict[int, float]:
    """The 0-17 population by mid-year: configuration overrides the ONS reference file."""
    return {**comp.population, **spec.authority.population_0_17}


def _trend(spec: RunSpec, tables: dict[str, pd.DataFrame], pop: dict[int, float]) -> pd.DataFrame:
    years = io.read_record(spec).years_read
    return compute_trend(
        tables, spec.period, spec.settings.trend_years, pop, earliest=years[0] if years else None
    )


def indicators_computable(spec: RunSpec) -> None:
    """Compute every indicator and its trend as stage 30 does, writing nothing.

    ``corpar validate`` runs it after the data checks, so whatever would stop stage 30
    (an :class:`~pipeline.measures.registry.IndicatorError`, naming the indicator) stops the
    check too, before anyone relies on it.
    """
    _trend(spec, io.read_tables(spec), population(spec, comparators(spec)))


def indicators(spec: RunSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compute every indicator for the period and its trend; write them (unsuppressed)."""
    tables = io.read_tables(spec)
    comp = comparators(spec)
    pop = population(spec, comp)
    trend = _trend(spec, tables, pop)
    # The trend's own rows for the period are the period's figures: computed once.
    mine = trend["period"] == spec.period.label
    if mine.any():
        current = trend.loc[mine].drop(columns="period").reset_index(drop=True)
    else:
        current = compute_all(tables, spec.period, pop)
    io.write_indicators(spec, current, trend)
    gaps = attainment_gaps(tables, spec.period, spec.paths.reference, spec.la_code)
    io.write_private_csv(io.processed_file(spec, "attainment_gaps.csv"), gaps)
    # Everything a reader can see, suppressed once, here: the CSV, the workbook and every
    # edition read this publication and nothing else.
    pub = published.build(spec, current, trend, gaps, comp)
    pub.current["repaired"] = pub.current["indicator"].isin(
        repaired_measures(tables, spec.period, pop, current)
    )
    published.write_publication(spec, pub)
    analysts.write_published(spec, pub)
    return current, trend


def repaired_measures(tables, period, pop, current: pd.DataFrame) -> set[str]:
    """The measures whose figures the repairs to earlier returns changed.

    Computed again with each shortened episode's end as its return gave it: a measure
    whose numerator, denominator or value differs used a repaired row. Episodes left out
    because they end before they start hold no day of care, so are not compared.
    """
    eps = tables.get("Episodes")
    if eps is None or AS_RETURNED not in eps or eps[AS_RETURNED].isna().all():
        return set()
    as_returned = eps.assign(DEC=eps[AS_RETURNED].where(eps[AS_RETURNED].notna(), eps["DEC"]))
    try:
        other = compute_all({**tables, "Episodes": as_returned}, period, pop)
    except Exception:  # the unrepaired history may not compute; then say every measure did
        log.warning("figures could not be computed on the unrepaired history", exc_info=True)
        return set(current["indicator"])
    key = ["indicator", "breakdown"]
    both = current.merge(other, on=key, how="outer", suffixes=("", "_as_returned"))
    differs = pd.Series(False, index=both.index)
    for col in ("numerator", "denominator", "value"):
        a, b = both[col], both[f"{col}_as_returned"]
        differs |= ~((a == b) | (a.isna() & b.isna()))
    return set(both.loc[differs, "indicator"])


def read_summary(history: History) -> pd.DataFrame:
    """Rows per table and return after stitching (counts only: no values, no ids)."""
    counts = {
        name: t.groupby(YEAR).size() if YEAR in t and len(t) else pd.Series(dtype=int)
        for name, t in history.tables.items()
    }
    out = pd.DataFrame(counts).T.reindex(columns=history.years).fillna(0).astype(int)
    out.index.name = "table"
    return out


def problems_table(history: History) -> pd.DataFrame:
    """Every problem reading found: where, and what to do (row numbers counted, no values)."""
    return pd.DataFrame(
        {
            "severity": [p.severity for p in history.problems],
            "file": [p.file for p in history.problems],
            "column": [p.column or "" for p in history.problems],
            "rows": [len(p.rows) for p in history.problems],
            "problem": [p.message for p in history.problems],
        }
    )


def indicator_summary(current: pd.DataFrame) -> pd.DataFrame:
    """The headline figures (no breakdowns), unsuppressed: internal, for the analyst."""
    top = current.loc[
        current["breakdown"] == "", ["indicator", "value", "numerator", "denominator"]
    ]
    return top.set_index("indicator")
