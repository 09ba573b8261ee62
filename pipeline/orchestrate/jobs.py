"""One job: the stage notebooks in order, then each report edition, staged and published.

A job is one (authority, period): its run spec crosses into each notebook as one JSON
parameter, ``run_spec``. Each executed notebook is kept under
``data/processed/<la>/<period>/notebooks/`` as the audit trail; each edition is exported to
``outputs/<la>/<period>/`` while the next runs. A job's outputs are written to a staging
folder moved into place when complete; a failure never stops another job.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import io
from pipeline.orchestrate.kernel import execute_notebook
from pipeline.orchestrate.manifest import write_manifest
from pipeline.orchestrate.provenance import fingerprint, up_to_date
from pipeline.problems import ConfigError
from pipeline.spec.runspec import RunSpec

log = logging.getLogger(__name__)


STAGES = ("10_clean", "20_validate", "30_indicators")
VALIDATE_STAGES = ("10_clean", "20_validate")
# edition -> (notebook, title, for annual periods (True) or quarters (False))
EDITIONS = {
    "council": ("council_report", "Annual corporate parenting report", True),
    "hwb": ("hwb_report", "Health and Wellbeing Board report on children looked after", True),
    "board": ("board_quarterly", "Corporate Parenting Board performance report", False),
}


def editions_for(period) -> dict[str, tuple[str, str, bool]]:
    """The report editions made for a period: annual editions, or the quarterly one."""
    return {k: v for k, v in EDITIONS.items() if v[2] == period.is_annual}


@dataclass(frozen=True)
class Job:
    """One authority and period: its run spec (built once) and how to run it."""

    spec: RunSpec
    validate_only: bool = False  # data checks only (``corpar validate``): no reports
    rekey: bool = False  # accept a pseudonymisation key other than the last run's

    @property
    def la_code(self) -> str:
        """The authority's code."""
        return self.spec.la_code

    @property
    def period(self) -> str:
        """The period's label (``2025-26``, ``2026-27-Q2``)."""
        return self.spec.period.label


@dataclass
class JobResult:
    """What happened to one job: success, the outputs written, and failure lines."""

    la_code: str
    period: str
    ok: bool = True
    outputs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    skipped: bool = False  # inputs, configuration and code unchanged since the last run
    failed_step: str = ""  # the step (notebook, or "<notebook> export") that failed


def _failure_lines(job: Job, step: str, exc: BaseException) -> list[str]:
    import papermill as pm

    head = f"{job.la_code} {job.period}: {step} failed"
    if isinstance(exc, pm.PapermillExecutionError):
        lines = [ln for ln in str(exc.evalue).splitlines() if ln.strip()]
        return [f"{head}: {exc.ename}: {lines[0] if lines else ''}"] + [
            f"    {ln}" for ln in lines[1:]
        ]
    return [f"{head}: {type(exc).__name__}: {exc}"]


# What a failed step is called on the published failure page.
_STEP_WORDS = {
    "10_clean": "reading and cleaning the returns",
    "20_validate": "the data checks",
    "30_indicators": "computing the indicators",
}


def _step_words(step: str) -> str:
    if step in _STEP_WORDS:
        return _STEP_WORDS[step]
    for edition, (nb, title, _) in EDITIONS.items():
        if step.startswith(nb):
            doing = "exporting" if step.endswith("export") else "making"
            return f"{doing} the {title.lower()} ({edition} edition)"
    return step


