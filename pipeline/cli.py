"""The ``corpar`` command line: init, demo, synth, run, validate.

Exit code 0 when every requested report was produced; otherwise 1, with one clear line per
failure (and the problems under it). A usage or configuration error exits 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import sys
import threading
import time
from datetime import date
from pathlib import Path

from pipeline import io
from pipeline.orchestrate.jobs import Job, JobResult
from pipeline.orchestrate.pool import run_jobs
from pipeline.problems import ConfigError
from pipeline.spec import project
from pipeline.spec.config import Config, load_config, validate_la_code
from pipeline.spec.period import Period, latest_complete_period, parse_period
from pipeline.spec.runspec import RunSpec, folders, make_spec, project_dir

log = logging.getLogger("corpar")

DEMO_PERIOD = "2025-26"
# The quarter the synthetic year-to-date extract (to 30 September 2026) supports.
DEMO_QUARTER = "2026-27-Q2"
# Where the demo and ``corpar synth`` put the synthetic reference tables, in the project.
SYNTHETIC_REFERENCE = "data/reference/synthetic"


def _project(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--project",
        default="",
        help="the project folder, which holds config/, data/ and outputs/ (default: the "
        "current folder)",
    )


def _common(p: argparse.ArgumentParser) -> None:
    _project(p)
    p.add_argument("--config", default="", help="configuration folder (default: config/)")
    p.add_argument("--raw-dir", default="", help="raw 903 folders (default: data/raw)")
    p.add_argument("--reference-dir", default="", help="DfE reference tables (data/reference)")
    p.add_argument("--processed-dir", default="", help="internal outputs (data/processed)")
    p.add_argument("--output-dir", default="", help="published outputs (outputs)")
    p.add_argument("--workers", type=int, default=None, help="parallel jobs (default: cores)")
    p.add_argument(
        "--scheduler",
        default="",
        help="send the jobs to an existing Dask cluster, e.g. tcp://host:8786 (workers need "
        "corpar installed and the data folders at the same paths)",
    )
    p.add_argument(
        "--rekey",
        action="store_true",
        help="accept a pseudonymisation key other than the one the processed files were made "
        "with (every pseudonym changes)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="more logging")


def parser() -> argparse.ArgumentParser:
    """The argument parser (also used to document the commands)."""
    ap = argparse.ArgumentParser(
        prog="corpar", description="Corporate parenting reports from the SSDA903 return."
    )
    sub = ap.add_subparsers(dest="command", required=True)
    init = sub.add_parser(
        "init",
        help="write a starter project: config/ with comments, empty data/ and outputs/ folders",
    )
    init.add_argument("dir", help="the new project folder (new or empty)")
    init.add_argument("-v", "--verbose", action="store_true")
    demo = sub.add_parser(
        "demo", help="generate the synthetic authorities and run the whole pipeline for them"
    )
    _common(demo)
    demo.add_argument("--la", nargs="+", help="only these synthetic authorities")
    synth = sub.add_parser(
        "synth", help="write the synthetic authorities' 903 files and reference tables"
    )
    _project(synth)
    synth.add_argument("--raw-dir", default="", help="default: data/raw")
    synth.add_argument("--reference-dir", default="", help="default: " + SYNTHETIC_REFERENCE)
    synth.add_argument("--la", nargs="*", help="only these synthetic authorities")
    synth.add_argument("-v", "--verbose", action="store_true")
    run = sub.add_parser("run", help="run the pipeline for authorities and a period")
    who = run.add_mutually_exclusive_group(required=True)
    who.add_argument("--la", nargs="+", help="authority code(s), e.g. 806")
    who.add_argument(
        "--all",
        action="store_true",
        help="every configured authority and every authority with a folder under the raw folder",
    )
    run.add_argument(
        "--period",
        nargs="+",
        required=True,
        help="e.g. 2024-25 or 2024-25-Q2; 'latest' (the latest complete year) or "
        "'latest-quarter' for scheduled runs",
    )
    _common(run)
    check = sub.add_parser(
        "validate",
        help="data checks only: validation.json and data_quality.html, no reports",
    )
    check.add_argument("--la", nargs="+", required=True, help="authority code(s), e.g. 806")
    check.add_argument("--period", nargs="+", required=True, help="e.g. 2024-25")
    _common(check)
    # validate always checks again: only the runs that make reports skip unchanged jobs.
    for p in (demo, run):
        p.add_argument(
            "--force", action="store_true", help="re-run jobs whose inputs have not changed"
        )
    for p in (run, check):
        p.add_argument(
            "--strict",
            action="store_true",
            help="repair nothing in earlier years' returns: stop on any critical finding in "
            "any year, as before submitting a return",
        )
    return ap


def _given(arg: str) -> Path | None:
    """A folder named on the command line: relative means the current folder."""
    return Path(arg).absolute() if arg else None


class _Run:
    """One command line's project, configuration (loaded once) and folders.

    Every job's spec is made from these.
    """

    def __init__(self, args):
        self.args = args
        self.root = project_dir(args.project)
        self.config: Config = load_config(_given(args.config) or self.root / "config")

    def given(self) -> dict[str, Path | None]:
        a = self.args
        return {
            "raw_dir": _given(a.raw_dir),
            "reference_dir": _given(a.reference_dir),
            "processed_dir": _given(a.processed_dir),
            "output_dir": _given(a.output_dir),
        }

    def spec(self, la_code: str, period: Period) -> RunSpec:
        strict = getattr(self.args, "strict", False)
        return make_spec(self.config, la_code, period, self.root, strict, **self.given())

    def raw_folder(self) -> Path:
        return folders(self.config, self.root, None, **self.given()).raw


def _report(results: list[JobResult], started: float, checking: bool = False) -> int:
    ok = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    for r in ok:
        if r.skipped:
            print(
                f"{r.la_code} {r.period}: unchanged since the last run, skipped (--force re-runs)"
            )
            continue
        for out in r.outputs:
            print(f"wrote {out}")
    for r in failed:
        for line in r.errors:
            print(line, file=sys.stderr)
    done = "passed the data checks" if checking else "produced every report"
    print(f"{len(ok)} of {len(results)} job(s) {done} in {time.perf_counter() - started:.0f} s")
    return 0 if not failed else 1


def _jobs(run: _Run, codes: list[str], periods: list[Period], validate_only=False) -> list[Job]:
    # Before the jobs fan out, and before anything is read: every job's folders are checked
    # (an authority can have its own reference folder), and the key once (all need it).
    # Each spec's folders are absolute: workers and kernels run elsewhere (a notebook's
    # kernel starts in its own folder) and must mean the same folders.
    specs = [run.spec(code, period) for code in codes for period in periods]
    if specs:
        io.pseudonym_key(specs[0])
        _share_key_file(specs[0])
    return [Job(s, validate_only=validate_only, rekey=run.args.rekey) for s in specs]


def _share_key_file(spec) -> None:
    """Name the project's key file for the workers and kernels, which know no project.

    A notebook opened by hand rebuilds its spec from the project folder; kernels under a run
    read the key from the environment, so name the configured file there.
    """
    if not os.environ.get(io.KEY_ENV) and not os.environ.get(io.KEY_FILE_ENV):
        if spec.paths.key_file.is_file():
            os.environ[io.KEY_FILE_ENV] = str(spec.paths.key_file)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``corpar`` command."""
    args = parser().parse_args(argv)
    if threading.current_thread() is not threading.main_thread():
        return _main(args)
    # A scheduler's SIGTERM unwinds like Ctrl-C, so exports stop and staging is removed.
    before = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _main(args)
    finally:
        signal.signal(signal.SIGTERM, before)


def _main(args) -> int:
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    started = time.perf_counter()
    try:
        if args.command == "init":
            written = project.init_project(Path(args.dir))
            print(f"wrote a starter project in {Path(args.dir).absolute()} ({len(written)} files)")
            print("next: put each year's return in data/raw/<la_code>/<year>/, set a key, and")
            print("      corpar run --la <la_code> --period <year>   (see README.md there)")
            return 0
        if args.command == "synth":
            from corpar_synthetic import generator as synthetic

            root = project_dir(args.project)
            raw = _given(args.raw_dir) or root / "data" / "raw"
            ref = _given(args.reference_dir) or root / SYNTHETIC_REFERENCE
            codes = synthetic.generate(raw, ref, args.la)
            print(f"wrote synthetic authorities {', '.join(codes)} to {raw}")
            return 0
        if args.command == "demo":
            return _demo(args, started)
        periods = [_period(p) for p in args.period]
        run = _Run(args)
        if args.command == "validate":
            codes = [validate_la_code(c) for c in args.la]
            return _report(_run(args, _jobs(run, codes, periods, True)), started, checking=True)
        # run
        if args.all:
            raw = run.raw_folder()
            found = {p.name for p in raw.iterdir() if p.is_dir()} if raw.is_dir() else set()
            codes = sorted(set(run.config.authorities) | {c for c in found if _valid(c)})
            if not codes:
                raise ConfigError(f"no authorities configured and none found in {raw}")
        else:
            codes = [validate_la_code(c) for c in args.la]
        return _report(_run(args, _jobs(run, codes, periods)), started)
    except ConfigError as exc:
        print(f"corpar: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f" {io.quote(str(exc.filename))}" if exc.filename else ""
        print(f"corpar: cannot read or write{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def _demo(args, started: float) -> int:
    """The synthetic authorities, generated in the project's data/, run for both periods.

    A folder with no config/ (an empty one, with corpar installed as a tool) gets the
    demo's configuration first: the synthetic authorities' names, targets and commentary.
    """
    from corpar_synthetic import generator as synthetic

    root = project_dir(args.project)
    known = [a.code for a in synthetic.AUTHORITIES]
    wanted = args.la or known
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ConfigError(
            f"no synthetic authority {', '.join(unknown)}: the demo has {', '.join(known)}"
        )
    if not args.config and not (root / "config").exists():
        written = project.write_demo_config(root / "config")
        print(f"wrote the demo configuration ({len(written)} files) to {root / 'config'}")
    ref = _given(args.reference_dir) or root / SYNTHETIC_REFERENCE
    args.reference_dir = str(ref)
    run = _Run(args)
    periods = [parse_period(DEMO_PERIOD), parse_period(DEMO_QUARTER)]
    # The folder guards (every job's), before the synthetic files are written anywhere.
    specs = [run.spec(code, p) for code in wanted for p in periods]
    raw = specs[0].paths.raw
    codes = synthetic.generate(raw, ref, wanted)
    print(f"generated synthetic authorities {', '.join(codes)} in {raw}")
    if demo_key(specs[0]):
        args.rekey = True  # a one-off key is new every time, by design
    return _report(_run(args, _jobs(run, codes, periods)), started)


def demo_key(spec) -> bool:
    """For the synthetic demo only: a one-off key in this process's environment.

    Used when no key is set (then True). Workers and kernels inherit it; it is never
    written to disk.
    """
    try:
        io.pseudonym_key(spec)
        return False
    except ConfigError:
        os.environ[io.KEY_ENV] = secrets.token_hex(32)
        print("using a one-off pseudonymisation key for the synthetic demo (not saved)")
        return True


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _run(args, jobs: list[Job]) -> list[JobResult]:
    return run_jobs(
        jobs,
        args.workers,
        scheduler=args.scheduler or None,
        force=getattr(args, "force", False),
        progress=sys.stderr.isatty(),
    )


def _period(text: str):
    """A period label, or ``latest`` / ``latest-quarter`` resolved from today's date."""
    if text == "latest":
        return latest_complete_period(date.today())
    if text == "latest-quarter":
        return latest_complete_period(date.today(), quarterly=True)
    return parse_period(text)


def _valid(code: str) -> bool:
    try:
        validate_la_code(code)
        return True
    except ConfigError:
        return False


if __name__ == "__main__":
    sys.exit(main())
