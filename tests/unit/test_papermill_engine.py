"""The ``corpar-warm`` papermill engine class (pipeline/orchestrate/papermill_engine.py).

It promises: papermill finds it through its own ``papermill.engine`` entry point; it runs a
notebook in this process's warm kernel after a silent reset (a name one notebook defined
is gone in the next, the execution count starts again at 1, the kernel works in the new
notebook's folder); and it writes the executed notebook when the notebook starts and when
it ends (after a failure too), not around every cell as papermill's own engine does.
Whether every real notebook's outputs match a new kernel's: tests/unit/test_warm_kernel.py.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import nbformat
import papermill as pm
import pytest
from papermill.engines import papermill_engines

from pipeline.orchestrate import warm_kernel
from pipeline.orchestrate.kernel import execute_notebook
from pipeline.orchestrate.papermill_engine import WarmEngine

# Cell 2 reads the executed copy on disk while it runs: is cell 1's output in it yet?
# (The marker is joined at run time: the sources on disk never hold it.)
FIRST = 'print("-".join(["first", "cell", "output"]))'
SECOND = (
    'on_disk = open("nb.ipynb").read()\n'
    'print("seen" if "-".join(["first", "cell", "output"]) in on_disk else "unseen")'
)


def _printed(path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [o.get("text", "") for c in nb.cells for o in c.get("outputs", [])]


def test_papermill_finds_the_engine_through_its_entry_point():
    (ep,) = [e for e in entry_points(group="papermill.engine") if e.name == "corpar-warm"]
    assert ep.value == "pipeline.orchestrate.papermill_engine:WarmEngine"
    assert papermill_engines.get_engine("corpar-warm") is WarmEngine


@pytest.mark.parametrize("engine, while_running", [("nbclient", "seen"), ("corpar-warm", "unseen")])
def test_the_executed_notebook_is_written_at_its_start_and_end_only(
    tiny_notebook, tmp_path, engine, while_running
):
    tiny_notebook("nb", FIRST, SECOND)
    out = tmp_path / engine / "nb.ipynb"
    execute_notebook("nb", out, {}, "python3", engine)
    # papermill's own engine saved after cell 1; the warm one had saved only at the start.
    assert _printed(out) == ["first-cell-output\n", f"{while_running}\n"]


def test_the_end_write_comes_after_a_failure_too(tiny_notebook, tmp_path):
    tiny_notebook("nb", FIRST, "raise KeyError('stage 10 first')")
    out = tmp_path / "run" / "nb.ipynb"
    with pytest.raises(pm.PapermillExecutionError):
        execute_notebook("nb", out, {}, "python3", "corpar-warm")
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert outputs[0]["text"] == "first-cell-output\n"
    assert (outputs[1]["output_type"], outputs[1]["ename"]) == ("error", "KeyError")


def test_each_notebook_starts_in_a_reset_namespace_of_the_same_kernel(tiny_notebook, tmp_path):
    tiny_notebook("first", "leftover = 1")
    tiny_notebook("second", "import os\nprint('leftover' in globals(), os.getcwd())")
    execute_notebook("first", tmp_path / "a" / "first.ipynb", {}, "python3", "corpar-warm")
    kernel = warm_kernel._warm["python3"]
    out = tmp_path / "b" / "second.ipynb"
    execute_notebook("second", out, {}, "python3", "corpar-warm")
    assert warm_kernel._warm["python3"] is kernel
    assert _printed(out) == [f"False {out.parent}\n"]
    assert nbformat.read(out, as_version=4).cells[0].execution_count == 1


def test_each_notebook_sees_this_process_environment_as_it_is_now(
    tiny_notebook, tmp_path, monkeypatch
):
    # A new kernel inherits the environment when it starts; the warm one, started by an
    # earlier notebook, must be told what changed since (CI once ran a test's notebook in a
    # kernel started before the test set its pseudonymisation key).
    monkeypatch.setenv("CORPAR_TEST_GONE", "there")
    monkeypatch.delenv("CORPAR_TEST_NEW", raising=False)
    tiny_notebook("env", "import os\nprint(os.environ.get('CORPAR_TEST_NEW'), "
                  "os.environ.get('CORPAR_TEST_GONE'))")  # fmt: skip
    first = tmp_path / "a" / "env.ipynb"
    execute_notebook("env", first, {}, "python3", "corpar-warm")
    kernel = warm_kernel._warm["python3"]
    monkeypatch.setenv("CORPAR_TEST_NEW", "set later")
    monkeypatch.delenv("CORPAR_TEST_GONE")
    second = tmp_path / "b" / "env.ipynb"
    execute_notebook("env", second, {}, "python3", "corpar-warm")
    assert warm_kernel._warm["python3"] is kernel
    assert _printed(first) == ["None there\n"]
    assert _printed(second) == ["set later None\n"]
