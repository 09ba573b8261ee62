"""Fan-out, re-runs and safe publishing: a Dask LocalCluster, fingerprints, staging folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from pipeline.orchestrate.jobs import Job
from pipeline.orchestrate.pool import run_jobs
from pipeline.orchestrate.provenance import fingerprint
from pipeline.spec.runspec import build_run_spec
from tests.conftest import ROOT, corpar, minimal_return

PERIOD = "2025-26"


def _dirs(demo, *args) -> list[str]:
    return [
        "--raw-dir", str(demo["raw"]), "--reference-dir", str(demo["reference"]),
        "--processed-dir", str(demo["processed"]), "--output-dir", str(demo["outputs"]), *args,
    ]  # fmt: skip


@pytest.mark.slow
def test_unchanged_job_is_skipped_and_force_is_offered(demo):
    manifest = json.loads((demo["outputs"] / "Z03" / PERIOD / "run.json").read_text())
    spec = build_run_spec("Z03", PERIOD, None, demo["raw"], demo["reference"])
    assert manifest["fingerprint"] == fingerprint(spec)
    proc = corpar("run", "--la", "Z03", "--period", PERIOD, *_dirs(demo))
    assert proc.returncode == 0, proc.stderr
    assert "Z03 2025-26: unchanged since the last run, skipped (--force re-runs)" in proc.stdout


def test_fingerprint_follows_inputs_and_config(tmp_path):
    minimal_return(tmp_path / "raw" / "999" / PERIOD)
    spec = build_run_spec("999", PERIOD, None, tmp_path / "raw", tmp_path / "ref")
    first = fingerprint(spec)
    assert fingerprint(spec) == first
    header = next((tmp_path / "raw" / "999" / PERIOD).glob("*eader*"))
    header.write_bytes(header.read_bytes() + b"\n")
    assert fingerprint(spec) != first
    later = build_run_spec("999", "2026-27", None, tmp_path / "raw", tmp_path / "ref")
    (tmp_path / "raw" / "999" / "2027-28").mkdir()
    (tmp_path / "raw" / "999" / "2027-28" / "x.csv").write_text("a")
    assert fingerprint(later) == fingerprint(later)  # a later year's files are not inputs


@pytest.mark.slow
def test_failed_run_leaves_previous_outputs_and_says_what_to_fix(tmp_path):
    folder = tmp_path / "raw" / "999" / PERIOD
    minimal_return(folder)
    eps = next(folder.glob("*pisode*"))
    lines = eps.read_text().splitlines()
    bad = lines[1].split(",")
    bad[7], bad[8] = "30/04/2024", "E13"  # DEC before DECOM (01/05/2024): critical
    eps.write_text("\n".join([lines[0], ",".join(bad)]) + "\n")
    out = tmp_path / "out" / "999" / PERIOD
    out.mkdir(parents=True)
    (out / "999_2025-26_council.html").write_text("last year's good report")
    proc = corpar(
        "run", "--la", "999", "--period", PERIOD, "--raw-dir", str(tmp_path / "raw"),
        "--processed-dir", str(tmp_path / "p"), "--output-dir", str(tmp_path / "out"),
    )  # fmt: skip
    assert proc.returncode == 1
    assert "999 2025-26: 20_validate failed: ValidationError: 999 2025-26: the data cannot " in (
        proc.stderr
    )
    assert "999/2025-26/" in proc.stderr and "row 2" in proc.stderr
    assert (out / "999_2025-26_council.html").read_text() == "last year's good report"
    assert "Critical data checks failed" in (out / "data_quality.html").read_text()
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_jobs_fan_out_to_a_dask_cluster(demo, tmp_path, monkeypatch):
    distributed = pytest.importorskip("dask.distributed")
    monkeypatch.setenv("CORPAR_PSEUDONYM_KEY", "test-key-not-secret-0123456789")
    jobs = [
        Job(build_run_spec(code, PERIOD, None, demo["raw"], demo["reference"], tmp_path / "p",
                           tmp_path / "o"), validate_only=True)
        for code in ("Z01", "Z98")
    ]  # fmt: skip
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        results = run_jobs(jobs, scheduler=cluster.scheduler_address)
    ok, missing = results
    assert ok.ok and (tmp_path / "o" / "Z01" / PERIOD / "data_quality.html").exists()
    assert os.path.exists(tmp_path / "p" / "Z01" / PERIOD / "validation.json")
    assert not missing.ok and missing.errors[0].startswith("Z98 2025-26: 10_clean failed")


@pytest.mark.slow
def test_a_pool_after_an_in_process_run_does_not_inherit_its_kernel_or_browser(demo, tmp_path):
    """One job run in this process (its warm kernel and browser start here), then a pool.

    Forked workers used to inherit the kernel manager and the browser connection, whose
    threads do not survive a fork: their jobs failed (a benchmark run hung). In a fresh
    interpreter with a time limit, so a hang fails the test instead of stopping the suite.
    """
    script = textwrap.dedent(
        f"""
        import json
        from pipeline.orchestrate.jobs import Job
        from pipeline.orchestrate.pool import run_jobs
        from pipeline.spec.runspec import build_run_spec
        def job(code, n):
            return Job(build_run_spec(code, {PERIOD!r}, None, {str(demo["raw"])!r},
                       {str(demo["reference"])!r}, {str(tmp_path)!r} + f"/p{{n}}",
                       {str(tmp_path)!r} + f"/o{{n}}"))
        first = run_jobs([job("Z01", 1)])
        pool = run_jobs([job("Z01", 2), job("Z02", 2)], workers=2)
        print(json.dumps([r.ok for r in first + pool]))
        """
    )
    env = {**os.environ, "CORPAR_PSEUDONYM_KEY": "test-key-not-secret-0123456789"}
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [True, True, True]
    for code in ("Z01", "Z02"):
        assert (tmp_path / "o2" / code / PERIOD / f"{code}_{PERIOD}_council.pdf").exists()
    assert "Error occurred" not in proc.stderr


@pytest.mark.slow
def test_a_failed_export_fails_its_job_and_publishes_no_half_report(demo, tmp_path, monkeypatch):
    """Exports run beside the next notebook: a failure there still fails the job, names the
    edition, and leaves only the data-quality page where the reports would go."""
    from pipeline.orchestrate.jobs import run_job
    from pipeline.report import export

    def broken_printer(html_path, pdf_path):
        raise RuntimeError("the printer is on fire")

    monkeypatch.setenv("CORPAR_PSEUDONYM_KEY", "test-key-not-secret-0123456789")
    monkeypatch.setattr(export, "export_pdf", broken_printer)
    out = tmp_path / "o"
    job = Job(build_run_spec("Z01", PERIOD, None, demo["raw"], demo["reference"],
                             tmp_path / "p", out))  # fmt: skip
    result = run_job(job, force=True)
    assert not result.ok
    assert result.errors == [
        "Z01 2025-26: council_report export failed: RuntimeError: the printer is on fire"
    ]
    assert sorted(p.name for p in (out / "Z01" / PERIOD).iterdir()) == ["data_quality.html"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left behind
    page = (out / "Z01" / PERIOD / "data_quality.html").read_text()
    assert (
        "The run stopped at exporting the annual corporate parenting report (council edition), "
        "so no report was published for this period" in page
    )
    assert "No errors" not in page
