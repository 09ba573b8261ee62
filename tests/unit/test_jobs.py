"""One job (pipeline/orchestrate/jobs.py): stages, editions, staging, publishing, the lock.

It promises: an annual period makes the council and HWB editions, a quarter the board one;
a failed step is named in words on the failure page and in one line (a notebook's error
with its further lines indented); a complete staged folder replaces the published one in
one rename, an incomplete one publishes its data_quality.html only, leaving the earlier
reports as they were; one run at a time per authority and period (a lock), and a
configuration or operating fault is one line, never a traceback. ``run_job`` never raises.
"""

from __future__ import annotations

import subprocess
import sys

import papermill as pm
import pytest
from filelock import FileLock

from pipeline.orchestrate.jobs import (
    Job,
    JobResult,
    _failure_lines,
    _publish,
    _step_words,
    editions_for,
    run_job,
)
from pipeline.spec.period import parse_period
from pipeline.spec.runspec import build_run_spec

HEAD = "999 2024-25"


@pytest.fixture
def spec(tmp_path, monkeypatch):
    monkeypatch.setenv("CORPAR_PSEUDONYM_KEY", "test-key-not-secret-0123456789")
    (tmp_path / "config").mkdir()
    return build_run_spec("999", "2024-25", tmp_path / "config", tmp_path / "raw",
                          tmp_path / "ref", tmp_path / "p", tmp_path / "o")  # fmt: skip


def test_an_annual_period_makes_the_council_and_hwb_editions_a_quarter_the_board_one():
    assert list(editions_for(parse_period("2025-26"))) == ["council", "hwb"]
    assert list(editions_for(parse_period("2026-27-Q2"))) == ["board"]


@pytest.mark.parametrize(
    "step, words",
    [
        ("10_clean", "reading and cleaning the returns"),
        ("30_indicators", "computing the indicators"),
        ("council_report", "making the annual corporate parenting report (council edition)"),
        ("hwb_report export", "exporting the health and wellbeing board report on children "
                              "looked after (hwb edition)"),
        ("board_quarterly", "making the corporate parenting board performance report "
                            "(board edition)"),
        ("99_unknown", "99_unknown"),
    ],
)  # fmt: skip
def test_each_step_is_named_in_words(step, words):
    assert _step_words(step) == words


def test_a_notebooks_error_is_one_line_then_its_further_lines_indented(spec):
    said = "ERROR: a.csv: first\n\n  ERROR: b.csv: second"  # a blank line, then an indented one
    exc = pm.PapermillExecutionError(4, 4, "stages.validate(spec)", "InputError", said, [])
    assert _failure_lines(Job(spec), "20_validate", exc) == [
        f"{HEAD}: 20_validate failed: InputError: ERROR: a.csv: first",
        "      ERROR: b.csv: second",
    ]
    assert _failure_lines(Job(spec), "council_report export", KeyError("x")) == [
        f"{HEAD}: council_report export failed: KeyError: 'x'"
    ]


def _folder(path, files: dict[str, bytes]):
    path.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (path / name).write_bytes(data)
    return path


def test_a_complete_staged_folder_replaces_the_published_one_in_one_rename(tmp_path):
    staged = _folder(
        tmp_path / "staging" / "999" / "2024-25", {"a.html": b"new", "run.json": b"{}"}
    )
    final = _folder(tmp_path / "outputs" / "999" / "2024-25", {"old.html": b"old"})
    inode = staged.stat().st_ino
    result = JobResult("999", "2024-25", outputs=[str(staged / "a.html"), str(staged / "run.json")])
    _publish(staged, final, result, complete=True)
    assert final.stat().st_ino == inode  # the very folder, moved: not a copy
    assert sorted(p.name for p in final.iterdir()) == ["a.html", "run.json"]
    assert not staged.exists() and [p.name for p in final.parent.iterdir()] == ["2024-25"]
    assert result.outputs == [str(final / "a.html"), str(final / "run.json")]


