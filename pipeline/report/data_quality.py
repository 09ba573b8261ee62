"""``data_quality.html``: what reading, cleaning and the data checks found, in counts.

The page is for the analyst, written beside the reports (or instead of them when a run
stops); it names files, columns and rules, never a child's row.
"""

from __future__ import annotations

import json

from pipeline import io, schema
from pipeline.measures.registry import REGISTRY, touched_by
from pipeline.records import CheckRecord, ReadRecord
from pipeline.report.blocks import TEMPLATES, esc, heading, html_table
from pipeline.report.commentary import SLOTS, not_for_members
from pipeline.spec.runspec import RunSpec


def repairs_paragraph(record: ReadRecord) -> str:
    """What the repair rules changed in earlier returns, in words (empty when nothing)."""
    if not record.repairs:
        return ""
    said = " ".join(esc(r.sentence) for r in record.repairs)
    return (
        "<p>Earlier years' returns, already submitted, disagreed where they were combined "
        f"and were repaired by written rules: {said} The period's own return was not "
        "changed. Measures whose figures for this period the repairs changed, if any, are "
        "marked \"repaired history\" in the report's tables; the trend's earlier years use "
        "the repaired episodes.</p>"
    )


def analyst_notes(spec: RunSpec) -> list[str]:
    """What the analyst should know that members must never read (for data_quality.html)."""
    notes = []
    for kind, name in SLOTS.items():
        text = io.commentary_text(spec, kind)
        why = not_for_members(text) if text else None
        if why:
            notes.append(
                f"The {name.lower()} text (config/commentary/{spec.la_code}/.../{kind}.md) was "
                f"not printed: {why}. Replace it with the words for this report."
            )
    if not spec.period.is_annual and not spec.authority.actions:
        notes.append(
            f"No action plan is recorded (config/action_plans/{spec.la_code}.yml): the board "
            "report has no action plan section."
        )
    checks = io.processed_file(spec, "comparator_checks.json")
    if checks.is_file():
        for problem in json.loads(checks.read_text()):
            notes.append(f"A DfE comparator contradicts another and is not shown: {problem}.")
    if not spec.authority.targets:
        notes.append(
            f"No targets are set for {spec.la_code} (config/authorities.yml): measures are not "
            "rated."
        )
    return notes


def data_quality_html(
    spec: RunSpec,
    record: ReadRecord,
    validation: CheckRecord | None = None,
    stopped: str | None = None,
    checking: bool = False,
) -> str:
    """``data_quality.html``: what reading and cleaning found, in counts (no child rows).

    For each problem: its severity, file, column, how many rows, and what to do. Rows that
    could not be used are counted by table and reason. The row-level list stays internal
    (``data/processed/<la>/<period>/rejected_rows.csv``). ``stopped`` names the step at
    which a run failed: the page then says no report was published, whatever it found
    (``checking``: the run was ``corpar validate``, which makes no report).
    """
    problems = record.problems
    title = f"Data quality: {spec.authority.name}, {spec.period.label}"
    n_err, n_warn = record.errors, len(problems) - record.errors
    verdict = (
        "The data cannot support the report until the errors below are fixed."
        if n_err
        else "No errors: the data can support the report. Warnings are listed below."
    )
    table_of = {f.file: f.table for f in record.files}
    rows = [
        [
            p.severity.capitalize(),
            p.file,
            p.column or "",
            len(p.rows) or "",
            p.message,
            figures_touched(table_of.get(p.file), p.column) if p.column else "",
        ]
        for p in problems
    ]
    problems_table = (
        html_table(
            "What reading the 903 files found",
            ["Severity", "File", "Column", "Rows", "What to do", "Figures it touches"],
            rows,
            numeric={3},
            cls="quality",
        )
        if rows
        else "<p>Nothing to report.</p>"
    )
    rejected = record.rejected_rows
    rejected_table = (
        html_table(
            "Rows that could not be used (kept, and counted here)",
            ["Table", "Reason", "Rows"],
            [[r.table, r.reason, f"{r.rows:,}"] for r in rejected],
            numeric_from=2,
        )
        if rejected
        else "<p>Every row was used.</p>"
    )
    files_table = html_table(
        "Files read",
        ["File", "903 tables", "Rows", "Form"],
        [[f.file, f.table or "not used", f"{f.rows:,}", f.encoding or ""] for f in record.files],
        numeric_from=2,
    )
    checks_html = _checks_html(validation)
    repairs = record.repairs
    repairs_html = (
        heading("Repairs to earlier returns")
        + repairs_paragraph(record)
        + html_table(
            "Rows repaired, by rule (docs/validation.md)",
            ["Return", "DfE rule", "What was done", "Rows", "Files"],
            [
                [
                    r.year,
                    r.dfe_rule,
                    r.sentence,
                    f"{r.count:,}",
                    "; ".join(
                        f"{f}, row{'s' if len(rows) > 1 else ''} "
                        + ", ".join(str(n) for n in rows[:10])
                        + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
                        for f, rows in r.rows.items()
                    ),
                ]
                for r in repairs
            ],
            numeric={3},
        )
        if repairs
        else ""
    )
    notes = analyst_notes(spec)
    notes_html = (
        heading("For the analyst") + "<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>"
        if notes
        else ""
    )
    if validation and validation.summary["checks_failed_critical"]:
        verdict = (
            "Critical data checks failed: the data cannot support the report until they are "
            "fixed (see Data checks)."
        )
    if stopped:
        failed_checks = bool(validation and validation.summary["checks_failed_critical"])
        what = (
            f"corpar validate stopped at {stopped}: no report can be made from this data "
            "as it is (reports in this folder, from an earlier run, are unchanged). "
            if checking
            else f"The run stopped at {stopped}, so no report was published for this period "
            "(any earlier reports in this folder are unchanged). "
        )
        verdict = what + (verdict if n_err or failed_checks else "The run's error output says why.")
    css = (TEMPLATES / "corpar" / "report.css").read_text()
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><meta name='
        f'"viewport" content="width=device-width, initial-scale=1.0"><title>{esc(title)}'
        f"</title><style>{css}</style></head><body><main><h1>{esc(title)}</h1>"
        f'<p class="lede">{esc(verdict)} Returns read: {esc(", ".join(record.years_read))}. '
        f"{n_err} error(s), {n_warn} warning(s), "
        f"{record.rejected:,} row(s) not used.</p>"
        f"{notes_html}{heading('Problems')}{problems_table}{checks_html}{repairs_html}"
        f"{heading('Rows not used')}{rejected_table}"
        f'{heading("Files")}{files_table}<p class="meta">Row numbers and child-level '
        "detail are in the internal rejected_rows.csv, read_report.json, validation.json and "
        "validation_rows.csv under data/processed, never here."
        "</p></main></body></html>"
    )


