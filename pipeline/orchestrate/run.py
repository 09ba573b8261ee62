"""Orchestration: run the stage and report notebooks with papermill, per authority and period.

A job is one (authority, period): the stage notebooks in order, then each report edition,
each executed copy kept under ``data/processed/<la>/<period>/notebooks/`` as the audit trail,
then the export of each edition to ``outputs/<la>/<period>/``. Jobs run in a process pool;
one job's failure never stops another. The job's run spec crosses into each notebook as one
JSON parameter, ``run_spec``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import platform
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from pipeline import io, resources
from pipeline.problems import ConfigError
from pipeline.read.returns import sha256_file
from pipeline.spec.runspec import RunSpec

log = logging.getLogger(__name__)

NOTEBOOKS = resources.path("notebooks")  # package data: see pipeline/resources.py
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


_KERNEL_START_ERRORS = (
    "Address already in use",
    "Kernel died before replying",
    "Kernel didn't respond",
)


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


def _quiet_kernel_manager(stderr_log: Path):
    """A kernel manager whose kernel writes its stderr to ``stderr_log``, not the terminal.

    ipykernel prints start-up and shutdown chatter there ("KeyboardInterrupt caught in
    kernel" when a notebook stops on an error) that would bury the one clear failure line.
    The log is kept beside the executed notebook for whoever debugs a crashed kernel.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw):
            # Popen hands the descriptor to the kernel; this process's copy can close.
            # Owner-only, like everything else under data/processed.
            fd = os.open(stderr_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "ab") as log_file:
                return await super().start_kernel(stderr=log_file, **kw)

    return QuietKernelManager


def _is_kernel_start_failure(exc: BaseException) -> bool:
    return any(s in str(exc) for s in _KERNEL_START_ERRORS)


def execute_notebook(
    name: str,
    out_path: Path,
    parameters: dict[str, str],
    kernel_name: str,
    engine: str = "nbclient",
) -> None:
    """Execute ``notebooks/<name>.ipynb`` with papermill into ``out_path``.

    Each execution gets its own Jupyter runtime folder (connection files do not collide
    between parallel runs), and a kernel start that loses a race for a port is retried once.
    """
    import papermill as pm

    out_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for attempt in (1, 2):
        with tempfile.TemporaryDirectory(prefix="corpar-kernel-") as runtime:
            os.environ["JUPYTER_RUNTIME_DIR"] = runtime
            try:
                pm.execute_notebook(
                    str(NOTEBOOKS / f"{name}.ipynb"),
                    str(out_path),
                    parameters=parameters,
                    kernel_name=kernel_name,
                    progress_bar=False,
                    # The kernel starts in the job's own private folder: the notebooks may
                    # be in a read-only install, and they name every path they use anyway.
                    cwd=str(out_path.parent),
                    # ipykernel 7 warns about TCP on every start: quiet it. No input
                    # history: each kernel (and each warm reset) would otherwise write
                    # every cell to one shared SQLite file, ~/.ipython's history.sqlite.
                    extra_arguments=[
                        "--IPKernelApp.log_level=ERROR",
                        "--HistoryManager.enabled=False",
                    ],
                    kernel_manager_class=_quiet_kernel_manager(
                        out_path.with_suffix(".log")
                        if engine == "nbclient"
                        # A warm kernel outlives this notebook: its log is the process's.
                        else Path(tempfile.gettempdir()) / f"corpar-kernel-{os.getpid()}.log"
                    ),
                    engine_name=engine,
                )
                os.chmod(out_path, 0o600)
                return
            except pm.PapermillExecutionError:
                raise
            except (RuntimeError, TimeoutError) as exc:
                if attempt == 1 and _is_kernel_start_failure(exc):
                    log.warning("kernel start failed for %s (%s); retrying once", name, exc)
                    continue
                raise


def _failure_lines(job: Job, step: str, exc: BaseException) -> list[str]:
    import papermill as pm

    head = f"{job.la_code} {job.period}: {step} failed"
    if isinstance(exc, pm.PapermillExecutionError):
        lines = [ln for ln in str(exc.evalue).splitlines() if ln.strip()]
        return [f"{head}: {exc.ename}: {lines[0] if lines else ''}"] + [
            f"    {ln}" for ln in lines[1:]
        ]
    return [f"{head}: {type(exc).__name__}: {exc}"]


