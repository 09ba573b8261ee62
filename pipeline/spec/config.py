"""Configuration: ``config/authorities.yml``, ``settings.yml`` and the action plans, validated.

Each file is read into pydantic models that reject unknown keys, so a misspelt setting is an
error naming the file and key, never a silent default. Indicator ids in targets and action
plans are checked against the registry here, at load. :func:`load_config` reads everything
once; a run builds each job's spec from the one :class:`Config` (``pipeline/spec/runspec.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.problems import ConfigError
from pipeline.spec.period import is_quarter_label

# DfE LA codes are three digits ("806"); synthetic authorities use a letter and two digits
# ("Z01"), which no real authority has. Anything else (spaces, slashes, dots) is refused
# before it can be used to build a path. Matched whole: ``$`` would accept a newline.
_LA_CODE = re.compile(r"\d{3}|[A-Z]\d{2}")

REVIEW_RATINGS = ("complete", "on track", "at risk", "off track")

# How often configuration was loaded in this process (a job loads it once: a test counts).
LOADS: list[Path] = []


def validate_la_code(la_code: object) -> str:
    """Return a valid authority code or raise :class:`ConfigError`.

    Codes are strings: three digits for a real authority, or a capital letter and two digits
    for a synthetic one. Checked before any path is built from them.

    >>> validate_la_code("806")
    '806'
    >>> validate_la_code(806)
    Traceback (most recent call last):
    ...
    pipeline.problems.ConfigError: authority code 806 must be a string of three digits ...
    >>> validate_la_code("../../etc")
    Traceback (most recent call last):
    ...
    pipeline.problems.ConfigError: authority code '../../etc' is not valid: ...
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


class _Model(BaseModel):
    """Frozen, and strict about keys: a misspelt key is an error, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Model):
    """A per-authority target for one indicator, with the tolerance band around it."""

    value: float
    tolerance: float = Field(default=0.0, ge=0)


class Review(_Model):
    """One review of an action: when, the rating in words, and a note."""

    date: dt.date
    rating: Literal["complete", "on track", "at risk", "off track"]
    note: str = ""

    @field_validator("rating", mode="before")
    @classmethod
    def _words(cls, v: Any) -> Any:
        return str(v).strip().lower() if v is not None else v

    @field_validator("note", mode="before")
    @classmethod
    def _blank(cls, v: Any) -> Any:
        return "" if v is None else str(v)


class Action(_Model):
    """One action in an authority's corporate parenting action plan."""

    task: str = Field(min_length=1)
    impact: str = Field(min_length=1)
    baseline: str = Field(min_length=1)
    owner: str = ""
    indicator: str | None = None
    due: dt.date | None = None
    priority: str | None = None
    reviews: tuple[Review, ...] = ()

    @field_validator("reviews")
    @classmethod
    def _in_date_order(cls, v: tuple[Review, ...]) -> tuple[Review, ...]:
        return tuple(sorted(v, key=lambda r: r.date))


class Paper(_Model):
    """What a committee paper's cover says: the meeting, who reports, what is asked.

    Every field is optional: what is not given gets the edition's default
    (``pipeline/report/cover.py``), and a row with no default (date, author, lead member)
    is left out rather than printed empty.
    """

    meeting: str | None = None
    date: dt.date | None = None
    report_of: str | None = None
    author: str | None = None
    lead_member: str | None = None
    wards: str | None = None
    purpose: str | None = None
    recommendations: tuple[str, ...] | None = None
    financial_implications: str | None = None
    legal_implications: str | None = None
    background_papers: tuple[str, ...] | None = None


class EditionPaper(Paper):
    """One edition's cover, with what changes for particular meetings keyed by period."""

    periods: dict[str, Paper] = {}

    def for_period(self, label: str) -> Paper:
        """The cover for one period: the period's own entries over the edition's."""
        base = self.model_dump(exclude={"periods"})
        own = self.periods.get(label)
        if own is not None:
            base.update(
                {k: v for k, v in own.model_dump(exclude_unset=True).items() if v is not None}
            )
        return Paper(**base)


