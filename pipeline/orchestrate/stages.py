"""One function per stage notebook: each composes the modules for one step of a run.

The stage notebooks (``notebooks/10_clean``, ``20_validate``, ``30_indicators``) are thin:
they read the job's run spec from their one parameter (:func:`load_spec`) and call these.
Each function does one stage end to end (read its inputs from disk, write its outputs), so a
stage can be re-run alone.
"""

from __future__ import annotations

import logging

import pandas as pd

from pipeline import io
from pipeline.clean.history import History, build_history
from pipeline.clean.repairs import AS_RETURNED
from pipeline.measures.gaps import attainment_gaps
from pipeline.measures.registry import compute_all, compute_trend
from pipeline.problems import YEAR, Problem, quote
from pipeline.publish import published
from pipeline.read.reference import Comparators, load_comparators
from pipeline.read.returns import InputError, collection_years, read_history
from pipeline.records import CheckRecord, ReadRecord
from pipeline.report.data_quality import data_quality_html
from pipeline.spec.runspec import (
    RunSpec,
    load_spec,  # noqa: F401 (for notebooks)
)

log = logging.getLogger(__name__)


def clean(spec: RunSpec) -> History:
    """Read every year's return up to the period, clean, stitch, pseudonymise, write parquet.

    Earlier returns are repaired by the rules in :mod:`pipeline.clean.repairs` unless the run
    is strict (``corpar run --strict``).

    Raises :class:`~pipeline.read.returns.InputError` listing every error found (the read report
    is written first, so the data-quality findings survive a failed run).
    """
    returns = read_history(spec.raw_dir, spec.period.collection_year)
    history = build_history(returns, io.pseudonym_key(spec), repair=not spec.strict)
    record = io.write_history(spec, history)
    io.write_public_bytes(
        io.output_file(spec, "data_quality.html"),
        data_quality_html(spec, record).encode("utf-8"),
    )
    errors = [p for p in history.problems if p.severity == "error"]
    if errors:
        raise InputError(errors)
    return history


def validate(spec: RunSpec):
    """Run the data checks (Great Expectations suites in ``expectations/``) for the period.

    Writes ``validation.json`` and the internal row list to ``data/processed/...`` and the
    count-only ``data_quality.html`` to ``outputs/...``, then raises
    :class:`~pipeline.checks.validate.ValidationError` when a critical check failed.
    """
    from pipeline.checks import validate as checks

    years = checks.years_checked(spec.period)
    record = io.read_record(spec)
    # The checks read the latest returns again, as returned: they look at fields the
    # processed tables never hold (postcodes are dropped at cleaning), and those must not
    # be kept on disk between stages. They must be the very bytes the figures came from.
    returns = read_history(spec.raw_dir, spec.period.collection_year, latest=years)
    _same_files_as_read(record, returns)
    # The stitched tables' first year (the history checks need it): from the read record,
    # else the earliest year folder; never the first of ``returns``, only the latest years.
    first_year = (record.years_read or collection_years(spec.raw_dir, spec.period.collection_year))[
        0
    ]
    result = checks.validate(
        returns,
        io.read_tables(spec),
        io.pseudonym_key(spec),
        years=years,
        first_year=first_year,
    )
    findings = checks.findings_json(result)
    io.write_validation(spec, findings, checks.findings_rows(result))
    io.write_public_bytes(
        io.output_file(spec, "data_quality.html"),
        data_quality_html(spec, record, CheckRecord.model_validate(findings)).encode("utf-8"),
    )
    if result.critical:
        raise checks.ValidationError(spec.la_code, spec.period.label, result.critical)
    return result


def _same_files_as_read(record: ReadRecord, returns) -> None:
    """Stop when a return's files changed after the reading stage read them.

    Otherwise the checks would describe other bytes than the figures (a file replaced while
    a run was going). Skipped when the reading stage left no record (a stage run alone).
    """
    if not record.files:
        return
    now = {f.file: f.sha256 for ret in returns for f in ret.files}
    before = record.files_of([ret.year for ret in returns])
    changed = sorted(f for f in now.keys() | before.keys() if now.get(f) != before.get(f))
    if changed:
        raise InputError(
            [
                Problem(
                    "error",
                    quote(f),
                    "changed, appeared or went after this run read the returns: leave the "
                    "raw folder alone while a run reads it, then run again",
                )
                for f in changed
            ]
        )


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
    published.write_published(spec, pub.current)
    if pub.comparator_problems:  # left out of comparisons: the analyst's page says which
        record, checks = io.read_record(spec), io.read_checks(spec)
        io.write_public_bytes(
            io.output_file(spec, "data_quality.html"),
            data_quality_html(spec, record, checks).encode(),
        )
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
