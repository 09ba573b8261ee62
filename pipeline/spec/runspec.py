"""The run spec: everything one (authority, period) job needs, built once and passed on.

``corpar run`` loads the configuration once, parses each period once and builds one
:class:`RunSpec` per job (:func:`make_spec`). The spec crosses into worker processes as it is
and into each notebook as one JSON parameter (``run_spec``), read back with
:func:`load_spec`; nothing downstream parses the period or reads the configuration again.
An analyst opening a notebook in JupyterLab leaves ``run_spec`` empty and names an
authority and period instead (:func:`build_run_spec`).
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.problems import ConfigError
from pipeline.spec.config import Authority, Config, Settings, load_config, validate_la_code
from pipeline.spec.period import Period, parse_period

# The project folder (config/, data/, outputs/) when no --project is given: this variable,
# else the current folder. For a notebook opened in JupyterLab, whose kernel starts in the
# notebook's own folder, not the project's.
PROJECT_ENV = "CORPAR_PROJECT"


class Paths(BaseModel):
    """The folders one run reads and writes; built only from validated codes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    raw: Path
    reference: Path
    processed: Path
    outputs: Path
    key_file: Path


class RunSpec(BaseModel):
    """One job: the authority, the period, its folders, the settings and the job's options."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    authority: Authority
    period: Period
    paths: Paths
    settings: Settings
    config_dir: Path
    strict: bool = False  # repair nothing in earlier returns (``corpar run --strict``)

    @property
    def la_code(self) -> str:
        """The authority code (a string)."""
        return self.authority.code

    @property
    def raw_dir(self) -> Path:
        """``data/raw/<la>``: one sub-folder per collection year."""
        return self.paths.raw / self.la_code

    @property
    def processed_dir(self) -> Path:
        """``data/processed/<la>/<period>``: internal, never published."""
        return self.paths.processed / self.la_code / self.period.label

    @property
    def output_dir(self) -> Path:
        """``outputs/<la>/<period>``: publishable, disclosure-controlled."""
        return self.paths.outputs / self.la_code / self.period.label

    def with_outputs(self, outputs: Path) -> RunSpec:
        """The same job writing its published files under ``outputs`` (a staging folder)."""
        paths = self.paths.model_copy(update={"outputs": Path(outputs).absolute()})
        check_folders(paths)
        return self.model_copy(update={"paths": paths})

    def to_json(self) -> str:
        """The spec as one JSON string: the notebooks' ``run_spec`` parameter."""
        return self.model_dump_json()


def load_spec(run_spec: str = "", la_code: str = "", period: str = "") -> RunSpec:
    """The notebooks' one call: the job's spec.

    From ``run_spec`` (JSON, from ``corpar run``); when that is empty (an analyst in
    JupyterLab), built for ``la_code`` and ``period`` from the project's configuration.
    """
    if run_spec:
        return RunSpec.model_validate_json(run_spec)
    return build_run_spec(la_code, period)


def project_dir(project: str | Path | None = None) -> Path:
    """The project folder, which holds ``config/``, ``data/`` and ``outputs/`` by default.

    ``project`` when given (``--project``), else ``$CORPAR_PROJECT``, else the current
    folder; relative paths mean the current folder. Made absolute, so that a spec means the
    same folders in every process and kernel, whatever their current folder.

    >>> project_dir("/srv/corpar")
    PosixPath('/srv/corpar')
    >>> project_dir("p") == Path.cwd() / "p"
    True
    """
    return Path(project or os.environ.get(PROJECT_ENV) or ".").expanduser().absolute()


def default_config_dir() -> Path:
    """``config/`` in the project folder."""
    return project_dir() / "config"


def _resolve(p: str | Path, base: Path) -> Path:
    p = Path(p)
    return p if p.is_absolute() else (base / p)


