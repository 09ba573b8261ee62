"""The warm-kernel papermill engine gives every notebook the same outputs as a new kernel."""

from __future__ import annotations

import nbformat
import pytest

from pipeline.orchestrate.kernel import execute_notebook
from pipeline.orchestrate.warm_kernel import _warm
from pipeline.spec.runspec import build_run_spec

PERIOD = "2025-26"
NOTEBOOKS = ("10_clean", "20_validate", "30_indicators", "council_report")


def outputs(path) -> list:
    """Every code cell's outputs, without execution counts or timings."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cells.append(
            [
                (o.get("output_type"), o.get("name"), o.get("text"), dict(o.get("data", {})))
                for o in cell.get("outputs", [])
            ]
        )
    return cells


def run_all(demo, tmp_path, engine: str, label: str, notebooks=NOTEBOOKS, folders=None):
    folders = folders or label
    spec = build_run_spec("Z01", PERIOD, None, demo["raw"], demo["reference"],
                          tmp_path / folders / "p", tmp_path / folders / "o")  # fmt: skip
    got = {}
    for name in notebooks:
        out = tmp_path / label / f"{name}.ipynb"
        execute_notebook(name, out, {"run_spec": spec.to_json()}, "python3", engine)
        got[name] = outputs(out)
    return got


@pytest.mark.slow
def test_warm_kernel_outputs_match_a_new_kernel(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("CORPAR_PSEUDONYM_KEY", "test-key-not-secret-0123456789")
    cold = run_all(demo, tmp_path, "nbclient", "cold")
    warm = run_all(demo, tmp_path, "corpar-warm", "warm")
    kernel = _warm["python3"]
    # The same kernel, reset once more, runs the report again from the warm run's tables:
    # the notebook that runs after every other one, in the kernel that ran them all.
    again = run_all(demo, tmp_path, "corpar-warm", "again", ["council_report"], "warm")
    assert _warm["python3"] is kernel
    for name in NOTEBOOKS:
        assert warm[name] == cold[name], name
    assert again["council_report"] == cold["council_report"]
    # A name defined by one notebook is gone in the next: the namespace was reset.
    nb = nbformat.read(tmp_path / "again" / "council_report.ipynb", as_version=4)
    assert nb.cells[1].execution_count == 1