def test_an_incomplete_staged_folder_publishes_its_data_quality_page_only(tmp_path):
    staged = _folder(tmp_path / "staging", {"data_quality.html": b"stopped", "half.html": b"h"})
    final = _folder(tmp_path / "outputs", {"report.html": b"old", "data_quality.html": b"old"})
    result = JobResult("999", "2024-25", ok=False)
    _publish(staged, final, result, complete=False)
    assert {p.name: p.read_bytes() for p in final.iterdir()} == {
        "report.html": b"old", "data_quality.html": b"stopped"}  # fmt: skip
    # Stopped before the page was made: nothing is published.
    (staged / "data_quality.html").unlink()
    (final / "data_quality.html").write_bytes(b"old")
    _publish(staged, final, result, complete=False)
    assert {p.name: p.read_bytes() for p in final.iterdir()} == {
        "report.html": b"old", "data_quality.html": b"old"}  # fmt: skip


def test_a_failed_job_leaves_the_earlier_reports_and_says_where_it_stopped(spec):
    # No raw folder: 10_clean stops (a notebook, in a real kernel).
    _folder(spec.output_dir, {"999_2024-25_council.html": b"earlier report"})
    result = run_job(Job(spec))
    assert (result.ok, result.failed_step) == (False, "10_clean")
    assert result.errors[0].startswith(f"{HEAD}: 10_clean failed: InputError: ")
    assert sorted(p.name for p in spec.output_dir.iterdir()) == [
        "999_2024-25_council.html", "data_quality.html"]  # fmt: skip
    assert (spec.output_dir / "999_2024-25_council.html").read_bytes() == b"earlier report"
    page = (spec.output_dir / "data_quality.html").read_text()
    assert "The run stopped at reading and cleaning the returns" in page
    assert [p.name for p in spec.paths.outputs.iterdir()] == ["999"]  # no staging folder left


def test_a_second_run_while_the_lock_is_held_fails_in_one_line(spec):
    lock = spec.paths.processed / "999" / ".2024-25.lock"
    lock.parent.mkdir(parents=True)
    # Another corpar run: another process holding the lock until told to stop.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from filelock import FileLock; "
         f"l = FileLock({str(lock)!r}); l.acquire(); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline() == "held\n"
        result = run_job(Job(spec))
    finally:
        holder.communicate("", timeout=30)
    assert (result.ok, result.outputs) == (False, [])
    assert result.errors == [
        f"{HEAD}: another corpar run of this authority and period is in progress (lock {lock}); "
        "wait for it to finish, then run again"
    ]
    assert not spec.paths.outputs.exists()


def test_no_key_is_one_line_and_nothing_is_written(spec, monkeypatch):
    monkeypatch.delenv("CORPAR_PSEUDONYM_KEY")
    monkeypatch.delenv("CORPAR_KEY_FILE", raising=False)
    result = run_job(Job(spec))
    (line,) = result.errors
    assert line.startswith(f"{HEAD}: no pseudonymisation key: set CORPAR_PSEUDONYM_KEY, ")
    assert "\n" not in line and not result.ok
    assert not spec.paths.processed.exists() and not spec.paths.outputs.exists()


def test_a_changed_key_is_one_line_and_the_lock_is_released(spec):
    check = spec.paths.processed / "999" / ".key-check"
    check.parent.mkdir(parents=True)
    check.write_text("0" * 64 + "\n")  # made with some other key
    result = run_job(Job(spec))
    assert result.errors == [
        f"{HEAD}: the pseudonymisation key is not the one 999's processed files were made with "
        f"({check}): set the earlier key again, or run with --rekey to start again with this "
        "one (every pseudonym changes)"
    ]
    with FileLock(spec.paths.processed / "999" / ".2024-25.lock", timeout=0):
        pass  # free again: Timeout otherwise


@pytest.mark.parametrize(
    "folder, fault, where",
    [
        # Before the lock: the lock's folder cannot be made under a file.
        ("processed", "Not a directory", lambda s: s.paths.processed / "999"),
        # After the lock: the outputs folder cannot be made where a file is.
        ("outputs", "File exists", lambda s: s.paths.outputs),
    ],
)
def test_an_operating_fault_is_one_line(spec, folder, fault, where):
    getattr(spec.paths, folder).write_text("a file where a folder should be")
    result = run_job(Job(spec))
    assert result.errors == [
        f"{HEAD}: cannot read or write {where(spec)}: {fault}. Check the folder exists, is "
        "writable and has space, then run again"
    ]
