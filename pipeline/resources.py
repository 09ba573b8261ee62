"""Files the package itself reads at run time: notebooks, data-check suites, demo config.

They are kept at the top of the repository (``notebooks/``, ``expectations/``, ``config/``),
where analysts open and review them and where the project's design and contract (shared
project documents, not in this repository) put them.
A built package (``pip install .``, ``pipx install``) carries copies inside itself:
``pyproject.toml`` maps those folders to ``pipeline/notebooks``, ``pipeline/expectations``
and ``pipeline/demo_config``. So this module looks inside the package first, and only in a
source tree (a clone, or an editable install of one) at the folders beside it. Nothing here
depends on the current folder: that is the project folder, the user's (see
:func:`pipeline.spec.config.project_dir`).
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

# name inside a built package -> the repository folder it is built from
_SOURCE_NAMES = {"notebooks": "notebooks", "expectations": "expectations", "demo_config": "config"}


def source_tree() -> Path | None:
    """The repository the package is imported from, or None when it is an installed copy.

    >>> source_tree() in (None, PACKAGE.parent)
    True
    """
    root = PACKAGE.parent
    # pyproject.toml beside the package marks corpar's own clone; an installed copy sits in
    # site-packages, which has none.
    if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir():
        return root
    return None


def path(name: str) -> Path:
    """The folder of package data called ``name`` (``notebooks``, ``expectations``, ...).

    >>> path("notebooks").joinpath("10_clean.ipynb").is_file()
    True
    """
    inside = PACKAGE / name
    if inside.is_dir():
        return inside
    root = source_tree()
    if root is not None:
        return root / _SOURCE_NAMES[name]
    # Neither: a broken install. Returned anyway, so the read that follows names the file.
    return inside


@cache
def git_commit() -> str | None:
    """The commit of the clone the package is imported from (None for an installed copy).

    Only the clone's own repository counts: an installed copy inside some other git
    checkout (a virtual environment in a project's repository) has no commit of corpar.
    """
    root = source_tree()
    if root is None:
        return None
    try:
        top = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = top.stdout.split()
    if top.returncode != 0 or len(lines) != 2 or Path(lines[0]).resolve() != root:
        return None
    return lines[1]


def code_description(version: str) -> str:
    """What code a run used, in words for run.json: a commit when there is one.

    >>> code_description("0.1.0").startswith("corpar 0.1.0, ")
    True
    """
    commit = git_commit()
    if commit:
        dirty = " with uncommitted changes" if _uncommitted() else ""
        return f"corpar {version}, git checkout at commit {commit}{dirty}"
    return f"corpar {version}, installed package (not a git checkout: no commit to record)"


@cache
def _uncommitted() -> bool:
    try:
        out = subprocess.run(
            ["git", "-C", str(source_tree()), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.stdout.strip())
