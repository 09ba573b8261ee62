"""The notebook contract: thin, parameterised templates with outputs stripped."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from pipeline.orchestrate.run import EDITIONS, STAGES, Job

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
TEMPLATES = sorted(NOTEBOOKS.glob("*.ipynb"))
FORBIDDEN_CALLS = {"read_csv", "read_parquet", "read_excel", "read_json", "open", "Path"}


def code_cells(path):
    nb = json.loads(path.read_text())
    return nb, [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_every_run_notebook_exists():
    names = {p.stem for p in TEMPLATES}
    assert set(STAGES) | {nb for nb, _, _ in EDITIONS.values()} <= names


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_first_cell_imports_and_second_is_literal_parameters(path):
    _, cells = code_cells(path)
    first = ast.parse("".join(cells[0]["source"]))
    assert all(isinstance(n, ast.Import | ast.ImportFrom) for n in first.body)
    params = cells[1]
    assert "parameters" in params["metadata"].get("tags", [])
    tree = ast.parse("".join(params["source"]))
    names = {}
    for node in tree.body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), (
            "the parameters cell holds literals only"
        )
        names[node.targets[0].id] = node.value.value
    # Exactly the parameters the runner passes (papermill only warns on unknown ones).
    assert set(names) == set(Job("Z01", "2025-26").parameters())
    assert names["la_code"].startswith("Z")  # defaults to a synthetic authority


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_logic_or_paths_in_templates(path):
    _, cells = code_cells(path)
    for cell in cells[2:]:
        src = "".join(cell["source"])
        tree = ast.parse(src)
        for node in ast.walk(tree):
            assert not isinstance(
                node, ast.FunctionDef | ast.ClassDef | ast.Lambda | ast.If | ast.For | ast.While
            ), f"logic in {path.name}: {src}"
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
                assert name not in FORBIDDEN_CALLS, f"{name} in {path.name}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert "/" not in node.value, f"a path-like string in {path.name}: {src}"
        assert "la_code ==" not in src


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_committed_notebooks_have_no_outputs(path):
    _, cells = code_cells(path)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in cells)
