"""Benchmark reading one authority's returns in each form a council sends them.

    .venv/bin/python benchmarks/formats.py [--copies N]

Synthetic Z04 (about 1,200 children looked after, seven years of returns) is written as
CSV (the generator's form), as one DfE XML return per year and as one workbook per year;
with ``--copies`` each year's tables are stacked N times (ids made distinct) to reach an
England-sized authority. Each form is read (``ssda903.read_history``) in a fresh process,
three times interleaved, reporting the median wall time and the process's peak memory.

Prints Markdown for docs/performance.md.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from corpar_synthetic import generator as synthetic
from pipeline.read.returns import read_year

# Peak memory as VmHWM: ru_maxrss survives exec on Linux, so a child of this (large)
# process would report at least this process's peak.
_READ = r"""
import sys, time
from pathlib import Path
from pipeline.read.returns import read_history
t0 = time.perf_counter()
returns = read_history(Path(sys.argv[1]), sys.argv[2])
t = time.perf_counter() - t0
rows = sum(len(df) for r in returns for df in r.tables.values())
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]
print(t, int(hwm) // 1024, rows)
"""


def stacked(tables: dict, copies: int) -> dict:
    """Each table ``copies`` times, child ids made distinct per copy."""
    import pandas as pd

    if copies == 1:
        return tables
    out = {}
    for name, df in tables.items():
        parts = [df.assign(CHILD=df["CHILD"] + f"-{i}") for i in range(copies)]
        out[name] = pd.concat(parts, ignore_index=True)
    return out


def write_forms(base: Path, copies: int) -> dict[str, Path]:
    """Z04's returns in the three forms under ``base``; the folder of each."""
    la = next(a for a in synthetic.AUTHORITIES if a.code == "Z04")
    synthetic.write_authority(la, base / "csv")
    forms = {"CSV": base / "csv" / la.code}
    for form in ("XML", "xlsx"):
        forms[form] = base / form / la.code
    for year_dir in sorted(forms["CSV"].iterdir()):
        tables = stacked(read_year(year_dir, year_dir.name).tables, copies)
        for form in ("XML", "xlsx"):
            dest = forms[form] / year_dir.name
            dest.mkdir(parents=True)
            if form == "XML":
                synthetic.write_xml_return(tables, dest / "return.xml")
                rest = {n: t for n, t in tables.items() if n in ("SWEpisodes", "DoLo")}
                if rest:
                    synthetic.write_workbook(rest, dest / "sw.xlsx")
            else:
                synthetic.write_workbook(tables, dest / "return.xlsx")
    if copies > 1:  # the CSV form stacked the same way, so the three forms hold one return
        shutil.rmtree(forms["CSV"])
        for year_dir in sorted((base / "XML" / la.code).iterdir()):
            dest = forms["CSV"] / year_dir.name
            dest.mkdir(parents=True)
            for name, t in read_year(year_dir, year_dir.name).tables.items():
                t.drop(columns=["_source_file", "_source_row", "_year"]).to_csv(
                    dest / f"{name}.csv", index=False
                )
    return forms


def main() -> None:
    """Write the forms, read each three times interleaved, print the Markdown table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        forms = write_forms(Path(tmp), args.copies)
        sizes = {
            f: sum(p.stat().st_size for p in d.rglob("*") if p.is_file()) / 2**20
            for f, d in forms.items()
        }
        runs: dict[str, list] = {f: [] for f in forms}
        for _ in range(3):
            for form, folder in forms.items():
                out = subprocess.run(
                    [sys.executable, "-c", _READ, str(folder), "2025-26"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split()
                runs[form].append((float(out[0]), int(out[1]), int(out[2])))
    print(f"Z04 x {args.copies}: seven years' returns read by `read_history` (median of 3).\n")
    print("| form | files (MB) | rows | read | peak memory of the process |")
    print("|---|---|---|---|---|")
    for form, r in runs.items():
        t = statistics.median(x[0] for x in r)
        peak = max(x[1] for x in r)
        print(f"| {form} | {sizes[form]:.1f} | {r[0][2]:,} | {t:.1f} s | {peak:,} MB |")


if __name__ == "__main__":
    main()