def run_job(job: Job, force: bool = False) -> JobResult:
    """Run one job, writing its outputs to a staging folder moved into place when complete.

    Never raises (failures go in the result). One run at a time per authority and period
    (a lock beside its processed folder). Skipped, unless ``force``, when the last run's
    manifest has the same fingerprint and every output it lists is unchanged. A failed job
    leaves the previous outputs as they were, plus a ``data_quality.html`` that says at
    which step it stopped (what to fix).
    """
    from filelock import FileLock, Timeout

    result = JobResult(job.la_code, job.period)
    head = f"{job.la_code} {job.period}"
    try:
        final = job.spec
        key = io.pseudonym_key(final)
        lock_path = final.paths.processed / final.la_code / f".{final.period.label}.lock"
        io.private_dir(lock_path.parent)
        lock = FileLock(lock_path, timeout=0, mode=0o600)  # processed files are owner-only
        lock.acquire()
    except ConfigError as exc:
        result.ok, result.errors = False, [f"{head}: {exc}"]
        return result
    except Timeout:
        result.ok = False
        result.errors = [
            f"{head}: another corpar run of this authority and period is in progress "
            f"(lock {io.quote(str(lock_path))}); wait for it to finish, then run again"
        ]
        return result
    except OSError as exc:
        result.ok, result.errors = False, [f"{head}: {_os_error(exc)}"]
        return result
    try:
        io.check_key(final, key, job.rekey)
        fp = fingerprint(final)
        # A new key (--rekey) re-makes every processed file, and --strict must check every
        # year again, so neither job is skipped.
        if not (force or job.rekey or final.strict or job.validate_only) and up_to_date(final, fp):
            result.skipped = True
            result.outputs = [str(final.output_dir / "run.json")]
            return result
        root = final.output_dir.parent.parent
        root.mkdir(parents=True, exist_ok=True)
        prefix = f".staging-{job.la_code}-{job.period}-"
        # Left by a run that was killed: this job's lock is held, so none is in use.
        for old in [
            *root.glob(prefix + "*"),
            *final.output_dir.parent.glob(f".old-{final.period.label}-*"),
        ]:
            shutil.rmtree(old, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=prefix, dir=root))
        try:
            staged_spec = final.with_outputs(staging)
            _run_steps(job, staged_spec, result, fp)
            if not result.ok:
                stopped = _step_words(result.failed_step)
                quality_page(staged_spec, stopped=stopped, checking=job.validate_only)
            # A data check publishes its page only: it must never replace the reports of
            # the last run (it made none), whatever it found.
            complete = result.ok and not job.validate_only
            _publish(staging / job.la_code / job.period, final.output_dir, result, complete)
            if job.validate_only:
                result.outputs = [str(final.output_dir / "data_quality.html")]
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except ConfigError as exc:
        result.ok, result.errors = False, [f"{head}: {exc}"]
    except OSError as exc:
        result.ok, result.errors = False, [f"{head}: {_os_error(exc)}"]
    finally:
        lock.release()
    return result


def _os_error(exc: OSError) -> str:
    """An operating fault (read-only or full folder ...) as one line, not a traceback."""
    where = f" {io.quote(str(exc.filename))}" if exc.filename else ""
    return (
        f"cannot read or write{where}: {exc.strerror or exc}. Check the folder exists, is "
        "writable and has space, then run again"
    )


def quality_page(spec, stopped: str | None = None, checking: bool = False) -> None:
    """Write the staged ``data_quality.html`` from the stages' records.

    Once the stages have run (before the editions, which link to it) or, with ``stopped``,
    when one failed: the page then says at which step the run stopped.
    """
    from pipeline.report.data_quality import data_quality_html

    record, checks = io.read_record(spec), io.read_checks(spec)
    page = data_quality_html(spec, record, checks, stopped=stopped, checking=checking)
    io.write_public_bytes(io.output_file(spec, "data_quality.html"), page.encode("utf-8"))