def fingerprint(spec) -> str:
    """Hash what a job's outputs depend on.

    Every input file (sha256), the configuration that applies to the authority, the data
    checks, and the code version.

    Two runs with the same fingerprint produce the same reports, so the second is skipped.
    """
    h = hashlib.sha256()

    def add_tree(label: str, root: Path, files) -> None:
        for f in sorted(files):
            if f.is_file():
                h.update(f"{label}:{f.relative_to(root).as_posix()}:".encode())
                h.update(sha256_file(f).encode())

    raw = spec.raw_dir
    if raw.is_dir():
        years = [d for d in raw.iterdir() if d.is_dir() and d.name <= spec.period.collection_year]
        add_tree("raw", raw, [f for d in years for f in d.rglob("*")])
    ref = spec.paths.reference
    if ref.is_dir():
        add_tree("reference", ref, ref.rglob("*"))
    cfg = spec.config_dir
    add_tree(
        "config",
        cfg,
        [
            cfg / "authorities.yml",
            cfg / "settings.yml",
            cfg / "action_plans" / f"{spec.la_code}.yml",
        ]
        + list((cfg / "commentary" / spec.la_code).glob("*")),
    )
    suites = resources.path("expectations")
    add_tree("expectations", suites, suites.rglob("*.json"))
    h.update(f"code:{_versions().get('corpar')}:{_code_sha256()}".encode())
    return h.hexdigest()


def _up_to_date(spec, fp: str) -> bool:
    # Every output must be the very file the manifest recorded: a failure page published
    # since (data_quality.html replaced) means the folder no longer says what run.json says.
    manifest = io.read_json(spec.output_dir / "run.json")
    hashes = manifest.get("output_sha256") or {}
    return (
        manifest.get("fingerprint") == fp
        and bool(hashes)
        and all(
            (spec.output_dir / name).is_file() and sha256_file(spec.output_dir / name) == h
            for name, h in hashes.items()
        )
    )


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
        if not (force or job.rekey or final.strict or job.validate_only) and _up_to_date(final, fp):
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
                _failure_page(staged_spec, result.failed_step, job.validate_only)
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


def _failure_page(spec, step: str, checking: bool = False) -> None:
    """Rewrite the staged ``data_quality.html`` to say the run stopped, and where."""
    from pipeline.report.editions import data_quality_html

    report = io.read_json(io.processed_file(spec, "read_report.json"))
    validation = io.read_json(io.processed_file(spec, "validation.json")) or None
    page = data_quality_html(
        spec,
        report,
        report.get("years_read", []),
        validation,
        stopped=_step_words(step),
        checking=checking,
    )
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

        from pipeline.report.editions import start_browser

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
                from pipeline.report.editions import release_print_page

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
        write_manifest(spec, job, result, fp)
        result.outputs.append(str(io.output_file(spec, "run.json")))


def _failed(job: Job, result: JobResult, step: str, exc: BaseException) -> None:
    result.ok = False
    result.failed_step = step
    result.errors = _failure_lines(job, step, exc)
    log.debug("job %s %s failed at %s", job.la_code, job.period, step, exc_info=True)


def _export_edition(spec, edition: str, executed: Path) -> list[str]:
    """An executed edition's HTML and PDF in the job's output folder."""
    from pipeline.report.editions import export_html, export_pdf

    title = f"{EDITIONS[edition][1]}: {spec.authority.name}, {spec.period.label}"
    out = io.output_file(spec, io.report_name(spec, edition, "html"))
    export_html(executed, out, title)
    pdf = export_pdf(out, out.with_suffix(".pdf"))
    return [str(out), str(pdf)]


# The code's commit and package versions are read once per process: what a process runs
# is what it imported at its start, whatever is installed or checked out later.
@cache
def _code_sha256() -> str:
    """The package's code, notebooks and templates, hashed.

    An installed copy has no commit, and a clone can have uncommitted changes: whether the
    code is unchanged since the last run is judged from the code itself.
    """
    h = hashlib.sha256()
    files = [
        *resources.PACKAGE.rglob("*.py"),
        *(resources.PACKAGE / "report" / "templates").rglob("*"),
        *NOTEBOOKS.glob("*.ipynb"),
    ]
    for f in sorted(files):
        if f.is_file():
            name = (
                f.relative_to(resources.PACKAGE) if f.is_relative_to(resources.PACKAGE) else f.name
            )
            h.update(f"{name}:{sha256_file(f)}".encode())
    return h.hexdigest()


