"""What a job's outputs depend on.

The fingerprint that lets an unchanged job be skipped, the code's own hash and the package
versions (read once a process).
"""

from __future__ import annotations

import hashlib
import logging
import platform
from functools import cache
from pathlib import Path

from pipeline import io, resources
from pipeline.orchestrate.kernel import NOTEBOOKS
from pipeline.read.returns import sha256_file

log = logging.getLogger(__name__)


def fingerprint(spec) -> str:
    """Hash what a job's outputs depend on.

    Every input file (sha256), the configuration that applies to the authority, the data
    checks, and the code version.

    Two runs with the same fingerprint produce the same reports, so the second is skipped.
    """
    h = hashlib.sha256()

    def add_tree(label: str, root: Path, files) -> None:
        for f in sorted(files):
            if f.is_file():
                h.update(f"{label}:{f.relative_to(root).as_posix()}:".encode())
                h.update(sha256_file(f).encode())

    raw = spec.raw_dir
    if raw.is_dir():
        years = [d for d in raw.iterdir() if d.is_dir() and d.name <= spec.period.collection_year]
        add_tree("raw", raw, [f for d in years for f in d.rglob("*")])
    ref = spec.paths.reference
    if ref.is_dir():
        add_tree("reference", ref, ref.rglob("*"))
    cfg = spec.config_dir
    add_tree(
        "config",
        cfg,
        [
            cfg / "authorities.yml",
            cfg / "settings.yml",
            cfg / "action_plans" / f"{spec.la_code}.yml",
        ]
        # the authority's own commentary and each period's (commentary/<la>/<period>/)
        + list((cfg / "commentary" / spec.la_code).rglob("*")),
    )
    suites = resources.path("expectations")
    add_tree("expectations", suites, suites.rglob("*.json"))
    h.update(f"code:{versions().get('corpar')}:{code_sha256()}".encode())
    return h.hexdigest()


def up_to_date(spec, fp: str) -> bool:
    """True when the last run had this fingerprint and left every output as it is now."""
    # Every output must be the very file the manifest recorded: a failure page published
    # since (data_quality.html replaced) means the folder no longer says what run.json says.
    manifest = io.read_json(spec.output_dir / "run.json")
    hashes = manifest.get("output_sha256") or {}
    return (
        manifest.get("fingerprint") == fp
        and bool(hashes)
        and all(
            (spec.output_dir / name).is_file() and sha256_file(spec.output_dir / name) == h
            for name, h in hashes.items()
        )
    )


# The code's commit and package versions are read once per process: what a process runs
# is what it imported at its start, whatever is installed or checked out later.
@cache
def code_sha256() -> str:
    """The package's code, notebooks and templates, hashed.

    An installed copy has no commit, and a clone can have uncommitted changes: whether the
    code is unchanged since the last run is judged from the code itself.
    """
    h = hashlib.sha256()
    files = [
        *resources.PACKAGE.rglob("*.py"),
        *(resources.PACKAGE / "report" / "templates").rglob("*"),
        *NOTEBOOKS.glob("*.ipynb"),
    ]
    for f in sorted(files):
        if f.is_file():
            name = (
                f.relative_to(resources.PACKAGE) if f.is_relative_to(resources.PACKAGE) else f.name
            )
            h.update(f"{name}:{sha256_file(f)}".encode())
    return h.hexdigest()


@cache
def versions() -> dict[str, str]:
    """Python's and the pipeline's packages' versions, for the manifest."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in (
        "corpar",
        "pandas",
        "numpy",
        "scipy",
        "papermill",
        "nbconvert",
        "ipykernel",
        "matplotlib",
        "seaborn",
        "pyarrow",
    ):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out
