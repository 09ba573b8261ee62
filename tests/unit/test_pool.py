"""Many jobs (pipeline/orchestrate/pool.py).

It promises: results come back in the order of the jobs, whichever finishes first; one
job's failure never stops another; with one worker the jobs run one after another in this
process, otherwise in spawned worker processes. The jobs here fail fast (or are up to date
and skipped), so no notebook runs long.
"""

from __future__ import annotations

import logging

import pytest

from pipeline.orchestrate.jobs import Job
from pipeline.orchestrate.manifest import write_manifest
from pipeline.orchestrate.pool import run_jobs
from pipeline.orchestrate.provenance import fingerprint
from pipeline.spec.runspec import build_run_spec
from tests.conftest import minimal_return

PERIOD = "2024-25"


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("CORPAR_PSEUDONYM_KEY", "test-key-not-secret-0123456789")


def _spec(root, la: str):
    (root / "config").mkdir(parents=True)
    return build_run_spec(la, PERIOD, root / "config", root / "raw", root / "ref",
                          root / "p", root / "o")  # fmt: skip


def _no_raw_folder(root):
    """Fails at 10_clean (its notebook runs, briefly)."""
    return Job(_spec(root, "998"))


def _processed_is_a_file(root):
    """Fails at once, before any notebook: its lock's folder cannot be made."""
    spec = _spec(root, "999")
    spec.paths.processed.write_text("not a folder")
    return Job(spec)


def _up_to_date(root):
    """Skipped: its last run's manifest has today's fingerprint and its outputs as listed."""
    spec = _spec(root, "997")
    minimal_return(spec.raw_dir / PERIOD)
    spec.output_dir.mkdir(parents=True)
    (spec.output_dir / "data_quality.html").write_text("made by the last run")
    write_manifest(spec, [], {}, fingerprint(spec))
    return Job(spec)


def _summary(results):
    return [(r.la_code, r.ok, r.skipped, r.failed_step) for r in results]


def test_one_worker_runs_every_job_in_this_process_in_order(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="pipeline.orchestrate.jobs")
    jobs = [_no_raw_folder(tmp_path / "a"), _processed_is_a_file(tmp_path / "b"),
            _up_to_date(tmp_path / "c")]  # fmt: skip
    results = run_jobs(jobs, workers=1)
    assert _summary(results) == [
        ("998", False, False, "10_clean"),
        ("999", False, False, ""),
        ("997", True, True, ""),
    ]
    assert results[1].errors[0].startswith("999 2024-25: cannot read or write ")
    assert results[2].outputs == [str(jobs[2].spec.output_dir / "run.json")]
    # The failure was logged here: the job ran in this process.
    assert "job 998 2024-25 failed at 10_clean" in caplog.messages


def test_a_pool_gives_results_in_job_order_whichever_finishes_first(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="pipeline.orchestrate.jobs")
    # The first job runs a notebook; the second fails at once, so it finishes first.
    jobs = [_no_raw_folder(tmp_path / "a"), _processed_is_a_file(tmp_path / "b")]
    results = run_jobs(jobs, workers=2)
    assert _summary(results) == [("998", False, False, "10_clean"), ("999", False, False, "")]
    assert results[0].errors[0].startswith("998 2024-25: 10_clean failed: InputError: ")
    assert "job 998 2024-25 failed at 10_clean" not in caplog.messages  # another process
    assert run_jobs([], workers=2) == []
