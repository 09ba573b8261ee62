"""The notebook contract: thin, parameterised templates with outputs stripped."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from pipeline.orchestrate.jobs import EDITIONS, STAGES

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
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
        # papermill's typed form (``name: type = value  # help``), shown by
        # ``papermill --help-notebook``: literals only.
        assert isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Constant), (
            "the parameters cell holds typed literals only"
        )
        names[node.target.id] = node.value.value
    # The one parameter the runner passes, and the two an analyst sets by hand.
    assert set(names) == {"run_spec", "la_code", "period"}
    assert names["run_spec"] == ""
    assert names["la_code"].startswith("Z")  # defaults to a synthetic authority
    every_line_has_help = all("  # " in ln for ln in "".join(params["source"]).splitlines())
    assert every_line_has_help


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_default_period_is_one_the_notebook_can_run(path):
    from pipeline.spec.period import parse_period

    _, cells = code_cells(path)
    tree = ast.parse("".join(cells[1]["source"]))
    default = next(n.value.value for n in tree.body if n.target.id == "period")
    editions = {nb: annual for nb, _, annual in EDITIONS.values()}
    if path.stem in editions:
        assert parse_period(default).is_annual == editions[path.stem], default


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_each_section_has_a_heading_and_a_sentence(path):
    nb = json.loads(path.read_text())
    marks = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert marks and "".join(marks[0]["source"]).startswith("# ")
    for c in marks[1:]:
        heading, _, sentence = "".join(c["source"]).partition("\n\n")
        assert heading.startswith("## ") and sentence.strip().endswith("."), c["source"]
    # Kept out of the published report: the notebook is the analyst's, the paper the members'.
    assert all("remove_cell" in c["metadata"].get("tags", []) for c in marks)


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
