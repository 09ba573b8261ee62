"""corpar installed like a tool: a non-editable install, run from an empty folder.

The package is built from a copy of this repository (so the build writes nothing here),
installed into a folder of its own, and the copy is deleted before corpar runs: every
notebook, data-check suite, template and the demo's configuration must then come from the
installed package. Only the dependencies come from the test's own environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import __version__
from tests.conftest import ROOT

# Not copied into the build: version control, the data folders and build leftovers.
_TOP_SKIP = {".git", ".venv", "build", "dist", "data", "outputs"}


def _ignore(folder: str, names: list[str]) -> list[str]:
    top = Path(folder).resolve() == ROOT
    return [
        n
        for n in names
        if (top and n in _TOP_SKIP)
        or n.endswith(".egg-info")
        or n in ("__pycache__", ".pytest_cache", ".ruff_cache", "exploratory")
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """corpar installed with pip (not editable) into its own folder."""
    base = tmp_path_factory.mktemp("install")
    src, target = base / "src", base / "site"
    shutil.copytree(ROOT, src, ignore=_ignore)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--no-index", "--target", str(target), str(src)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, (
        "pip could not build corpar without build isolation; the environment needs the "
        "build backend (setuptools>=68 and wheel, in the dev extras: run make setup)\n"
        + proc.stderr
    )
    shutil.rmtree(src)
    return target


def _installed(site: Path, cwd: Path, *args: str, timeout=600) -> subprocess.CompletedProcess:
    """The installed ``corpar`` script, in ``cwd``, with only the install on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORPAR_")}
    env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [str(site / "bin" / "corpar"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_package_carries_what_it_reads_at_run_time(site):
    pkg = site / "pipeline"
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in (pkg / "notebooks").glob("*.ipynb")) == notebooks
    suites = sorted(str(p.relative_to(ROOT / "expectations")) for p in
                    (ROOT / "expectations").rglob("*.json"))  # fmt: skip
    assert sorted(str(p.relative_to(pkg / "expectations")) for p in
                  (pkg / "expectations").rglob("*.json")) == suites  # fmt: skip
    for name in ("index.html.j2", "report.css", "conf.json"):
        assert (pkg / "report" / "templates" / "corpar" / name).is_file()
    assert (pkg / "measures" / "in_words.yml").is_file()  # the registry will not load without
    assert (pkg / "report" / "glossary.yml").is_file()
    demo = pkg / "demo_config"
    assert (demo / "authorities.yml").read_text() == (ROOT / "config/authorities.yml").read_text()
    assert not (pkg / "notebooks" / "exploratory").exists()  # analysts' own, never packaged


def test_the_installed_package_is_the_one_imported(site, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run(
        [sys.executable, "-c", "import pipeline; print(pipeline.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()).is_relative_to(site)


def test_init_from_the_installed_package(site, tmp_path):
    proc = _installed(site, tmp_path, "init", "council")
    assert proc.returncode == 0, proc.stderr
    for name in (
        "config/authorities.yml",
        "config/settings.yml",
        "data/raw/README.md",
        "data/reference/README.md",
        "data/processed/README.md",
        "outputs/README.md",
    ):
        assert (tmp_path / "council" / name).is_file(), name  # fmt: skip


@pytest.mark.slow
def test_demo_from_an_empty_folder(site, tmp_path):
    # The smallest synthetic authority only, to keep the suite fast: both its periods.
    proc = _installed(site, tmp_path, "demo", "--la", "Z01")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0].startswith("wrote the demo configuration")
    assert (tmp_path / "config" / "authorities.yml").is_file()
    assert (tmp_path / "config" / "action_plans" / "Z03.yml").is_file()
    assert (tmp_path / "data" / "raw" / "Z01" / "2025-26").is_dir()
    out = tmp_path / "outputs" / "Z01"
    for name in (
        "2025-26/Z01_2025-26_council.pdf",
        "2025-26/Z01_2025-26_hwb.html",
        "2026-27-Q2/Z01_2026-27-Q2_board.pdf",
        "2025-26/indicators.csv",
    ):
        assert (out / name).is_file(), name  # fmt: skip
    manifest = json.loads((out / "2025-26" / "run.json").read_text())
    assert manifest["git_commit"] is None  # an installed package has no commit
    assert manifest["code"].startswith(
        f"corpar {__version__}, installed package (not a git checkout"
    )
    # No file of the clone was used: none is named in any output or executed notebook.
    clone = [str(ROOT / d) for d in ("pipeline", "notebooks", "expectations", "config")]
    for f in tmp_path.rglob("*"):
        if f.is_file() and f.suffix in (".json", ".html", ".ipynb", ".csv", ".log", ".md"):
            text = f.read_text(errors="replace")
            assert not [c for c in clone if c in text], f
