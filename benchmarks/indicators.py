"""Benchmark: every indicator with its five-year trend, for one authority and for England.

    .venv/bin/python benchmarks/indicators.py [--copies 72]

One authority is synthetic Z04 (about 1,200 children looked after). "England" stacks
``--copies`` copies of its history with distinct child ids (72 copies: about 85,000
children looked after at 31 March, England's size). Prints a Markdown table for
docs/performance.md. Timings are wall clock on this machine; run twice and take the second.
"""

from __future__ import annotations

import argparse
import platform
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from corpar_synthetic import generator as synthetic
from pipeline.clean.history import build_history
from pipeline.measures.registry import compute_all, compute_trend
from pipeline.read.returns import read_history
from pipeline.spec.period import parse_period

PERIOD = parse_period("2025-26")


def stacked(tables: dict[str, pd.DataFrame], copies: int) -> dict[str, pd.DataFrame]:
    """``copies`` copies of one authority's tables, each child given a distinct id."""
    out = {}
    for name, df in tables.items():
        if "CHILD" not in df.columns or df.empty:
            out[name] = df
            continue
        parts = [df.assign(CHILD=f"{k:03d}-" + df["CHILD"].astype(str)) for k in range(copies)]
        out[name] = pd.concat(parts, ignore_index=True)
    return out


def timed(fn, *args, **kw):
    """Call ``fn`` and return its result and the wall time it took."""
    t0 = time.perf_counter()
    result = fn(*args, **kw)
    return result, time.perf_counter() - t0


def main() -> None:
    """Run the benchmark and print the Markdown table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=72)
    args = ap.parse_args()
    la = next(a for a in synthetic.AUTHORITIES if a.code == "Z04")
    with tempfile.TemporaryDirectory() as tmp:
        synthetic.write_authority(la, Path(tmp))
        history, t_read = timed(
            lambda: build_history(
                read_history(Path(tmp) / la.code, PERIOD.collection_year), b"benchmark-key-0123"
            )
        )
    tables = {**history.tables, "attainment": history.attainment}
    rows = []
    for label, t in (
        ("one authority (Z04)", tables),
        (f"England-sized ({args.copies} x Z04)", stacked(tables, args.copies)),
    ):
        cur, t_one = timed(compute_all, t, PERIOD)
        _, t_trend = timed(compute_trend, t, PERIOD, 5)
        n = int(
            cur.loc[(cur["indicator"] == "cla_at_end") & (cur["breakdown"] == ""), "value"].iloc[0]
        )
        rows.append((label, n, t_one, t_trend))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"Machine: {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, pandas {pd.__version__}. Reading and cleaning Z04's "
        f"six returns: {t_read:.1f} s.\n"
    )
    print("| data | children looked after at E | one period | period + 4 before (trend) |")
    print("|---|---|---|---|")
    for label, n, t1, t5 in rows:
        print(f"| {label} | {n:,} | {t1:.2f} s | {t5:.2f} s |")
    print(f"\nPeak memory of the whole benchmark process: {peak:,.0f} MB.")


if __name__ == "__main__":
    main()
