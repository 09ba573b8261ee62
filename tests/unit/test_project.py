"""The project folder: relative paths mean the current folder, --project, corpar init.

Expected values come from the contract and the README: relative command-line folders mean
the current folder; the defaults (config/, data/raw, data/reference, data/processed,
outputs) are in the project folder, the current one unless --project names another;
``corpar init DIR`` writes config with comments and the empty data folders, each with a
README, and never overwrites.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pipeline import cli
from pipeline.spec.config import load_config
from pipeline.spec.period import parse_period
from pipeline.spec.runspec import build_run_spec
from tests.conftest import ROOT, corpar, minimal_return, tree_hashes

KEY = "test-key-not-secret-0123456789"
PERIOD = "2025-26"


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The real command line, started in ``cwd`` (not the repository)."""
    return corpar(*args, cwd=cwd, timeout=600)


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("CORPAR_PSEUDONYM_KEY", KEY)
    monkeypatch.delenv("CORPAR_PROJECT", raising=False)


def _jobs(argv: list[str]):
    args = cli.parser().parse_args(argv)
    return cli._jobs(cli._Run(args), list(args.la), [parse_period(PERIOD)])


# --- relative paths and the project folder --------------------------------------------------


def test_relative_folders_on_the_command_line_mean_the_current_folder(tmp_path, monkeypatch, key):
    monkeypatch.chdir(tmp_path)
    (job,) = _jobs(
        ["run", "--la", "806", "--period", PERIOD, "--raw-dir", "raw", "--reference-dir",
         "ref", "--processed-dir", "work/p", "--output-dir", "../published"]
    )  # fmt: skip
    assert job.spec.paths.raw == tmp_path / "raw"
    assert job.spec.paths.reference == tmp_path / "ref"
    assert job.spec.paths.processed == tmp_path / "work" / "p"
    assert job.spec.paths.outputs.resolve() == tmp_path.parent / "published"


def test_the_defaults_are_in_the_current_folder(tmp_path, monkeypatch, key):
    monkeypatch.chdir(tmp_path)
    (job,) = _jobs(["run", "--la", "806", "--period", PERIOD])
    assert job.spec.config_dir == tmp_path / "config"
    assert job.spec.paths.raw == tmp_path / "data" / "raw"
    assert job.spec.paths.reference == tmp_path / "data" / "reference"
    assert job.spec.paths.processed == tmp_path / "data" / "processed"
    assert job.spec.paths.outputs == tmp_path / "outputs"


def test_project_names_the_project_folder(tmp_path, monkeypatch, key):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    (job,) = _jobs(["run", "--la", "806", "--period", PERIOD, "--project", "../proj",
                    "--raw-dir", "mine"])  # fmt: skip
    proj = tmp_path / "here" / ".." / "proj"
    assert job.spec.config_dir == proj / "config"
    assert job.spec.paths.processed == proj / "data" / "processed"
    assert job.spec.paths.outputs == proj / "outputs"
    assert job.spec.paths.raw == tmp_path / "here" / "mine"  # a folder given: the current one


def test_an_authority_reference_folder_is_in_the_project_folder(tmp_path, monkeypatch, key):
    cfg = tmp_path / "proj" / "config"
    cfg.mkdir(parents=True)
    (cfg / "authorities.yml").write_text(
        'authorities:\n  "806":\n    name: Somewhere\n    reference_dir: data/ref806\n'
    )
    monkeypatch.chdir(tmp_path)
    (job,) = _jobs(["run", "--la", "806", "--period", PERIOD, "--project", "proj"])
    assert job.spec.paths.reference == tmp_path / "proj" / "data" / "ref806"


def test_a_kernel_is_given_full_paths(tmp_path, monkeypatch, key):
    # A notebook's kernel starts in its own folder: relative folders must reach it as the
    # caller's, i.e. the current folder's, inside the one run_spec parameter.
    monkeypatch.chdir(tmp_path)
    (job,) = _jobs(["run", "--la", "Z01", "--period", PERIOD, "--raw-dir", "r",
                    "--processed-dir", "p/q"])  # fmt: skip
    sent = json.loads(job.spec.to_json())
    assert sent["config_dir"] == str(tmp_path / "config")
    assert sent["paths"]["raw"] == str(tmp_path / "r")
    assert sent["paths"]["processed"] == str(tmp_path / "p" / "q")
    assert sent["paths"]["outputs"] == str(tmp_path / "outputs")
    assert sent["period"]["label"] == PERIOD