def folders(
    config: Config,
    root: Path,
    authority: Authority | None = None,
    raw_dir: str | Path | None = None,
    reference_dir: str | Path | None = None,
    processed_dir: str | Path | None = None,
    output_dir: str | Path | None = None,
) -> Paths:
    """A job's folders, checked (:func:`check_folders`).

    Those given (relative means the current folder), else the configured ones (relative to
    the project folder ``root``); an authority's own reference folder beats the settings'.
    """
    cfg = config.folders

    def folder(given, configured: str) -> Path:
        return Path(given).absolute() if given else _resolve(configured, root)

    ref = (authority.reference_dir if authority else None) or cfg.reference
    paths = Paths(
        raw=folder(raw_dir, cfg.raw),
        reference=folder(reference_dir, ref),
        processed=folder(processed_dir, cfg.processed),
        outputs=folder(output_dir, cfg.outputs),
        key_file=_resolve(cfg.key_file, root),
    )
    check_folders(paths)
    return paths


def make_spec(
    config: Config,
    la_code: str,
    period: Period,
    root: Path,
    strict: bool = False,
    **given: str | Path | None,
) -> RunSpec:
    """One job's spec from the loaded configuration and a parsed period (nothing re-read).

    ``given`` are the folders named on the command line (``raw_dir``, ``reference_dir``,
    ``processed_dir``, ``output_dir``); ``root`` is the project folder the configured ones
    are relative to.
    """
    auth = config.authority(validate_la_code(la_code))
    return RunSpec(
        authority=auth,
        period=period,
        paths=folders(config, root, auth, **given),
        settings=config.settings,
        config_dir=config.config_dir,
        strict=strict,
    )


def build_run_spec(
    la_code: str,
    period: str,
    config_dir: str | Path | None = None,
    raw_dir: str | Path | None = None,
    reference_dir: str | Path | None = None,
    processed_dir: str | Path | None = None,
    output_dir: str | Path | None = None,
    project: str | Path | None = None,
    strict: bool = False,
) -> RunSpec:
    """Load the configuration, parse the period and build one spec.

    For an analyst, a test or a script with one job (``corpar run`` loads the configuration
    once for all its jobs: :func:`make_spec`).

    Folders given here that are relative mean the current folder. The defaults (``config/``,
    and the folders in ``settings.yml`` and an authority's ``reference_dir``) are relative
    to the project folder: ``project``, else the folder holding ``config_dir`` when that is
    given, else :func:`project_dir`. Empty strings mean "use the default".
    """
    code = validate_la_code(la_code)
    per = parse_period(period)
    cdir = Path(config_dir).absolute() if config_dir else project_dir(project) / "config"
    root = project_dir(project) if project else cdir.parent
    return make_spec(
        load_config(cdir),
        code,
        per,
        root,
        strict,
        raw_dir=raw_dir or None,
        reference_dir=reference_dir or None,
        processed_dir=processed_dir or None,
        output_dir=output_dir or None,
    )


def check_folders(paths: Paths) -> None:
    """Refuse folders that are the same as, or inside, one another.

    Publishing replaces an output folder whole, and internal files hold child-level rows:
    an output folder equal to the raw one would delete a return, and a processed folder
    inside the published one would publish pseudonymised rows. Checked before anything is
    read or written, on resolved paths (``..`` and symbolic links followed).

    >>> p = Path("/d")
    >>> def paths(out):
    ...     return Paths(raw=p / "raw", reference=p / "ref", processed=p / "proc",
    ...                  outputs=out, key_file=p / "key")
    >>> check_folders(paths(p / "out"))
    >>> check_folders(paths(p / "raw" / "out"))
    Traceback (most recent call last):
    ...
    pipeline.problems.ConfigError: the output folder /d/raw/out is inside the raw folder ...
    """
    named = {
        "raw": paths.raw.resolve(),
        "reference": paths.reference.resolve(),
        "processed": paths.processed.resolve(),
        "output": paths.outputs.resolve(),
    }
    items = list(named.items())
    for i, (a, pa) in enumerate(items):
        for b, pb in items[i + 1 :]:
            if pa == pb:
                how = f"the {a} folder and the {b} folder are the same folder, {pa}"
            elif pa.is_relative_to(pb):
                how = f"the {a} folder {pa} is inside the {b} folder {pb}"
            elif pb.is_relative_to(pa):
                how = f"the {b} folder {pb} is inside the {a} folder {pa}"
            else:
                continue
            raise ConfigError(
                f"{how}: give the raw, reference, processed and output folders separate "
                "places (none inside another), so publishing can never replace a return "
                "and internal files can never be published"
            )