class Papers(_Model):
    """The covers of an authority's papers: council and hwb are annual, board quarterly."""

    council: EditionPaper = EditionPaper()
    hwb: EditionPaper = EditionPaper()
    board: EditionPaper = EditionPaper()

    @field_validator("council", "hwb", "board")
    @classmethod
    def _period_kinds(cls, v: EditionPaper, info) -> EditionPaper:
        quarterly = info.field_name == "board"
        for label in v.periods:
            try:
                is_quarter = is_quarter_label(label)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
            if is_quarter != quarterly:
                kind = "quarters such as '2026-27-Q2'" if quarterly else "years such as '2025-26'"
                raise ValueError(
                    f"period {label!r}: the {info.field_name} paper's periods are {kind}"
                )
        return v


class AuthorityEntry(_Model):
    """One authority as ``authorities.yml`` gives it."""

    name: str = Field(min_length=1)
    region: str | None = None
    population_0_17: dict[int, int] = {}
    neighbours: tuple[str, ...] = ()
    targets: dict[str, Target] = {}
    reference_dir: str | None = None
    synthetic: bool = False
    papers: Papers = Papers()

    @field_validator("population_0_17")
    @classmethod
    def _positive(cls, v: dict[int, int]) -> dict[int, int]:
        bad = [k for k, n in v.items() if n <= 0]
        if bad:
            raise ValueError(f"population for {bad[0]} must be positive")
        return v

    @field_validator("neighbours", mode="before")
    @classmethod
    def _codes(cls, v: Any) -> Any:
        return tuple(validate_la_code(str(n)) for n in v or ())

    @field_validator("targets", mode="before")
    @classmethod
    def _bare_values(cls, v: Any) -> Any:
        # ``placements_3plus_pct: 10`` means a target of 10 with no tolerance.
        if isinstance(v, dict):
            return {
                k: {"value": t} if isinstance(t, int | float | str) else t for k, t in v.items()
            }
        return v


class Authority(AuthorityEntry):
    """One local authority as configured (or as found in the data and reference tables)."""

    code: str
    configured: bool = True
    actions: tuple[Action, ...] = ()


class Folders(_Model):
    """The default folders, relative to the project folder."""

    raw: str = "data/raw"
    reference: str = "data/reference"
    processed: str = "data/processed"
    outputs: str = "outputs"
    key_file: str = "data/.corpar_key"


class Disclosure(_Model):
    """Counts from ``suppress_min`` to ``suppress_max`` are published as "c"."""

    suppress_min: int = Field(default=1, ge=1)
    suppress_max: int = Field(default=5, ge=1)


class SettingsFile(_Model):
    """``settings.yml`` as written."""

    paths: Folders = Folders()
    disclosure: Disclosure = Disclosure()
    trend_years: int = Field(default=5, ge=1)
    small_cohort: int = Field(default=10, ge=1)
    kernel_name: str = "python3"
    # "corpar-warm" reuses one reset kernel per process; "nbclient" starts a new kernel for
    # every notebook (papermill's default).
    kernel_engine: Literal["corpar-warm", "nbclient"] = "corpar-warm"


class Settings(_Model):
    """Pipeline-wide settings (disclosure thresholds, trend length, kernel)."""

    suppress_min: int = 1
    suppress_max: int = 5
    trend_years: int = 5
    small_cohort: int = 10
    kernel_name: str = "python3"
    kernel_engine: str = "corpar-warm"


class Config(_Model):
    """Everything in one configuration folder, validated: read once per run."""

    config_dir: Path
    authorities: dict[str, Authority]  # the configured ones
    action_plans: dict[str, tuple[Action, ...]]
    settings: Settings
    folders: Folders

    def authority(self, code: str) -> Authority:
        """The authority with its action plan.

        One not configured is known by its code only (its name comes from the reference
        data later).
        """
        base = self.authorities.get(code) or Authority(code=code, name=code, configured=False)
        return base.model_copy(update={"actions": self.action_plans.get(code, ())})


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


def _in_words(exc: ValidationError, where: str) -> ConfigError:
    """Pydantic's findings as one line per fault, in the configuration's own terms."""
    unknown: dict[tuple, list[str]] = {}
    lines = []
    for e in exc.errors():
        loc = tuple(e["loc"])
        if e["type"] == "extra_forbidden":
            unknown.setdefault(loc[:-1], []).append(str(loc[-1]))
            continue
        field = ".".join(str(p) for p in loc)
        if e["type"] == "missing":
            lines.append(f"needs {field}")
        elif e["type"] == "literal_error" and loc[-1] == "rating":
            lines.append(f"review rating {e['input']!r} must be one of {', '.join(REVIEW_RATINGS)}")
        elif e["type"] == "string_too_short":
            lines.append(f"needs {field} (it is empty)")
        else:
            msg = e["msg"].removeprefix("Value error, ")
            # A whole mapping given back would bury the fault in the configuration's text.
            given = "" if isinstance(e["input"], dict | list) else f" (given {e['input']!r})"
            lines.append(f"{field}: {msg}{given}")
    for parent, keys in unknown.items():
        at = ".".join(str(p) for p in parent)
        lines.append(f"{at + ' ' if at else ''}has unknown keys {sorted(keys)}")
    return ConfigError(f"{where}: " + "; ".join(lines))