@pytest.mark.slow
def test_corpar_validate_reads_a_relative_raw_folder_from_the_current_folder(tmp_path):
    minimal_return(tmp_path / "returns" / "999" / PERIOD)
    before = tree_hashes(ROOT / "config")
    proc = _run(tmp_path, "validate", "--la", "999", "--period", PERIOD, "--raw-dir", "returns")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Read from the current folder; written to the current folder's defaults.
    assert (tmp_path / "data" / "processed" / "999" / PERIOD / "read_report.json").is_file()
    assert (tmp_path / "outputs" / "999" / PERIOD / "data_quality.html").is_file()
    assert tree_hashes(ROOT / "config") == before


# --- corpar init ----------------------------------------------------------------------------

# What the README and the contract say a project holds.
README_FOLDERS = ["data/raw", "data/reference", "data/processed", "outputs"]
CONFIG_FILES = [
    "config/authorities.yml",
    "config/settings.yml",
    "config/action_plans/README.md",
    "config/commentary/README.md",
]


def test_init_writes_a_starter_project(tmp_path):
    proj = tmp_path / "new" / "project"
    proc = _run(tmp_path, "init", "new/project")
    assert proc.returncode == 0, proc.stderr
    files = sorted(str(p.relative_to(proj)) for p in proj.rglob("*") if p.is_file())
    assert files == sorted(
        [*CONFIG_FILES, *(f"{d}/README.md" for d in README_FOLDERS), "README.md", ".gitignore"]
    )
    for d in README_FOLDERS:
        text = (proj / d / "README.md").read_text()
        assert text.startswith("# ") and len(text.split()) > 20  # says what goes there
    # Config with comments, that the code reads: no authority yet, the default settings.
    for name in ("authorities.yml", "settings.yml"):
        assert (proj / "config" / name).read_text().startswith("#")
    config = load_config(proj / "config")
    assert config.authorities == {}
    s = config.settings
    assert (s.suppress_min, s.suppress_max, s.trend_years) == (1, 5, 5)
    assert config.folders.raw == "data/raw" and config.folders.outputs == "outputs"
    spec = build_run_spec("806", PERIOD, project=proj)
    assert spec.paths.raw == proj / "data" / "raw"
    assert spec.paths.outputs == proj / "outputs"
    # Children's data never enters git, should the project be put in one.
    assert {"data/", "outputs/"} <= set((proj / ".gitignore").read_text().split())


def test_init_into_an_existing_folder_with_other_files(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "data").mkdir()  # empty: nothing to overwrite
    proc = _run(tmp_path, "init", ".")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "config" / "authorities.yml").is_file()
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "existing, named",
    [("config/authorities.yml", "config/"), ("README.md", "README.md"), ("outputs/x", "outputs/")],
)
def test_init_refuses_to_overwrite_a_project(tmp_path, existing, named):
    (tmp_path / existing).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / existing).write_text("kept")
    before = tree_hashes(tmp_path)
    proc = _run(tmp_path, "init", ".")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"corpar: {tmp_path} already holds {named}: corpar init never overwrites a project; "
        "choose a new or empty folder"
    ]
    assert tree_hashes(tmp_path) == before


def test_init_twice_refuses_the_second_time(tmp_path):
    assert _run(tmp_path, "init", "p").returncode == 0
    before = tree_hashes(tmp_path / "p")
    proc = _run(tmp_path, "init", "p")
    assert proc.returncode == 2
    assert "already holds README.md, .gitignore, config/, data/, outputs/" in proc.stderr
    assert tree_hashes(tmp_path / "p") == before


# --- package data in a clone ----------------------------------------------------------------


def test_in_a_clone_package_data_is_the_repository_folders():
    from pipeline import resources

    # The source tree is the one this test runs from (an editable install or PYTHONPATH).
    root = Path(resources.__file__).resolve().parent.parent
    assert resources.source_tree() == root
    assert resources.path("notebooks") == root / "notebooks"
    assert resources.path("expectations") == root / "expectations"
    assert resources.path("demo_config") == root / "config"
