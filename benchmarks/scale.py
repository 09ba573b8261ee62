"""Benchmark a national run: many synthetic authorities, one annual period, both editions.

    .venv/bin/python benchmarks/scale.py --authorities 1 10      # wall time and memory
    .venv/bin/python benchmarks/scale.py --sizes 100 1000 5000   # one authority, by size
    .venv/bin/python benchmarks/scale.py --dask 10 --repeat 3    # pool against LocalCluster

Synthetic authorities are sized like England's: children looked after at 31 March drawn
(seeded) from a log-normal around England's median authority, scaled so 153 authorities
hold about 85,000 children. Each authority gets six years of returns. Jobs run through
``pipeline.orchestrate.pool.run_jobs`` exactly as ``corpar run --all`` does (process pool
of 2 on this machine, warm kernels). Memory: see ``PeakMemory``. Prints Markdown rows for
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

from corpar_synthetic import generator as synthetic
from pipeline.orchestrate.jobs import Job
from pipeline.orchestrate.pool import run_jobs
from pipeline.spec.runspec import build_run_spec

PERIOD = "2025-26"
ENGLAND_CLA = 85_000
N_ENGLAND = 153


def sizes_like_england(n: int, seed: int = 2025) -> list[int]:
    """``n`` authority sizes: log-normal like England's spread, 153 of them summing ~85,000."""
    rng = np.random.default_rng(seed)
    raw = rng.lognormal(mean=0.0, sigma=0.6, size=N_ENGLAND)
    scaled = raw / raw.sum() * ENGLAND_CLA
    return [max(30, int(round(x))) for x in scaled[:n]]


def authority(i: int, size: int) -> synthetic.SyntheticAuthority:
    """A synthetic authority with code B00..Y99 (never a real code), of ``size`` children."""
    code = f"{chr(ord('B') + i // 100)}{i % 100:02d}"
    return synthetic.SyntheticAuthority(
        code, f"Benchmark {code}", "South West", "E12000009", size, 70.0, 10_000 + i
    )


class PeakMemory:
    """Peak memory of a run, sampled every half second in a thread, two ways.

    ``peak``: the summed resident memory (RSS) of this process and its descendants. It
    counts pages shared between processes once per process (Chromium's dozen processes
    share most of theirs), so it overstates what the run needs. ``peak_used``: the
    machine's memory in use (total less available) above what was in use when sampling
    began: shared pages once, but anything else running on the machine counts too.
    """

    def __init__(self):
        self.peak = 0
        self.peak_used = 0
        self._base = psutil.virtual_memory()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = psutil.Process()
        base_used = self._base.total - self._base.available
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            vm = psutil.virtual_memory()
            self.peak_used = max(self.peak_used, vm.total - vm.available - base_used)
            time.sleep(0.5)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def run(las: list[synthetic.SyntheticAuthority], tmp: Path, scheduler: str | None = None):
    """Write the authorities' returns, run every job; wall seconds, peak GB, step means."""
    raw, ref = tmp / "raw", tmp / "reference"
    synthetic.generate(raw, ref, ["Z01"])  # reference tables (others' comparators show x)
    for la in las:
        synthetic.write_authority(la, raw)
    jobs = [
        Job(build_run_spec(la.code, PERIOD, None, raw, ref, tmp / "processed", tmp / "outputs"))
        for la in las
    ]
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        results = run_jobs(jobs, scheduler=scheduler, force=True)
        wall = time.perf_counter() - t0
    failed = [r for r in results if not r.ok]
    steps: dict[str, list[float]] = {}
    for la in las:
        m = json.loads((tmp / "outputs" / la.code / PERIOD / "run.json").read_text())
        for k, v in m["timings_seconds"].items():
            steps.setdefault(k, []).append(v)
    means = {k: sum(v) / len(v) for k, v in steps.items()}
    # A single job runs in this process: free its warm kernel and browser, so the next
    # row starts as clean as a new ``corpar run`` would.
    from pipeline.orchestrate import warm_kernel as engine
    from pipeline.report import browser

    engine._shutdown()
    browser.close_browser()
    return wall, f"{mem.peak / 1e9:.2f} / {mem.peak_used / 1e9:.2f}", means, failed


def main() -> None:
    """Run the requested benchmarks and print Markdown rows."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--authorities", type=int, nargs="*", default=[])
    ap.add_argument("--sizes", type=int, nargs="*", default=[])
    ap.add_argument("--dask", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3, help="pool/Dask pairs for --dask")
    args = ap.parse_args()
    os.environ.setdefault("CORPAR_PSEUDONYM_KEY", "benchmark-key-not-secret-0123456789")
    print(
        "| run | children in care (approx.) | wall s | peak memory GB (summed RSS / machine) "
        "| mean s per step |"
    )
    print("|---|---|---|---|---|")
    for n in args.authorities:
        sizes = sizes_like_england(n)
        with tempfile.TemporaryDirectory() as tmp:
            wall, peak, means, failed = run(
                [authority(i, s) for i, s in enumerate(sizes)], Path(tmp)
            )
        steps = ", ".join(f"{k} {v:.1f}" for k, v in means.items())
        print(
            f"| {n} authorities | {sum(sizes):,} | {wall:.0f} | {peak} | {steps} |"
            + (f" ({len(failed)} failed)" if failed else "")
        )
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            wall, peak, means, failed = run([authority(0, size)], Path(tmp))
        steps = ", ".join(f"{k} {v:.1f}" for k, v in means.items())
        print(f"| 1 authority of {size:,} | {size:,} | {wall:.0f} | {peak} | {steps} |")
    if args.dask:
        from dask.distributed import LocalCluster

        las = [authority(i, s) for i, s in enumerate(sizes_like_england(args.dask))]
        walls: dict[str, list[float]] = {"pool": [], "dask": []}
        # Interleaved (pool, Dask, pool, Dask ...): this machine's run-to-run spread is as
        # large as the difference being measured, so one run of each proves nothing.
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as c:
            for _ in range(args.repeat):
                for kind, sched in (("pool", None), ("dask", c.scheduler_address)):
                    with tempfile.TemporaryDirectory() as tmp:
                        wall, peak, _, failed = run(las, Path(tmp), scheduler=sched)
                    walls[kind].append(wall)
                    print(f"| {args.dask} authorities, {kind} | | {wall:.0f} | {peak} | |")
        mean = {k: sum(v) / len(v) for k, v in walls.items()}
        print(
            f"| mean of {args.repeat}: pool {mean['pool']:.0f} s, Dask {mean['dask']:.0f} s | | "
            f"| | Dask {100 * (mean['dask'] / mean['pool'] - 1):+.0f}% against the pool |"
        )


if __name__ == "__main__":
    main()