def _authorities(path: Path) -> dict[str, Authority]:
    data = _read_yaml(path)
    unknown = set(data) - {"authorities"}
    if unknown:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)} (only 'authorities')")
    out = {}
    for code, raw in (data.get("authorities") or {}).items():
        code = validate_la_code(code)
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: authority {code!r} must be a mapping with at least 'name'")
        try:
            entry = AuthorityEntry.model_validate(raw)
        except ValidationError as exc:
            raise _in_words(exc, f"{path}: authority {code!r}") from None
        out[code] = Authority(code=code, **dict(entry))
    return out


def _settings(path: Path) -> SettingsFile:
    try:
        s = SettingsFile.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise _in_words(exc, str(path)) from None
    if s.disclosure.suppress_min > s.disclosure.suppress_max:
        raise ConfigError(f"{path}: disclosure needs 1 <= suppress_min <= suppress_max")
    return s


def action_plan(config_dir: Path, code: str) -> tuple[Action, ...]:
    """The authority's action plan from ``action_plans/<la>.yml`` (empty if none).

    Each action has a task, the impact sought, a baseline, an optional owner, linked
    indicator, due date and priority, and reviews (date, rating: complete, on track, at
    risk or off track, note), kept in date order.
    """
    path = config_dir / "action_plans" / f"{code}.yml"
    data = _read_yaml(path)
    unknown = set(data) - {"actions"}
    if unknown:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)} (only 'actions')")
    actions = []
    for n, raw in enumerate(data.get("actions") or [], start=1):
        where = f"{path}: action {n}"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: expected a mapping with task, impact and baseline")
        try:
            actions.append(Action.model_validate(raw))
        except ValidationError as exc:
            raise _in_words(exc, where) from None
    return tuple(actions)


def _check_indicator_ids(
    authorities: dict[str, Authority], plans: dict[str, tuple[Action, ...]], config_dir: Path
) -> None:
    """Targets and action plans name indicators the registry has (else: which, where)."""
    from pipeline.measures.registry import REGISTRY

    for a in authorities.values():
        unknown = sorted(set(a.targets) - set(REGISTRY))
        if unknown:
            raise ConfigError(
                f"{config_dir / 'authorities.yml'}: authority {a.code!r} has targets for "
                f"indicators that do not exist: {', '.join(unknown)} (the ids are in "
                "docs/indicators.md)"
            )
    for code, actions in plans.items():
        for n, act in enumerate(actions, start=1):
            if act.indicator and act.indicator not in REGISTRY:
                raise ConfigError(
                    f"{config_dir / 'action_plans' / (code + '.yml')}: action {n} links "
                    f"indicator {act.indicator!r}, which does not exist (the ids are in "
                    "docs/indicators.md)"
                )


def load_config(config_dir: Path | str) -> Config:
    """Read and validate one configuration folder: authorities, action plans, settings.

    A folder without some of these files gets the defaults.
    """
    cdir = Path(config_dir).absolute()
    LOADS.append(cdir)
    authorities = _authorities(cdir / "authorities.yml")
    folder = cdir / "action_plans"
    plans = {
        code: action_plan(cdir, code)
        for code in (validate_la_code(f.stem) for f in sorted(folder.glob("*.yml")))
    }
    _check_indicator_ids(authorities, plans, cdir)
    s = _settings(cdir / "settings.yml")
    settings = Settings(
        suppress_min=s.disclosure.suppress_min,
        suppress_max=s.disclosure.suppress_max,
        trend_years=s.trend_years,
        small_cohort=s.small_cohort,
        kernel_name=s.kernel_name,
        kernel_engine=s.kernel_engine,
    )
    return Config(
        config_dir=cdir,
        authorities=authorities,
        action_plans=plans,
        settings=settings,
        folders=s.paths,
    )
