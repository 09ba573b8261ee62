"""The project folder: a starter project (``corpar init``) and the demo's configuration.

A project folder holds ``config/``, ``data/raw``, ``data/reference``, ``data/processed`` and
``outputs/`` (the contract's layout). corpar itself can live anywhere (an installed package):
everything a project needs to start is copied from package data.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from pipeline import resources
from pipeline.problems import ConfigError

STARTER = resources.PACKAGE / "report" / "templates" / "project"
# What init writes at the top of the folder. Package data cannot hold a file whose name
# starts with a dot (setuptools' globs skip them), so .gitignore is kept as gitignore.
_TOP = {"README.md": "README.md", "gitignore": ".gitignore", "config": "config"}
# Synthetic authority codes (a capital letter and two digits), which no real LA has.
_SYNTHETIC = re.compile(r"[A-Z]\d{2}")
FOLDERS = ("data/raw", "data/reference", "data/processed", "outputs")


def _clashes(folder: Path) -> list[str]:
    """What init would write that is already there (an empty folder does not count)."""
    names = [*_TOP.values(), "data", "outputs"]
    out = []
    for name in names:
        p = folder / name
        if p.is_dir() and not any(p.iterdir()):
            continue
        if p.exists() or p.is_symlink():
            out.append(name + ("/" if p.is_dir() else ""))
    return out


def init_project(folder: Path) -> list[Path]:
    """Write a starter project into ``folder`` (created if missing); return what was written.

    Refuses (:class:`ConfigError`) a folder that already holds a project, or any file it
    would write: init never overwrites. ``settings.yml`` is the demo's own (the defaults,
    with comments); ``authorities.yml`` lists no authority, with a commented example.
    """
    folder = Path(folder).absolute()
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} is a file: corpar init needs a new or empty folder")
    clashes = _clashes(folder) if folder.is_dir() else []
    if clashes:
        raise ConfigError(
            f"{folder} already holds {', '.join(clashes)}: corpar init never overwrites a "
            "project; choose a new or empty folder"
        )
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sorted(STARTER.rglob("*")):
        if not src.is_file():
            continue
        rel = src.relative_to(STARTER)
        dest = folder / Path(_TOP.get(rel.parts[0], rel.parts[0]), *rel.parts[1:])
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        written.append(dest)
    settings = folder / "config" / "settings.yml"
    shutil.copyfile(resources.path("demo_config") / "settings.yml", settings)
    written.append(settings)
    for name in FOLDERS:
        (folder / name).mkdir(parents=True, exist_ok=True)
    return sorted(written)


def write_demo_config(config_dir: Path) -> list[Path]:
    """Copy the demo's configuration (the synthetic authorities) into ``config_dir``.

    For ``corpar demo`` in a folder that has no ``config/`` yet: the synthetic authorities'
    names, targets, action plan and commentary, the same as a clone's ``config/``.
    """
    src = resources.path("demo_config")
    written = []
    for f in sorted(src.rglob("*")):
        rel = f.relative_to(src)
        # Only the demo's files: a clone's config/ may also hold an authority's own.
        if f.is_file() and _is_demo_file(rel):
            dest = config_dir / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest)
            written.append(dest)
    return written


def _is_demo_file(rel: Path) -> bool:
    """Files of the demo configuration: the two YAML files and the synthetic authorities'.

    >>> [_is_demo_file(Path(p)) for p in ("settings.yml", "action_plans/Z03.yml",
    ...  "action_plans/806.yml", "commentary/Z03/officer_commentary.md", "commentary/806/x.md")]
    [True, True, False, True, False]
    """
    if len(rel.parts) == 1:
        return rel.suffix == ".yml"
    if rel.parts[0] == "action_plans":
        code = rel.stem
    elif rel.parts[0] == "commentary" and len(rel.parts) > 2:
        code = rel.parts[1]
    else:
        return False
    return bool(_SYNTHETIC.fullmatch(code))