def _publish(staged: Path, final: Path, result: JobResult, complete: bool) -> None:
    """Move a complete output folder into place in one rename (the old one goes after).

    An incomplete one is not published; only its ``data_quality.html`` is, so the failure
    line points at a file that says what to fix.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    if not complete:
        dq = staged / "data_quality.html"
        if dq.exists():
            io.write_public_bytes(final / "data_quality.html", dq.read_bytes())
        return
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{os.getpid()}")
        os.replace(final, old)
    os.replace(staged, final)
    if old:
        shutil.rmtree(old, ignore_errors=True)
    result.outputs = [str(final / Path(p).name) for p in result.outputs]


def _run_steps(job: Job, spec, result: JobResult, fp: str) -> None:
    """Run the stage notebooks, then each edition; export an edition while the next runs.

    An edition's HTML and PDF export (nbconvert here, Chromium beside) overlaps the next
    edition's notebook (in the kernel), so a single job uses both cores. Every export has
    finished or failed before this returns: the staging folder is removed after it.
    """
    nb_dir = io.notebooks_dir(spec)
    editions = {} if job.validate_only else editions_for(spec.period)
    stages = VALIDATE_STAGES if job.validate_only else STAGES
    steps = [(s, None) for s in stages] + [(nb, ed) for ed, (nb, _, _) in editions.items()]
    exports = None
    if editions:
        from concurrent.futures import ThreadPoolExecutor

        from pipeline.report.browser import start_browser

        start_browser()  # Chromium starts while the stage notebooks run in the kernel
        exports = ThreadPoolExecutor(max_workers=1, thread_name_prefix="corpar-export")
    pending = []
    first_edition = None
    try:
        for name, edition in steps:
            t0 = time.perf_counter()
            try:
                executed = nb_dir / f"{name}.ipynb"
                execute_notebook(
                    name,
                    executed,
                    {"run_spec": spec.to_json()},
                    spec.settings.kernel_name,
                    spec.settings.kernel_engine,
                )
            except Exception as exc:  # one job's failure must never stop the others
                _failed(job, result, name, exc)
                break
            finally:
                result.timings[name] = round(time.perf_counter() - t0, 2)
            if name == stages[-1]:
                quality_page(spec, checking=job.validate_only)
            if edition:
                first_edition = first_edition or t0
                pending.append((name, exports.submit(_export_edition, spec, edition, executed)))
    finally:
        try:
            for name, done in pending:
                try:
                    outputs = done.result()
                except Exception as exc:
                    if result.ok:
                        _failed(job, result, f"{name} export", exc)
                    continue
                result.outputs += outputs
        finally:
            if exports is not None:
                # Even on Ctrl-C: no export may still be writing when the caller removes
                # the staging folder. Queued exports are dropped; a running one finishes.
                exports.shutdown(wait=True, cancel_futures=True)
                from pipeline.report.browser import release_print_page

                release_print_page()  # the job's page, not held while the next job's stages run
    if first_edition is not None and result.ok:
        # Every edition's notebook, HTML and PDF, from the first notebook's start.
        result.timings["editions"] = round(time.perf_counter() - first_edition, 2)
    if result.ok and job.validate_only:
        # A trial of stage 30 (nothing written): the check must find whatever would stop
        # the run there, and say it in the same words.
        try:
            from pipeline.orchestrate.stages import indicators_computable

            indicators_computable(spec)
        except Exception as exc:
            _failed(job, result, "30_indicators", exc)
    if result.ok and job.validate_only:
        result.outputs.append(str(io.output_file(spec, "data_quality.html")))
    elif result.ok:
        write_manifest(spec, list(editions_for(spec.period)), result.timings, fp)
        result.outputs.append(str(io.output_file(spec, "run.json")))


def _failed(job: Job, result: JobResult, step: str, exc: BaseException) -> None:
    result.ok = False
    result.failed_step = step
    result.errors = _failure_lines(job, step, exc)
    log.debug("job %s %s failed at %s", job.la_code, job.period, step, exc_info=True)


def _export_edition(spec, edition: str, executed: Path) -> list[str]:
    """An executed edition's HTML and PDF in the job's output folder."""
    from pipeline.report.export import export_html, export_pdf

    title = f"{EDITIONS[edition][1]}: {spec.authority.name}, {spec.period.name}"
    out = io.output_file(spec, io.report_name(spec, edition, "html"))
    export_html(executed, out, title)
    pdf = export_pdf(out, out.with_suffix(".pdf"))
    return [str(out), str(pdf)]