@cache
def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in (
        "corpar",
        "pandas",
        "numpy",
        "scipy",
        "papermill",
        "nbconvert",
        "ipykernel",
        "matplotlib",
        "seaborn",
        "pyarrow",
    ):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def write_manifest(spec, job: Job, result: JobResult, fp: str = "") -> None:
    """``outputs/<la>/<period>/run.json``: what was run, on what, with what, how long.

    Input files are named relative to the raw folder with their sha256, so a figure can be
    traced to the exact files; no row-level content is written.
    """
    report = io.read_json(io.processed_file(spec, "read_report.json"))
    problems = report.get("problems", [])
    manifest = {
        "la_code": spec.la_code,
        "authority": spec.authority.name,
        "period": spec.period.label,
        "period_start": spec.period.start.isoformat(),
        "period_end": spec.period.end.isoformat(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "editions": sorted(editions_for(spec.period)),
        "outputs": sorted(p.name for p in spec.output_dir.iterdir() if p.is_file()) + ["run.json"],
        # What a later run checks before it skips: each published file as this run left it.
        "output_sha256": {
            p.name: sha256_file(p) for p in sorted(spec.output_dir.iterdir()) if p.is_file()
        },
        "inputs": [
            {k: f[k] for k in ("file", "sha256", "table", "rows", "encoding")}
            for f in report.get("files", [])
        ],
        "years_read": report.get("years_read", []),
        "checks": {
            "errors": sum(p["severity"] == "error" for p in problems),
            "warnings": sum(p["severity"] == "warning" for p in problems),
            "rejected_rows": sum(r["rows"] for r in report.get("rejected_rows", [])),
        },
        "data_checks": io.read_json(io.processed_file(spec, "validation.json")).get("summary", {}),
        "settings": {
            "suppress_min": spec.settings.suppress_min,
            "suppress_max": spec.settings.suppress_max,
            "trend_years": spec.settings.trend_years,
        },
        "versions": dict(_versions()),
        # None for an installed package, which has no commit; "code" says which it was.
        "git_commit": resources.git_commit(),
        "code": resources.code_description(_versions().get("corpar", "")),
        "fingerprint": fp,
        "timings_seconds": result.timings,
    }
    io.write_public_bytes(
        io.output_file(spec, "run.json"), json.dumps(manifest, indent=1).encode("utf-8")
    )


_SPAWN = multiprocessing.get_context("spawn")


def run_jobs(
    jobs: list[Job],
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = False,
) -> list[JobResult]:
    """Run jobs in parallel; results in job order. One job's failure never stops another.

    The default is a local process pool sized to the cores. With ``scheduler`` (an address
    such as ``tcp://host:8786``) the same jobs go to an existing Dask distributed cluster
    through its own ``Client.map``; its workers need corpar installed and the data paths
    mounted at the same places.
    """
    if not jobs:
        return []
    bar = _progress(len(jobs), progress)
    try:
        if scheduler:
            return _run_on_dask(jobs, scheduler, force, bar)
        workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
        if workers == 1:
            results = []
            for j in jobs:
                results.append(run_job(j, force))
                bar.update(1)
            return results
        # Workers are spawned, not forked: a fork would inherit this process's warm kernel,
        # browser and their threads (as after an earlier in-process run) and fail on them.
        with ProcessPoolExecutor(max_workers=workers, mp_context=_SPAWN) as pool:
            futures = {pool.submit(run_job, j, force): i for i, j in enumerate(jobs)}
            results: list[JobResult | None] = [None] * len(jobs)
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                bar.update(1)
            return results  # type: ignore[return-value]
    finally:
        bar.close()


def _run_on_dask(jobs: list[Job], scheduler: str, force: bool, bar) -> list[JobResult]:
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    with Client(scheduler) as client:
        futures = client.map(run_job, jobs, force=force, pure=False)
        for _ in dask_completed(futures):
            bar.update(1)
        return client.gather(futures)


def _progress(total: int, show: bool):
    """A tqdm progress bar on stderr (a silent one when ``show`` is false)."""
    from tqdm import tqdm

    return tqdm(total=total, desc="jobs", unit="job", disable=not show, file=sys.stderr)