def check_columns(column: str) -> list[str]:
    """The 903 columns a check's column names: itself, its parts, or what it was worked from.

    A check on no one column (blank) concerns whole rows: it is taken as CHILD, which touches
    every figure that reads the table.

    >>> check_columns("REC"), check_columns("CHILD, MIS_START"), check_columns("")
    (['REC'], ['CHILD', 'MIS_START'], ['CHILD'])
    >>> check_columns("_age_at_decom")
    ['DOB', 'DECOM']
    """
    if not column.strip():
        return ["CHILD"]
    if not column.startswith("_"):
        return [c.strip() for c in column.split(",") if c.strip()]
    words = column[1:].upper().split("_")
    known = [w for w in words if w in schema.KNOWN_COLUMNS]
    return (["DOB"] if "AGE" in words else []) + known


def figures_touched(table: str | None, column: str | None) -> str:
    """The titles of the figures that read the column a problem was found in, or "none"."""
    if not table or column is None:
        return ""
    ids = touched_by(table, check_columns(column))
    if not ids:
        return "none"
    if len(ids) == 1:
        return REGISTRY[ids[0]].title
    others = [i for i in REGISTRY if i not in ids]
    if len(others) < len(ids):  # most figures: the few it leaves alone are the shorter list
        return f"{len(ids)} of {len(REGISTRY)} figures: all but " + "; ".join(
            REGISTRY[i].title for i in others
        )
    return f"{len(ids)} figures: " + "; ".join(REGISTRY[i].title for i in ids)


def _checks_html(validation: CheckRecord | None) -> str:
    """The data checks section of ``data_quality.html``: failed checks in counts only."""
    if not validation:
        return ""
    summ = validation.summary
    failed = [c for c in validation.checks if c["rows_failing"]]
    order = {"critical": 0, "warning": 1}
    failed.sort(key=lambda c: (order.get(c["severity"], 2), c["collection_year"], c["table"]))
    rows = [
        [
            c["severity"].capitalize(),
            c["dfe_rule"] or "-",
            f"{c['table']} ({c['collection_year']})",
            schema.column_words(c["column"]),
            c["message"],
            c["action"],
            f"{c['rows_failing']:,}",
            figures_touched(c["table"], c["column"]),
        ]
        for c in failed
    ]
    table = (
        html_table(
            "Checks that failed, most serious first",
            [
                "Severity",
                "DfE rule",
                "Table (return)",
                "Column",
                "What failed",
                "What to do",
                "Rows",
                "Figures it touches",
            ],
            rows,
            numeric={6},
            cls="quality",
        )
        if rows
        else "<p>Every check passed.</p>"
    )
    return (
        heading("Data checks")
        + f"<p>{summ['checks_run']:,} checks (the DfE validation rules most relevant to the "
        f"report, and corpar's own) were run on the latest returns and on the combined "
        f"history: {summ['checks_failed_critical']} critical and "
        f"{summ['checks_failed_warning']} warning check(s) failed, on "
        f"{summ['rows_failing_critical'] + summ['rows_failing_warning']:,} row(s). Critical "
        "checks stop the report; warnings do not, and the rows are still used.</p>" + table
    )
