"""Benchmark: where the time goes in producing one authority's reports.

    .venv/bin/python benchmarks/reports.py   (after `make demo`; uses Z03, 2025-26)

Splits one (authority, period) job into kernel start, imports, computing and export, and
times the whole job through the real runner. Prints a Markdown table for
docs/performance.md.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from pipeline import io
from pipeline.orchestrate.jobs import Job, run_job
from pipeline.orchestrate.kernel import execute_notebook
from pipeline.report import export
from pipeline.report import sections as report
from pipeline.spec.runspec import build_run_spec

LA, PERIOD = "Z03", "2025-26"


def seconds(fn) -> float:
    """Wall time of one call."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    """Measure each step and print the table."""
    spec = build_run_spec(LA, PERIOD)
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.ipynb"
        nbformat.write(new_notebook(cells=[new_code_cell("1")]), empty)
        # A kernel start and one trivial cell, through the same papermill path as a report.
        import pipeline.orchestrate.kernel as run_mod

        run_mod.NOTEBOOKS, saved = Path(tmp), run_mod.NOTEBOOKS
        kernel = seconds(lambda: execute_notebook("empty", Path(tmp) / "out.ipynb", {}, "python3"))
        run_mod.NOTEBOOKS = saved
    imports = {}
    for mod in (
        "pipeline.orchestrate.stages",
        "pipeline.report.sections",
        "pipeline.measures.gaps",
    ):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {mod}"], check=True)
        imports[mod] = time.perf_counter() - t0
    baseline = seconds(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
    load = seconds(lambda: report.load(spec))
    data = report.load(spec)
    sections = seconds(
        lambda: [
            report.headlines(data),
            report.trend_figure(data),
            report.education(data),
            report.annex(data),
        ]
    )
    executed = io.notebooks_dir(spec) / "council_report.ipynb"
    html = Path(tempfile.mkdtemp()) / "r.html"
    export_html = seconds(lambda: export.export_html(executed, html, "benchmark"))
    pdf_first = seconds(lambda: export.export_pdf(html, html.with_suffix(".pdf")))
    pdf_next = seconds(lambda: export.export_pdf(html, html.with_suffix(".pdf")))
    # The same job twice in one process: the first pays kernel start and imports (the warm
    # engine's kernel, the browser), the second is what every later job of a worker costs.
    first = run_job(Job(build_run_spec(LA, PERIOD)), force=True)
    t0 = time.perf_counter()
    result = run_job(Job(build_run_spec(LA, PERIOD)), force=True)
    total = time.perf_counter() - t0
    print(f"One job: {LA} {PERIOD}, both editions, HTML and PDF (ok: {result.ok}).\n")
    print("| step | seconds |")
    print("|---|---|")
    print(f"| kernel start + one trivial cell (papermill, new kernel) | {kernel:.2f} |")
    for mod, t in imports.items():
        print(
            f"| `import {mod}` in a fresh interpreter (minus {baseline:.2f} s start) | "
            f"{t - baseline:.2f} |"
        )
    print(f"| computing a report's data (`report.load`: comparators, suppression) | {load:.2f} |")
    print(f"| building the main sections (chart, gaps, annex) | {sections:.2f} |")
    print(f"| nbconvert export to HTML | {export_html:.2f} |")
    print(f"| print to PDF, first in a process (starts Chromium) | {pdf_first:.2f} |")
    print(f"| print to PDF, later (the worker's browser kept) | {pdf_next:.2f} |")
    for step, t in first.timings.items():
        if step == "editions":
            continue
        later = result.timings.get(step, float("nan"))
        print(f"| notebook `{step}`: first job / later job | {t:.2f} / {later:.2f} |")
    print(
        "| **both editions in HTML and PDF** (notebooks, exports overlapping the next "
        f"notebook): first job / later job | **{first.timings['editions']:.2f} / "
        f"{result.timings['editions']:.2f}** |"
    )
    print(f"| **whole job, later** (every stage, both editions, manifest) | **{total:.2f}** |")


if __name__ == "__main__":
    main()
