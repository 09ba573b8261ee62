"""Configuration: authorities, periods and settings, validated into frozen run specs.

Everything a run needs to know that is not data lives here. Notebooks receive only
primitives (``la_code``, ``period``, a config path and optional folder overrides) and rebuild
the :class:`RunSpec` with :func:`build_run_spec`, so the command line, the scheduler and an
analyst in JupyterLab all get the same spec.
"""

from __future__ import annotations

import calendar
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from pipeline import schema

log = logging.getLogger(__name__)

# The project folder (config/, data/, outputs/) when no --project is given: this variable,
# else the current folder. For a notebook opened in JupyterLab, whose kernel starts in the
# notebook's own folder, not the project's.
PROJECT_ENV = "CORPAR_PROJECT"

# DfE LA codes are three digits ("806"); synthetic authorities use a letter and two digits
# ("Z01"), which no real authority has. Anything else (spaces, slashes, dots) is refused
# before it can be used to build a path.
# Both are matched whole (``fullmatch``): ``$`` alone would accept a trailing newline.
_LA_CODE = re.compile(r"\d{3}|[A-Z]\d{2}")
_PERIOD = re.compile(r"(?P<y1>\d{4})-(?P<y2>\d{2})(?:-Q(?P<q>[1-4]))?")


class ConfigError(ValueError):
    """Configuration or parameters that cannot describe a run; the message says what to fix."""


def validate_la_code(la_code: object) -> str:
    """Return a valid authority code or raise :class:`ConfigError`.

    Codes are strings: three digits for a real authority, or a capital letter and two digits
    for a synthetic one. Checked before any path is built from them.

    >>> validate_la_code("806")
    '806'
    >>> validate_la_code(806)
    Traceback (most recent call last):
    ...
    pipeline.spec.config.ConfigError: authority code 806 must be a string of three digits ...
    >>> validate_la_code("../../etc")
    Traceback (most recent call last):
    ...
    pipeline.spec.config.ConfigError: authority code '../../etc' is not valid: ...
    """
    if not isinstance(la_code, str):
        raise ConfigError(
            f"authority code {la_code!r} must be a string of three digits (e.g. '806') or a "
            "synthetic code such as 'Z01'; quote it in YAML so leading zeros are kept"
        )
    if not _LA_CODE.fullmatch(la_code):
        raise ConfigError(
            f"authority code {la_code!r} is not valid: use the DfE three-digit code "
            "(e.g. '806') or a synthetic code (a capital letter and two digits, e.g. 'Z01')"
        )
    return la_code


@dataclass(frozen=True)
class Period:
    """A reporting period: a collection year or one quarter of it.

    ``end`` (E) is the period end; ``start`` (S) is E minus 12 months plus one day, so a
    quarter's flow measures cover a rolling 12 months and compare with annual figures.
    """

    label: str
    collection_year: str  # "2024-25"
    quarter: int | None
    start: date
    end: date

    @property
    def is_annual(self) -> bool:
        """True for a whole collection year (``2024-25``), False for a quarter."""
        return self.quarter is None

    @property
    def end_year(self) -> int:
        """The calendar year in which the collection year ends (2025 for 2024-25)."""
        return int(self.collection_year[:4]) + 1

    def shifted(self, years: int) -> Period:
        """The same period ``years`` collection years earlier (negative) or later.

        >>> parse_period("2024-25-Q2").shifted(-1).label
        '2023-24-Q2'
        """
        y1 = int(self.collection_year[:4]) + years
        label = schema.year_label(y1)
        if self.quarter:
            label += f"-Q{self.quarter}"
        return parse_period(label)


