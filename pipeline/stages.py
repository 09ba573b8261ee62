"""One function per stage notebook: each composes the modules for one step of a run.

The stage notebooks (``notebooks/10_clean.ipynb``, ``30_indicators.ipynb``) are thin: they
rebuild the run spec from their parameters and call these. Each function does one stage end
to end (read its inputs from disk, write its outputs), so a stage can be re-run alone.
"""

from __future__ import annotations

import html
import logging
from collections import Counter

import pandas as pd

from pipeline import io
from pipeline.clean import History, build_history
from pipeline.config import RunSpec, spec_from_parameters  # noqa: F401 (for notebooks)
from pipeline.gaps import attainment_gaps
from pipeline.indicators import compute_all, compute_trend
from pipeline.published import published_indicators, write_published
from pipeline.reference import load_comparators
from pipeline.report import Block, data_quality_html
from pipeline.ssda903 import InputError, read_history

log = logging.getLogger(__name__)


def clean(spec: RunSpec) -> History:
    """Read every year's return up to the period, clean, stitch, pseudonymise, write parquet.

    Raises :class:`~pipeline.ssda903.InputError` listing every error found (the read report
    is written first, so the data-quality findings survive a failed run).
    """
    returns = read_history(spec.raw_dir, spec.period.collection_year)
    history = build_history(returns, io.pseudonym_key(spec))
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


def population(spec: RunSpec) -> dict[int, float]:
    """The 0-17 population by mid-year: configuration overrides the ONS reference file."""
    comp = load_comparators(
        spec.paths.reference, spec.la_code, spec.authority.neighbours, spec.authority.region
    )
    return {**comp.population, **spec.authority.population_0_17}


def indicators(spec: RunSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compute every indicator for the period and its trend; write them (unsuppressed)."""
    tables = io.read_tables(spec)
    pop = population(spec)
    years = io.read_json(io.processed_file(spec, "read_report.json")).get("years_read", [])
    current = compute_all(tables, spec.period, pop)
    trend = compute_trend(
        tables, spec.period, spec.settings.trend_years, pop, earliest=years[0] if years else None
    )
    io.write_indicators(spec, current, trend)
    write_published(spec, published_indicators(spec, current))
    gaps = attainment_gaps(tables, spec.period, spec.paths.reference, spec.la_code)
    io.write_private_csv(io.processed_file(spec, "attainment_gaps.csv"), gaps)
    return current, trend


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
