"""The run spec: configuration validated once, the period parsed once, one JSON parameter."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from pipeline import cli
from pipeline.orchestrate import jobs, kernel
from pipeline.problems import ConfigError
from pipeline.spec import config, period
from pipeline.spec.runspec import build_run_spec, load_spec

ROOT = Path(__file__).resolve().parents[2]
PERIOD = "2025-26"


def _config(tmp_path: Path, authorities: str = "", settings: str = "", plan: str = "") -> Path:
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "authorities.yml").write_text(authorities or 'authorities:\n  "806":\n    name: A\n')
    (cfg / "settings.yml").write_text(settings)
    if plan:
        (cfg / "action_plans").mkdir()
        (cfg / "action_plans" / "806.yml").write_text(plan)
    return cfg


def test_a_misspelt_setting_is_refused_naming_the_file_and_key(tmp_path):
    cfg = _config(tmp_path, settings="trend_yeras: 3\n")
    with pytest.raises(ConfigError, match=r"settings.yml: has unknown keys \['trend_yeras'\]"):
        build_run_spec("806", PERIOD, config_dir=cfg)


def test_a_target_for_an_indicator_that_does_not_exist_is_refused_at_load(tmp_path):
    cfg = _config(
        tmp_path, 'authorities:\n  "806":\n    name: A\n    targets:\n      cla_rate: 60\n'
    )
    with pytest.raises(ConfigError, match="authority '806' has targets for indicators that do"):
        config.load_config(cfg)


def test_an_action_linked_to_an_indicator_that_does_not_exist_is_refused_at_load(tmp_path):
    plan = "actions:\n  - {task: t, impact: i, baseline: b, indicator: dental_checks}\n"
    cfg = _config(tmp_path, plan=plan)
    with pytest.raises(ConfigError, match=r"806.yml: action 1 links indicator 'dental_checks'"):
        config.load_config(cfg)


def test_a_bare_number_is_a_target_with_no_tolerance(tmp_path):
    cfg = _config(
        tmp_path, 'authorities:\n  "806":\n    name: A\n    targets:\n      cla_at_end: 60\n'
    )
    target = build_run_spec("806", PERIOD, config_dir=cfg).authority.targets["cla_at_end"]
    assert (target.value, target.tolerance) == (60.0, 0.0)


def test_the_spec_crosses_as_json_and_needs_no_configuration_on_the_other_side(tmp_path):
    plan = (
        "actions:\n  - {task: t, impact: i, baseline: b, due: 2027-03-31, reviews: "
        "[{date: 2026-09-30, rating: On Track}]}\n"
    )
    cfg = _config(tmp_path, plan=plan)
    spec = build_run_spec("806", "2026-27-Q2", config_dir=cfg)
    sent = spec.to_json()
    shutil.rmtree(cfg)  # the kernel's side reads nothing but the parameter
    got = load_spec(sent)
    assert got == spec
    assert got.period.end.isoformat() == "2026-09-30" and got.period.quarter == 2
    assert got.authority.actions[0].reviews[0].rating == "on track"
    assert got.authority.actions[0].due.isoformat() == "2027-03-31"


def _execute_in_process(name, out_path, parameters, kernel_name, engine="nbclient"):
    """Run a notebook's cells in this process as papermill would (parameters injected after
    the parameters cell), so this process can count what the notebooks do."""
    nb = nbformat.read(kernel.NOTEBOOKS / f"{name}.ipynb", as_version=4)
    ns: dict = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, name, "exec"), ns)
        cell.outputs = []
        if last is not None:
            value = eval(compile(ast.Expression(last.value), name, "eval"), ns)
            if hasattr(value, "_repr_html_"):
                cell.outputs = [
                    nbformat.v4.new_output("display_data", data={"text/html": value._repr_html_()})
                ]
        if "parameters" in cell.metadata.get("tags", []):
            ns.update(parameters)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out_path)


@pytest.mark.slow
def test_one_job_parses_its_period_once_and_loads_the_configuration_once(
    demo, tmp_path, monkeypatch
):
    # Every step of one job, from the command line to the PDF, in this process: the
    # notebooks are executed here (not in a kernel) so that the counts see them too.
    monkeypatch.setenv("CORPAR_PSEUDONYM_KEY", "test-key-not-secret-0123456789")
    monkeypatch.setattr(jobs, "execute_notebook", _execute_in_process)
    monkeypatch.chdir(ROOT)
    period.PARSED.clear()
    config.LOADS.clear()
    code = cli.main(
        ["run", "--la", "Z01", "--period", PERIOD, "--workers", "1", "--force",
         "--raw-dir", str(demo["raw"]), "--reference-dir", str(demo["reference"]),
         "--processed-dir", str(tmp_path / "p"), "--output-dir", str(tmp_path / "o")]
    )  # fmt: skip
    assert code == 0
    out = tmp_path / "o" / "Z01" / PERIOD
    assert (out / f"Z01_{PERIOD}_council.pdf").is_file()  # the whole job ran
    assert period.PARSED == {PERIOD: 1}
    assert config.LOADS == [ROOT / "config"]
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["period"] == PERIOD
