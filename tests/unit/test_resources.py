"""Package data and the code's identity (pipeline/resources.py).

It promises: inside a built package the data folders are the package's own
(``pipeline/notebooks`` ...); in a clone they are the repository's top-level folders
(``notebooks/``, ``expectations/``, ``config/``); ``git_commit`` is the clone's HEAD, and
None for an installed copy or for a copy that sits inside some other git checkout;
``code_description`` says which, and whether tracked files were changed since the commit.

A copy of the module is imported in a new process to see it in each of those places.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline import resources

ROOT = Path(__file__).resolve().parents[2]
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]


def _copy(dest: Path, clone: bool) -> Path:
    """The package (its __init__ and resources.py), as a clone (pyproject.toml beside it)
    or as an installed copy (with its notebooks inside)."""
    (dest / "pipeline").mkdir(parents=True)
    for name in ("__init__.py", "resources.py"):
        shutil.copy(ROOT / "pipeline" / name, dest / "pipeline" / name)
    if clone:
        (dest / "pyproject.toml").write_text("[project]\nname = 'corpar'\n")
        (dest / "notebooks").mkdir()
    else:
        (dest / "pipeline" / "notebooks").mkdir()
    return dest


def _ask(dest: Path) -> list:
    """path("notebooks"), git_commit() and code_description("9.9") as the copy sees them."""
    code = ("import json; from pipeline import resources as r; print(json.dumps("
            "[str(r.path('notebooks')), r.git_commit(), r.code_description('9.9')]))")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(dest)}
    out = subprocess.run([sys.executable, "-c", code], cwd=dest, env=env, capture_output=True,
                         text=True, check=True)  # fmt: skip
    return json.loads(out.stdout)


def test_in_this_clone_the_data_are_the_repositorys_own_folders():
    assert resources.source_tree() == ROOT
    assert resources.path("notebooks") == ROOT / "notebooks"
    assert resources.path("expectations") == ROOT / "expectations"
    assert resources.path("demo_config") == ROOT / "config"
    names = {p.name for p in resources.path("notebooks").glob("*.ipynb")}
    assert {"10_clean.ipynb", "20_validate.ipynb", "30_indicators.ipynb", "council_report.ipynb",
            "hwb_report.ipynb", "board_quarterly.ipynb"} <= names  # fmt: skip


def test_git_commit_in_this_clone_is_its_head():
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip
    commit = resources.git_commit()
    assert re.fullmatch(r"[0-9a-f]{40}", commit) and commit == head
    assert resources.code_description("0.1.0").startswith(
        f"corpar 0.1.0, git checkout at commit {head}"
    )


def test_an_installed_copy_has_its_data_inside_and_no_commit(tmp_path):
    dest = _copy(tmp_path / "site", clone=False)
    assert _ask(dest) == [
        str(dest / "pipeline" / "notebooks"),
        None,
        "corpar 9.9, installed package (not a git checkout: no commit to record)",
    ]


def test_a_clone_names_its_commit_and_says_when_tracked_files_changed(tmp_path):
    dest = _copy(tmp_path / "clone", clone=True)
    subprocess.run(["git", "init", "-q", str(dest)], check=True)
    subprocess.run([*GIT, "-C", str(dest), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(dest), "commit", "-qm", "c"], check=True)
    head = subprocess.run(["git", "-C", str(dest), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip
    (dest / "untracked.txt").write_text("not part of the code")
    said = f"corpar 9.9, git checkout at commit {head}"
    assert _ask(dest) == [str(dest / "notebooks"), head, said]
    (dest / "pyproject.toml").write_text("[project]\nname = 'changed'\n")
    assert _ask(dest)[2] == f"{said} with uncommitted changes"


def test_a_copy_inside_another_git_checkout_has_no_commit(tmp_path):
    # A virtual environment inside some project's repository: that repository's HEAD is not
    # a commit of corpar.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    dest = _copy(tmp_path / "venv" / "src", clone=True)
    assert _ask(dest)[1:] == [
        None,
        "corpar 9.9, installed package (not a git checkout: no commit to record)",
    ]
