"""Every path the pipeline reads or writes, and the writing itself.

The only module that builds paths: from a :class:`~pipeline.config.RunSpec`, whose
authority code was validated before any path existed. Internal files (``data/processed``)
are created readable by their owner only; published files are written atomically (to a
temporary name, then moved), so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from pipeline.clean import History
from pipeline.config import ConfigError, RunSpec
from pipeline.ssda903 import Problem

log = logging.getLogger(__name__)

KEY_ENV = "CORPAR_PSEUDONYM_KEY"
KEY_FILE_ENV = "CORPAR_KEY_FILE"


def tables_dir(spec: RunSpec) -> Path:
    """``data/processed/<la>/<period>/tables``: cleaned, pseudonymised parquet."""
    return spec.processed_dir / "tables"


def notebooks_dir(spec: RunSpec) -> Path:
    """``data/processed/<la>/<period>/notebooks``: executed notebooks, the audit trail."""
    return spec.processed_dir / "notebooks"


def processed_file(spec: RunSpec, name: str) -> Path:
    """A file in the run's internal folder (never published)."""
    return spec.processed_dir / name


def output_file(spec: RunSpec, name: str) -> Path:
    """A file in the run's publishable folder."""
    return spec.output_dir / name


def report_name(spec: RunSpec, edition: str, suffix: str) -> str:
    """``<la>_<period>_<edition>.<suffix>`` as in the contract."""
    return f"{spec.la_code}_{spec.period.label}_{edition}.{suffix}"


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


def _atomic_write(path: Path, data: bytes, private: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o600 if private else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_private_csv(path: Path, df: pd.DataFrame) -> None:
    """An internal CSV, readable by its owner only."""
    _private_dir(path.parent)
    _atomic_write(path, df.to_csv(index=False).encode("utf-8"), private=True)


def write_public_bytes(path: Path, data: bytes) -> None:
    """A published file, written atomically."""
    _atomic_write(path, data)


def pseudonym_key(spec: RunSpec) -> bytes:
    """The key for pseudonymising child ids: corpar reads it, and never writes it.

    From ``CORPAR_PSEUDONYM_KEY``, else the file named by ``CORPAR_KEY_FILE``, else the
    configured key file (``data/.corpar_key``, outside git) when it exists. Keep the key
    outside the data folders and the same from run to run, or pseudonyms change.
    """
    if os.environ.get(KEY_ENV):
        key = os.environ[KEY_ENV].encode()
        if len(key) < 16:
            raise ConfigError(f"{KEY_ENV}: the pseudonymisation key is too short (16+ characters)")
        return key
    path = Path(os.environ.get(KEY_FILE_ENV) or spec.paths.key_file)
    if path.exists():
        key = path.read_bytes().strip()
        if len(key) < 16:
            raise ConfigError(f"{path}: the pseudonymisation key is too short (16+ characters)")
        return key
    raise ConfigError(
        f"no pseudonymisation key: set {KEY_ENV}, or put a key in a file outside git and set "
        f'{KEY_FILE_ENV} to its path (make one with: python -c "import secrets; '
        'print(secrets.token_hex(32))"). corpar never writes the key itself; keep it, or '
        "pseudonyms change between runs."
    )


def write_history(spec: RunSpec, history: History) -> None:
    """Write the cleaned tables as parquet, plus the read report and rejected rows."""
    out = tables_dir(spec)
    _private_dir(out)
    for name, df in history.tables.items():
        path = out / f"{name}.parquet"
        df.to_parquet(path, index=False)
        os.chmod(path, 0o600)
    path = out / "attainment.parquet"
    history.attainment.to_parquet(path, index=False)
    os.chmod(path, 0o600)
    write_private_csv(processed_file(spec, "rejected_rows.csv"), history.rejected)
    write_problems(spec, history.problems, history.years, history.rejected, history.files)


def write_problems(
    spec: RunSpec,
    problems: list[Problem],
    years: list[str],
    rejected: pd.DataFrame,
    files: list | None = None,
) -> None:
    """``read_report.json``: what reading found (row numbers, no values), internal."""
    counts = rejected.groupby(["_table", "_reason"]).size() if len(rejected) else pd.Series()
    report = {
        "years_read": years,
        "problems": [asdict(p) for p in problems],
        "files": [asdict(f) for f in files or []],
        "rejected_rows": [
            {"table": t, "reason": r, "rows": int(n)} for (t, r), n in counts.items()
        ],
    }
    _private_dir(spec.processed_dir)
    _atomic_write(
        processed_file(spec, "read_report.json"),
        json.dumps(report, indent=1).encode(),
        private=True,
    )


def write_validation(spec: RunSpec, findings: dict, rows: pd.DataFrame) -> None:
    """Write ``validation.json`` and ``validation_rows.csv``, internal and owner-only.

    The first holds every check with its row numbers; the second the pseudonymised row-level
    list an analyst opens.
    """
    _private_dir(spec.processed_dir)
    _atomic_write(
        processed_file(spec, "validation.json"),
        json.dumps(findings, indent=1).encode(),
        private=True,
    )
    write_private_csv(processed_file(spec, "validation_rows.csv"), rows)


def read_json(path: Path) -> dict:
    """A JSON file written by a run, or an empty mapping when it is not there."""
    return json.loads(path.read_text()) if path.exists() else {}


def read_tables(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """The cleaned tables written by the clean stage."""
    folder = tables_dir(spec)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder} does not exist: run the clean stage "
            f"(notebooks/10_clean.ipynb) for {spec.la_code} "
            f"{spec.period.label} first"
        )
    return {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


def write_indicators(spec: RunSpec, current: pd.DataFrame, trend: pd.DataFrame) -> None:
    """``indicators.csv`` (contract columns) and ``indicators_trend.csv``, unsuppressed."""
    write_private_csv(processed_file(spec, "indicators.csv"), current)
    write_private_csv(processed_file(spec, "indicators_trend.csv"), trend)


def read_indicators(spec: RunSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The indicator tables written by the indicators stage."""
    cur = processed_file(spec, "indicators.csv")
    if not cur.exists():
        raise FileNotFoundError(
            f"{cur} does not exist: run notebooks/30_indicators.ipynb "
            f"for {spec.la_code} {spec.period.label} first"
        )
    return _read_indicator_csv(cur), _read_indicator_csv(
        processed_file(spec, "indicators_trend.csv")
    )


def _read_indicator_csv(path: Path) -> pd.DataFrame:
    # Blank breakdown means "total": keep it as "", while blank numbers are missing.
    return pd.read_csv(
        path,
        dtype={"breakdown": str, "period": str},
        keep_default_na=False,
        na_values={"numerator": [""], "denominator": [""], "value": [""]},
    )


def read_gaps(spec: RunSpec) -> pd.DataFrame:
    """The attainment gaps written by the indicators stage (empty when there are none)."""
    path = processed_file(spec, "attainment_gaps.csv")
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame()
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def commentary_text(spec: RunSpec, kind: str) -> str | None:
    """Optional text for a report slot, from ``config/commentary/<la>/[<period>/]<kind>.md``.

    The period's own file wins over the authority's general one; None when neither exists.
    """
    base = spec.config_dir / "commentary" / spec.la_code
    for path in (base / spec.period.label / f"{kind}.md", base / f"{kind}.md"):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None
