"""Benchmark the data checks, and compare their counts with the DfE validator's.

    .venv/bin/python benchmarks/validation.py [--shared ../shared] [--dfe-python PY]

1. Start-up: importing Great Expectations and making its context, in a fresh process.
2. One authority: synthetic Z04 (about 1,200 children looked after, six years of returns),
   read, cleaned and validated as ``corpar validate`` does it.
3. With ``--dfe-python``: the validator's fake 903 data (``shared/fixtures``) through our
   checks and through the DfE rules as Data to Insight's validator implements them
   (``csc-validator-be-903`` from PyPI, installed in a separate environment, never a
   corpar dependency: ``python -m venv /tmp/dfe && /tmp/dfe/bin/pip install
   csc-validator-be-903``). Rows flagged per rule, side by side.

Prints Markdown for docs/performance.md and docs/validation.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

KEY = b"benchmark-key-0123"

ROOT = Path(__file__).resolve().parent.parent

DFE_SCRIPT = """
import collections, glob, importlib, json, sys
from lac_validator import lac_validator
from lac_validator.utils import process_uploaded_files
files = [f for f in glob.glob(sys.argv[1] + "/*.csv") if "errors" not in f]
reg = importlib.import_module("lac_validator.rules." + sys.argv[2]).registry
v = lac_validator.LacValidator(
    metadata={"collectionYear": sys.argv[3], "localAuthority": "E09000027"},
    files=process_uploaded_files({"This year": files}), registry=reg, selected_rules=None)
out = collections.Counter()
for table, df in v.ds_results.items():
    for col in getattr(df, "columns", []):
        if str(col).startswith("ERR_"):
            out[table + "|" + col[4:]] += int((df[col] == True).sum())
print(json.dumps(out))
"""


def startup() -> float:
    """Seconds to import Great Expectations and make the context, in a fresh process."""
    code = (
        "import time; t=time.perf_counter(); from pipeline.checks import validate; validate._gx(); "
        "print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def one_authority() -> dict:
    """Validate synthetic Z04 as ``corpar validate`` does; timings in seconds."""
    from corpar_synthetic import generator as synthetic
    from pipeline.checks import validate
    from pipeline.clean.history import as_returned, build_history
    from pipeline.read.returns import read_history

    la = next(a for a in synthetic.AUTHORITIES if a.code == "Z04")
    with tempfile.TemporaryDirectory() as tmp:
        synthetic.write_authority(la, Path(tmp))
        returns = read_history(Path(tmp) / la.code, "2025-26")
        history = build_history(returns, KEY)
        validate._gx()
        t0 = time.perf_counter()
        result = validate.validate(as_returned(returns, KEY), history.tables)
        seconds = time.perf_counter() - t0
    at_end = len(history.tables["Episodes"].query("DEC != DEC")["CHILD"].unique())
    return {"seconds": seconds, "summary": result.summary(), "open_at_end": at_end}


def ours_on_fixture(fixture: Path) -> tuple[Counter, dict]:
    """Rows our checks flag on the validator's fake data, per (table, DfE rule)."""
    from pipeline.checks import validate
    from pipeline.clean.history import as_returned, build_history
    from pipeline.read.returns import read_history

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "999" / "2017-18"
        # The CSV tables only, as the validator reads them: the fixture's XML is another return.
        shutil.copytree(fixture, folder, ignore=shutil.ignore_patterns("*.xml"))
        (folder / "placed_for_adoption_errors.csv").unlink()
        returns = read_history(Path(tmp) / "999", "2017-18")
        history = build_history(returns, KEY)
        result = validate.validate(as_returned(returns, KEY), history.tables)
    rows: dict[tuple[str, str], set] = {}
    for f in result.findings:  # the one return and the history share files and rows
        if f.rule:
            rows.setdefault((f.table, f.rule), set()).update(
                (file, r) for file, rs in f.rows.items() for r in rs
            )
    # One row failing two checks tagged with one rule (344: ACTIV and ACCOM) counts once.
    return Counter({k: len(v) for k, v in rows.items()}), result.summary()


def dfe_on_fixture(python: str, fixture: Path, ruleset: str, year: str) -> Counter:
    """Rows the DfE validator's implementation of each rule flags, per (table, rule)."""
    out = subprocess.run(
        [python, "-c", DFE_SCRIPT, str(fixture), ruleset, year],
        capture_output=True,
        text=True,
        check=True,
    )
    raw = json.loads(out.stdout.strip().splitlines()[-1])
    return Counter({tuple(k.split("|")): v for k, v in raw.items()})


def main() -> None:
    """Run the benchmark and print Markdown."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--dfe-python", default="")
    ap.add_argument("--ruleset", default="lac2022_23")
    args = ap.parse_args()
    start = startup()
    one = one_authority()
    s = one["summary"]
    print("| step | seconds |\n|---|---|")
    print(f"| import Great Expectations and make its context (fresh process) | {start:.1f} |")
    print(
        f"| validate Z04 ({one['open_at_end']:,} children in care at the end, six returns; "
        f"{s['suites_run']} suites, {s['checks_run']} checks) | {one['seconds']:.1f} |"
    )
    if not args.dfe_python:
        return
    fixture = Path(args.shared) / "fixtures" / "ssda903_validator_fake"
    ours, summary = ours_on_fixture(fixture)
    dfe = dfe_on_fixture(args.dfe_python, fixture, args.ruleset, "2018")
    print(f"\nOur summary on the fake data: {summary}\n")
    print("| table | DfE rule | rows flagged by corpar | rows flagged by the DfE validator |")
    print("|---|---|---|---|")
    for table, rule in sorted(ours, key=lambda k: (k[0], k[1].zfill(8))):
        theirs = dfe.get((table, rule))
        shown = "" if theirs is None else f"{theirs:,}"
        print(f"| {table} | {rule} | {ours[(table, rule)]:,} | {shown} |")


if __name__ == "__main__":
    main()
