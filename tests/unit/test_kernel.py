"""Executing one notebook with papermill (pipeline/orchestrate/kernel.py), in a real kernel.

It promises: the notebook's parameters reach it; it runs in the executed copy's folder;
the executed copy is owner-only (0600) in a folder made owner-only (0700), whether the
notebook ran to its end or stopped on an error (docs/security.md: every file under
data/processed); the kernel's own stderr goes to a log beside it, not the terminal; a cell
that raises surfaces as papermill's execution error, not retried; a kernel that dies while
starting is recognised (``_is_kernel_start_failure``) and retried once.
"""

from __future__ import annotations

import json
import logging
import stat
import sys

import nbformat
import papermill as pm
import pytest

from pipeline.orchestrate import kernel
from pipeline.orchestrate.kernel import _is_kernel_start_failure, execute_notebook


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _printed(path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [o.get("text", "") for c in nb.cells for o in c.get("outputs", [])]


def test_parameters_reach_the_notebook_and_its_copy_is_owner_only(tiny_notebook, tmp_path):
    tiny_notebook(
        "tiny",
        'greeting = "unset"',
        "print(greeting)",
        "import os\nos.write(2, b'kernel-own-stderr\\n')\nprint(os.getcwd())",
    )
    out = tmp_path / "processed" / "notebooks" / "tiny.ipynb"
    execute_notebook("tiny", out, {"greeting": "hello from the test"}, "python3")
    assert _printed(out) == ["hello from the test\n", f"{out.parent}\n"]
    assert _mode(out) == 0o600
    assert _mode(out.parent) == 0o700 and _mode(out.parent.parent) == 0o700
    log = out.with_suffix(".log")
    assert "kernel-own-stderr" in log.read_text() and _mode(log) == 0o600


def test_a_cell_that_raises_is_papermills_execution_error_and_its_copy_stays_private(
    tiny_notebook, tmp_path, caplog
):
    tiny_notebook("fails", "x = 1", "raise ValueError('no such year')")
    out = tmp_path / "processed" / "fails.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as err:
        execute_notebook("fails", out, {}, "python3")
    assert (err.value.ename, err.value.evalue) == ("ValueError", "no such year")
    assert "retrying" not in caplog.text  # an error in the notebook is not a start failure
    # The executed copy holds the traceback: internal, like every file under processed/.
    assert _mode(out) == 0o600


@pytest.mark.parametrize(
    "exc, start_failure",
    [
        (RuntimeError("Kernel died before replying to kernel_info"), True),
        (TimeoutError("Kernel didn't respond in 60 seconds"), True),
        (RuntimeError("zmq.error.ZMQError: Address already in use (addr='tcp://127.0.0.1')"), True),
        (RuntimeError("No such kernel named python9"), False),
        (TimeoutError("A cell timed out while it was being executed, after 600 seconds."), False),
    ],
)
def test_kernel_start_failures_are_told_from_other_errors(exc, start_failure):
    assert _is_kernel_start_failure(exc) is start_failure


def test_a_kernel_that_dies_at_start_is_retried_once_then_reported(
    tiny_notebook, tmp_path, monkeypatch, caplog
):
    # A real kernel spec whose process exits at once: the kernel dies before replying.
    spec = tmp_path / "jupyter" / "kernels" / "corpar-dead"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-c", "raise SystemExit(3)", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "dead",
                                                  "language": "python"}))  # fmt: skip
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    tiny_notebook("tiny", "x = 1")
    caplog.set_level(logging.WARNING, logger=kernel.__name__)
    out = tmp_path / "out" / "tiny.ipynb"
    with pytest.raises(RuntimeError) as err:
        execute_notebook("tiny", out, {}, "corpar-dead")
    assert _is_kernel_start_failure(err.value)
    assert _mode(out) == 0o600  # the copy papermill wrote before the kernel started
    retries = [r.getMessage() for r in caplog.records if r.name == kernel.__name__]
    assert retries == [f"kernel start failed for tiny ({err.value}); retrying once"]