def minus_months(d: date, months: int) -> date:
    """Calendar subtraction of whole months, clamping the day to the month's length.

    >>> minus_months(date(2025, 3, 31), 30)
    datetime.date(2022, 9, 30)
    >>> minus_months(date(2024, 2, 29), 12)
    datetime.date(2023, 2, 28)
    """
    total = d.year * 12 + (d.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def parse_period(label: object) -> Period:
    """Parse ``2024-25`` or ``2024-25-Q1``..``Q4`` into a :class:`Period`.

    >>> p = parse_period("2024-25")
    >>> (p.start, p.end)
    (datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))
    >>> q = parse_period("2024-25-Q2")
    >>> (q.start, q.end)
    (datetime.date(2023, 10, 1), datetime.date(2024, 9, 30))
    >>> parse_period("2024-26")
    Traceback (most recent call last):
    ...
    pipeline.spec.config.ConfigError: period '2024-26' is not valid: ...
    """
    text = str(label).strip()
    m = _PERIOD.fullmatch(text)
    if not m or (int(m["y1"]) + 1) % 100 != int(m["y2"]):
        raise ConfigError(
            f"period {text!r} is not valid: use a collection year such as '2024-25' or a "
            "quarter such as '2024-25-Q2' (Q1 ends 30 June, Q2 30 September, Q3 31 December, "
            "Q4 31 March)"
        )
    y1 = int(m["y1"])
    quarter = int(m["q"]) if m["q"] else None
    ends = {1: date(y1, 6, 30), 2: date(y1, 9, 30), 3: date(y1, 12, 31), 4: date(y1 + 1, 3, 31)}
    end = ends[quarter or 4]
    start = minus_months(end, 12) + timedelta(days=1)
    return Period(
        label=text,
        collection_year=schema.year_label(y1),
        quarter=quarter,
        start=start,
        end=end,
    )


def latest_complete_period(today: date, quarterly: bool = False) -> Period:
    """The latest period whose end is before ``today`` (for scheduled runs).

    >>> latest_complete_period(date(2026, 11, 22)).label
    '2025-26'
    >>> latest_complete_period(date(2026, 11, 22), quarterly=True).label
    '2026-27-Q2'
    """
    y = today.year if today.month > 3 else today.year - 1
    if not quarterly:
        return parse_period(schema.year_label(y - 1))
    candidates = [
        parse_period(f"{schema.year_label(yy)}-Q{q}") for yy in (y - 1, y) for q in (1, 2, 3, 4)
    ]
    return max((p for p in candidates if p.end < today), key=lambda p: p.end)


@dataclass(frozen=True)
class Target:
    """A per-authority target for one indicator, with the tolerance band around it."""

    value: float
    tolerance: float = 0.0


@dataclass(frozen=True)
class Authority:
    """One local authority as configured (or as found in the data and reference tables)."""

    code: str
    name: str
    region: str | None = None
    population_0_17: dict[int, int] = field(default_factory=dict)
    neighbours: tuple[str, ...] = ()
    targets: dict[str, Target] = field(default_factory=dict)
    reference_dir: str | None = None
    synthetic: bool = False
    configured: bool = True


@dataclass(frozen=True)
class Paths:
    """The folders one run reads and writes; built only from validated codes."""

    raw: Path
    reference: Path
    processed: Path
    outputs: Path
    key_file: Path


@dataclass(frozen=True)
class Settings:
    """Pipeline-wide settings (disclosure thresholds, trend length, kernel, workers)."""

    suppress_min: int = 1
    suppress_max: int = 5
    trend_years: int = 5
    small_cohort: int = 10
    kernel_name: str = "python3"
    # papermill engine: "corpar-warm" reuses one reset kernel per process; "nbclient" starts
    # a new kernel for every notebook (papermill's default).
    kernel_engine: str = "corpar-warm"


@dataclass(frozen=True)
class RunSpec:
    """Everything one (authority, period) run needs: frozen, built from config."""

    authority: Authority
    period: Period
    paths: Paths
    settings: Settings
    config_dir: Path

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


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _int_keyed(mapping: Any, where: str) -> dict[int, int]:
    if mapping in (None, {}):
        return {}
    if not isinstance(mapping, dict):
        raise ConfigError(f"{where}: expected a mapping of year to population")
    out = {}
    for k, v in mapping.items():
        try:
            out[int(k)] = int(v)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: year {k!r} and population {v!r} must be numbers") from exc
        if out[int(k)] <= 0:
            raise ConfigError(f"{where}: population for {k} must be positive")
    return out


def _parse_authority(code: str, raw: Any, where: str) -> Authority:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: authority {code!r} must be a mapping with at least 'name'")
    unknown = set(raw) - {
        "name",
        "region",
        "population_0_17",
        "neighbours",
        "targets",
        "reference_dir",
        "synthetic",
    }
    if unknown:
        raise ConfigError(f"{where}: authority {code!r} has unknown keys {sorted(unknown)}")
    if not raw.get("name"):
        raise ConfigError(f"{where}: authority {code!r} needs a 'name'")
    targets = {}
    for ind, t in (raw.get("targets") or {}).items():
        if isinstance(t, dict):
            if "value" not in t:
                raise ConfigError(f"{where}: target {ind!r} of {code!r} needs a 'value'")
            targets[ind] = Target(float(t["value"]), float(t.get("tolerance", 0)))
        else:
            targets[ind] = Target(float(t))
    neighbours = tuple(validate_la_code(str(n)) for n in raw.get("neighbours") or ())
    return Authority(
        code=code,
        name=str(raw["name"]),
        region=raw.get("region"),
        population_0_17=_int_keyed(raw.get("population_0_17"), f"{where}: {code}"),
        neighbours=neighbours,
        targets=targets,
        reference_dir=raw.get("reference_dir"),
        synthetic=bool(raw.get("synthetic", False)),
    )


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


def load_authorities(config_dir: Path | str | None = None) -> dict[str, Authority]:
    """Read ``authorities.yml`` into validated :class:`Authority` records keyed by code."""
    path = Path(config_dir or default_config_dir()) / "authorities.yml"
    data = _read_yaml(path)
    out = {}
    for code, raw in (data.get("authorities") or {}).items():
        code = validate_la_code(code if isinstance(code, str) else code)
        out[code] = _parse_authority(code, raw, str(path))
    return out


def load_settings(config_dir: Path | str | None = None) -> tuple[Settings, dict[str, str]]:
    """Read ``settings.yml``: pipeline settings and the default folders."""
    path = Path(config_dir or default_config_dir()) / "settings.yml"
    data = _read_yaml(path)
    disc = data.get("disclosure") or {}
    settings = Settings(
        suppress_min=int(disc.get("suppress_min", 1)),
        suppress_max=int(disc.get("suppress_max", 5)),
        trend_years=int(data.get("trend_years", 5)),
        small_cohort=int(data.get("small_cohort", 10)),
        kernel_name=str(data.get("kernel_name", "python3")),
        kernel_engine=str(data.get("kernel_engine", "corpar-warm")),
    )
    if not 1 <= settings.suppress_min <= settings.suppress_max:
        raise ConfigError(f"{path}: disclosure needs 1 <= suppress_min <= suppress_max")
    return settings, dict(data.get("paths") or {})


def _resolve(p: str | Path, base: Path) -> Path:
    p = Path(p)
    return p if p.is_absolute() else (base / p)


def build_run_spec(
    la_code: str,
    period: str,
    config_dir: str | Path | None = None,
    raw_dir: str | Path | None = None,
    reference_dir: str | Path | None = None,
    processed_dir: str | Path | None = None,
    output_dir: str | Path | None = None,
    project: str | Path | None = None,
) -> RunSpec:
    """Build the frozen spec for one authority and period.

    Folders given here that are relative mean the current folder. The defaults (``config/``,
    and the folders in ``settings.yml`` and an authority's ``reference_dir``) are relative
    to the project folder: ``project``, else the folder holding ``config_dir`` when that is
    given (all a notebook is passed), else :func:`project_dir`. An authority that is not
    configured still runs: its name comes from the reference data later, or is its code.
    Empty strings mean "use the default" (papermill passes literals only).
    """
    code = validate_la_code(la_code)
    per = parse_period(period)
    cdir = Path(config_dir).absolute() if config_dir else project_dir(project) / "config"
    root = project_dir(project) if project else cdir.parent
    authorities = load_authorities(cdir)
    settings, paths_cfg = load_settings(cdir)
    auth = authorities.get(code) or Authority(code=code, name=code, configured=False)

    def folder(given, configured: str) -> Path:
        return Path(given).absolute() if given else _resolve(configured, root)

    paths = Paths(
        raw=folder(raw_dir, paths_cfg.get("raw", "data/raw")),
        reference=folder(
            reference_dir, auth.reference_dir or paths_cfg.get("reference", "data/reference")
        ),
        processed=folder(processed_dir, paths_cfg.get("processed", "data/processed")),
        outputs=folder(output_dir, paths_cfg.get("outputs", "outputs")),
        key_file=_resolve(paths_cfg.get("key_file", "data/.corpar_key"), root),
    )
    check_folders(paths)
    return RunSpec(authority=auth, period=per, paths=paths, settings=settings, config_dir=cdir)


def check_folders(paths: Paths) -> None:
    """Refuse folders that are the same as, or inside, one another.

    Publishing replaces an output folder whole, and internal files hold child-level rows:
    an output folder equal to the raw one would delete a return, and a processed folder
    inside the published one would publish pseudonymised rows. Checked before anything is
    read or written, on resolved paths (``..`` and symbolic links followed).

    >>> p = Path("/d")
    >>> check_folders(Paths(p / "raw", p / "ref", p / "proc", p / "out", p / "key"))
    >>> check_folders(Paths(p / "raw", p / "ref", p / "proc", p / "raw" / "out", p / "key"))
    Traceback (most recent call last):
    ...
    pipeline.spec.config.ConfigError: the output folder /d/raw/out is inside the raw folder ...
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


def spec_from_parameters(
    la_code: str,
    period: str,
    config_dir: str = "",
    raw_dir: str = "",
    reference_dir: str = "",
    processed_dir: str = "",
    output_dir: str = "",
) -> RunSpec:
    """Rebuild the run spec from the primitives papermill passes to a notebook.

    Empty strings mean "the configured default", since notebook parameters are literals.
    """
    return build_run_spec(
        la_code,
        period,
        config_dir or None,
        raw_dir or None,
        reference_dir or None,
        processed_dir or None,
        output_dir or None,
    )


REVIEW_RATINGS = ("complete", "on track", "at risk", "off track")


@dataclass(frozen=True)
class Review:
    """One review of an action: when, the rating in words, and a note."""

    date: date
    rating: str
    note: str = ""


@dataclass(frozen=True)
class Action:
    """One action in an authority's corporate parenting action plan."""

    task: str
    impact: str
    baseline: str
    owner: str = ""
    indicator: str | None = None
    reviews: tuple[Review, ...] = ()


def load_action_plan(spec: RunSpec) -> list[Action]:
    """The authority's action plan from ``config/action_plans/<la>.yml`` (empty if none).

    Each action has a task, the impact sought, a baseline, an optional owner and linked
    indicator, and reviews (date, rating: complete, on track, at risk or off track, note).
    """
    path = spec.config_dir / "action_plans" / f"{spec.la_code}.yml"
    data = _read_yaml(path)
    actions = []
    for n, raw in enumerate(data.get("actions") or [], start=1):
        where = f"{path}: action {n}"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: expected a mapping with task, impact and baseline")
        missing = [k for k in ("task", "impact", "baseline") if not raw.get(k)]
        if missing:
            raise ConfigError(f"{where}: needs {', '.join(missing)}")
        reviews = []
        for r in raw.get("reviews") or []:
            rating = str(r.get("rating", "")).strip().lower()
            if rating not in REVIEW_RATINGS:
                raise ConfigError(
                    f"{where}: review rating {r.get('rating')!r} must be one of "
                    f"{', '.join(REVIEW_RATINGS)}"
                )
            when = r.get("date")
            if not isinstance(when, date):
                raise ConfigError(f"{where}: review date {when!r} must be a date (2026-06-30)")
            reviews.append(Review(when, rating, str(r.get("note") or "")))
        actions.append(
            Action(
                str(raw["task"]),
                str(raw["impact"]),
                str(raw["baseline"]),
                str(raw.get("owner") or ""),
                raw.get("indicator"),
                tuple(sorted(reviews, key=lambda x: x.date)),
            )
        )
    return actions
