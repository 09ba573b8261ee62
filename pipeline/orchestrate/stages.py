"""One function per stage notebook: each composes the modules for one step of a run.

The stage notebooks (``notebooks/10_clean``, ``20_validate``, ``30_indicators``) are thin:
they read the job's run spec from their one parameter (:func:`load_spec`) and call these.
Each function does one stage end to end (read its inputs from disk, write its outputs), so a
stage can be re-run alone.
"""

from __future__ import annotations

import html
import logging
from collections import Counter

import pandas as pd

from pipeline import io
from pipeline.clean.history import History, build_history
from pipeline.clean.repairs import AS_RETURNED
from pipeline.measures.gaps import attainment_gaps
from pipeline.measures.registry import compute_all, compute_trend
from pipeline.publish import published
from pipeline.read.reference import load_comparators
from pipeline.read.returns import InputError, collection_years, read_history
from pipeline.report.editions import Block, data_quality_html
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
    io.write_history(spec, history)
    report = io.read_json(io.processed_file(spec, "read_report.json"))
    io.write_public_bytes(
        io.output_file(spec, "data_quality.html"),
        data_quality_html(spec, report, history.years).encode("utf-8"),
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
    returns = read_history(spec.raw_dir, spec.period.collection_year, latest=years)
    report = io.read_json(io.processed_file(spec, "read_report.json"))
    # The stitched tables' first year (the history checks need it): from the read report,
    # else the earliest year folder; never the first of ``returns``, only the latest years.
    first_year = (
        report.get("years_read") or collection_years(spec.raw_dir, spec.period.collection_year)
    )[0]
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
        data_quality_html(spec, report, report.get("years_read", []), findings).encode("utf-8"),
    )
    if result.critical:
        raise checks.ValidationError(spec.la_code, spec.period.label, result.critical)
    return result


def validation_summary(result) -> Block:
    """The data checks in counts (no values, no ids): for the executed notebook."""
    s = result.summary()
    failed = "".join(
        f"<tr><td>{html.escape(f.severity)}</td><td>{html.escape(f.rule)}</td>"
        f"<td>{html.escape(f.year)} {html.escape(f.table)}</td><td>{html.escape(f.message)}"
        f"</td><td>{f.failing:,}</td></tr>"
        for f in result.findings
        if f.failing
    )
    return Block(
        f"<p>{s['checks_run']:,} checks run: "
        f"{s['checks_failed_critical']} critical and {s['checks_failed_warning']} warning "
        f"check(s) failed.</p><table><caption>Checks that failed</caption><thead><tr>"
        '<th scope="col">Severity</th><th scope="col">DfE rule</th><th scope="col">Return'
        '</th><th scope="col">What failed</th><th scope="col">Rows</th></tr></thead>'
        f"<tbody>{failed}</tbody></table>"
    )


def population(spec: RunSpec) -> dict[int, float]:
    """The 0-17 population by mid-year: configuration overrides the ONS reference file."""
    comp = load_comparators(
        spec.paths.reference, spec.la_code, spec.authority.neighbours, spec.authority.region
    )
    return {**comp.population, **spec.authority.population_0_17}


def _trend(spec: RunSpec, tables: dict[str, pd.DataFrame], pop: dict[int, float]) -> pd.DataFrame:
    years = io.read_json(io.processed_file(spec, "read_report.json")).get("years_read", [])
    return compute_trend(
        tables, spec.period, spec.settings.trend_years, pop, earliest=years[0] if years else None
    )


def indicators_computable(spec: RunSpec) -> None:
    """Compute every indicator and its trend as stage 30 does, writing nothing.

    ``corpar validate`` runs it after the data checks, so whatever would stop stage 30
    (an :class:`~pipeline.measures.registry.IndicatorError`, naming the indicator) stops the
    check too, before anyone relies on it.
    """
    _trend(spec, io.read_tables(spec), population(spec))


def indicators(spec: RunSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compute every indicator for the period and its trend; write them (unsuppressed)."""
    tables = io.read_tables(spec)
    pop = population(spec)
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
    pub = published.build(spec, current, trend, gaps)
    pub.current["repaired"] = pub.current["indicator"].isin(
        repaired_measures(tables, spec.period, pop, current)
    )
    published.write_publication(spec, pub)
    published.write_published(spec, pub.current)
    if pub.comparator_problems:  # left out of comparisons: the analyst's page says which
        report = io.read_json(io.processed_file(spec, "read_report.json"))
        validation = io.read_json(io.processed_file(spec, "validation.json")) or None
        io.write_public_bytes(
            io.output_file(spec, "data_quality.html"),
            data_quality_html(spec, report, report.get("years_read", []), validation).encode(),
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


def read_summary(history: History) -> Block:
    """What was read, in counts only (no values, no ids): for the executed notebook."""
    rows = "".join(
        f'<tr><th scope="row">{html.escape(n)}</th><td>{len(t):,}</td></tr>'
        for n, t in history.tables.items()
    )
    sev = Counter(p.severity for p in history.problems)
    return Block(
        f"<p>Years read: {', '.join(history.years)}. Problems: {sev['error']} "
        f"error(s), {sev['warning']} warning(s). Rows not used: "
        f"{len(history.rejected):,}.</p><table><caption>Rows per table after "
        f'stitching</caption><thead><tr><th scope="col">Table</th><th scope="col">'
        f"Rows</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def indicator_summary(current: pd.DataFrame) -> Block:
    """The headline rows (no breakdowns) as a small table, for the executed notebook."""
    top = current[current["breakdown"] == ""]
    rows = "".join(
        f'<tr><th scope="row">{html.escape(r.indicator)}</th><td>{r.value}</td></tr>'
        for r in top.itertuples()
    )
    return Block(
        f"<table><caption>Indicators (unsuppressed, internal)</caption><thead><tr>"
        f'<th scope="col">Indicator</th><th scope="col">Value</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )
