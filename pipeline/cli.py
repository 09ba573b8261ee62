"""The ``corpar`` command line: demo, synth, run, validate.

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
from pipeline.config import (
    DEFAULT_CONFIG_DIR,
    ConfigError,
    build_run_spec,
    latest_complete_period,
    load_authorities,
    parse_period,
    validate_la_code,
)
from pipeline.run import Job, JobResult, job_spec, run_jobs

log = logging.getLogger("corpar")

DEMO_PERIOD = "2025-26"
# The quarter the synthetic year-to-date extract (to 30 September 2026) supports.
DEMO_QUARTER = "2026-27-Q2"


def _common(p: argparse.ArgumentParser) -> None:
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
    p.add_argument("--force", action="store_true", help="re-run jobs whose inputs have not changed")
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
    demo = sub.add_parser(
        "demo", help="generate the synthetic authorities and run the whole pipeline for them"
    )
    _common(demo)
    synth = sub.add_parser(
        "synth", help="write the synthetic authorities' 903 files and reference tables"
    )
    synth.add_argument("--raw-dir", default="data/raw")
    synth.add_argument("--reference-dir", default="data/reference/synthetic")
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
    for p in (run, check):
        p.add_argument(
            "--strict",
            action="store_true",
            help="repair nothing in earlier years' returns: stop on any critical finding in "
            "any year, as before submitting a return",
        )
    return ap


def _root(args) -> Path:
    return (Path(args.config) if args.config else DEFAULT_CONFIG_DIR).resolve().parent


def _resolve(arg: str, default: str, root: Path) -> Path:
    p = Path(arg or default)
    return p if p.is_absolute() else root / p


def _report(results: list[JobResult], started: float) -> int:
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
    print(
        f"{len(ok)} of {len(results)} job(s) produced every report "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return 0 if not failed else 1


def _jobs(args, codes: list[str], periods: list[str], validate_only: bool = False) -> list[Job]:
    jobs = [
        Job(
            code,
            period,
            args.config,
            args.raw_dir,
            args.reference_dir,
            args.processed_dir,
            args.output_dir,
            validate_only=validate_only,
            rekey=args.rekey,
            strict=getattr(args, "strict", False),
        )
        for code in codes
        for period in periods
    ]
    # Before the jobs fan out, and before anything is read: every job's folders are checked
    # (an authority can have its own reference folder), and the key once (all need it).
    specs = [job_spec(j) for j in jobs]
    if specs:
        io.pseudonym_key(specs[0])
    return jobs


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
        if args.command == "synth":
            from pipeline import synthetic

            codes = synthetic.generate(Path(args.raw_dir), Path(args.reference_dir), args.la)
            print(f"wrote synthetic authorities {', '.join(codes)} to {args.raw_dir}")
            return 0
        if args.command == "demo":
            from pipeline import synthetic

            root = _root(args)
            spec = build_run_spec(synthetic.AUTHORITIES[0].code, DEMO_PERIOD, args.config or None)
            raw = _resolve(args.raw_dir, str(spec.paths.raw), root)
            ref = _resolve(args.reference_dir, "data/reference/synthetic", root)
            # The folder guards, before the synthetic files are written anywhere.
            build_run_spec(
                spec.la_code,
                DEMO_PERIOD,
                args.config or None,
                raw,
                ref,
                args.processed_dir or None,
                args.output_dir or None,
            )
            codes = synthetic.generate(raw, ref)
            print(f"generated synthetic authorities {', '.join(codes)} in {raw}")
            args.raw_dir, args.reference_dir = str(raw), str(ref)
            if demo_key(spec):
                args.rekey = True  # a one-off key is new every time, by design
            jobs = _jobs(args, codes, [DEMO_PERIOD, DEMO_QUARTER])
            return _report(_run(args, jobs), started)
        periods = [_period(p).label for p in args.period]
        if args.command == "validate":
            codes = [validate_la_code(c) for c in args.la]
            return _report(_run(args, _jobs(args, codes, periods, True)), started)
        # run
        if args.all:
            spec = build_run_spec("000", periods[0], args.config or None, args.raw_dir or None)
            found = (
                {p.name for p in spec.paths.raw.iterdir() if p.is_dir()}
                if spec.paths.raw.is_dir()
                else set()
            )
            codes = sorted(
                set(load_authorities(args.config or DEFAULT_CONFIG_DIR))
                | {c for c in found if _valid(c)}
            )
            if not codes:
                raise ConfigError(f"no authorities configured and none found in {spec.paths.raw}")
        else:
            codes = [validate_la_code(c) for c in args.la]
        return _report(_run(args, _jobs(args, codes, periods)), started)
    except ConfigError as exc:
        print(f"corpar: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f" {io.quote(str(exc.filename))}" if exc.filename else ""
        print(f"corpar: cannot read or write{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2


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
        force=args.force,
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
