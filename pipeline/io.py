"""Every path the pipeline reads or writes, and the writing itself.

The only module that builds paths: from a :class:`~pipeline.spec.config.RunSpec`, whose
authority code was validated before any path existed. Internal files (``data/processed``)
are created readable by their owner only; published files are written atomically (to a
temporary name, then moved), so a crash never leaves half a file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from pipeline.clean.history import History
from pipeline.problems import ConfigError
from pipeline.read.returns import Problem, YearReturn, quote
from pipeline.records import CheckRecord, ReadRecord
from pipeline.spec.runspec import RunSpec

log = logging.getLogger(__name__)

KEY_ENV = "CORPAR_PSEUDONYM_KEY"
KEY_FILE_ENV = "CORPAR_KEY_FILE"


def tables_dir(spec: RunSpec) -> Path:
    """``data/processed/<la>/<period>/tables``: cleaned, pseudonymised parquet."""
    return spec.processed_dir / "tables"


def returned_dir(spec: RunSpec) -> Path:
    """``data/processed/<la>/<period>/returned``: the latest returns as the checks read them."""
    return spec.processed_dir / "returned"


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


def private_dir(path: Path) -> None:
    """Create an internal folder, and every missing parent, readable by its owner only.

    (``mkdir(parents=True)`` would give the parents the default permissions.)
    """
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # whatever the umask


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


def write_private_parquet(path: Path, df: pd.DataFrame) -> None:
    """An internal parquet file, readable by its owner only, written atomically."""
    import io as _bytes

    private_dir(path.parent)
    buf = _bytes.BytesIO()
    df.to_parquet(buf, index=False)
    _atomic_write(path, buf.getvalue(), private=True)


def write_private_csv(path: Path, df: pd.DataFrame) -> None:
    """An internal CSV, readable by its owner only."""
    private_dir(path.parent)
    _atomic_write(path, df.to_csv(index=False).encode("utf-8"), private=True)


def write_public_bytes(path: Path, data: bytes) -> None:
    """A published file, written atomically."""
    _atomic_write(path, data)


def pseudonym_key(spec: RunSpec) -> bytes:
    """The key for pseudonymising child ids: corpar reads it, and never writes it.

    From ``CORPAR_PSEUDONYM_KEY``, else the file named by ``CORPAR_KEY_FILE`` (which must
    exist), else the configured key file (``data/.corpar_key``, outside git) when it exists.
    Surrounding whitespace is not part of the key. Keep the key outside the data folders
    and the same from run to run, or pseudonyms change.
    """
    if os.environ.get(KEY_ENV):  # set but empty counts as not set
        return _checked_key(os.environ[KEY_ENV].encode(), KEY_ENV)
    named = os.environ.get(KEY_FILE_ENV)
    path = Path(named) if named else spec.paths.key_file
    if named and not path.is_file():
        raise ConfigError(
            f"{KEY_FILE_ENV} names {quote(str(path))}, which is not a file: check the path "
            "(the key file is never created by corpar)"
        )
    if path.is_file():
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"{quote(str(path))}: the key file cannot be read: {exc.strerror}"
            ) from exc
        return _checked_key(raw, quote(str(path)))
    raise ConfigError(
        f"no pseudonymisation key: set {KEY_ENV}, or put a key in a file outside git and set "
        f'{KEY_FILE_ENV} to its path (make one with: python -c "import secrets; '
        'print(secrets.token_hex(32))"). corpar never writes the key itself; keep it, or '
        "pseudonyms change between runs."
    )


def _checked_key(raw: bytes, where: str) -> bytes:
    key = raw.strip()
    # A key of one repeated character (spaces, "0000...") is no secret.
    if len(key) < 16 or len(set(key)) < 8:
        raise ConfigError(
            f"{where}: the pseudonymisation key is too short or too simple (16+ characters, "
            'at least 8 different; make one with: python -c "import secrets; '
            'print(secrets.token_hex(32))")'
        )
    return key


KEY_CHECK_FILE = ".key-check"


def key_check(key: bytes) -> str:
    """A keyed fingerprint of the key: shows a later run used the same key, reveals nothing.

    >>> key_check(b"k" * 16) == key_check(b"k" * 16), key_check(b"k" * 16) == key_check(b"j" * 16)
    (True, False)
    """
    return hmac.new(key, b"corpar pseudonymisation key check v1", hashlib.sha256).hexdigest()


def check_key(spec: RunSpec, key: bytes, rekey: bool = False) -> None:
    """Stop when the key differs from the one this authority's processed files were made with.

    A new key silently changes every pseudonym, so yesterday's row lists no longer match
    today's. The fingerprint is kept at ``data/processed/<la>/.key-check``; ``rekey``
    (``corpar run --rekey``) accepts a new key on purpose and records it.
    """
    path = spec.paths.processed / spec.la_code / KEY_CHECK_FILE
    now = key_check(key)
    if path.is_file() and not rekey:
        before = path.read_text(encoding="ascii", errors="replace").strip()
        if before != now:
            raise ConfigError(
                f"the pseudonymisation key is not the one {spec.la_code}'s processed files "
                f"were made with ({quote(str(path))}): set the earlier key again, or run "
                "with --rekey to start again with this one (every pseudonym changes)"
            )
        return
    private_dir(path.parent)
    _atomic_write(path, (now + "\n").encode("ascii"), private=True)


def write_history(spec: RunSpec, history: History) -> ReadRecord:
    """Write the cleaned tables as parquet, the rejected rows, and the stage's record."""
    out = tables_dir(spec)
    private_dir(out)
    for name, df in history.tables.items():
        path = out / f"{name}.parquet"
        df.to_parquet(path, index=False)
        os.chmod(path, 0o600)
    path = out / "attainment.parquet"
    history.attainment.to_parquet(path, index=False)
    os.chmod(path, 0o600)
    write_private_csv(processed_file(spec, "rejected_rows.csv"), history.rejected)
    return write_problems(
        spec, history.problems, history.years, history.rejected, history.files, history.repairs
    )


def write_returned(spec: RunSpec, returned: list[YearReturn]) -> None:
    """Write the latest returns as returned (:func:`~pipeline.clean.history.as_returned`).

    One folder per collection year, a parquet file per table, owner-only. The data checks
    read these instead of the raw files, so they check the very rows the figures came from.
    A previous run's years are removed first: only this run's are ever read back.
    """
    out = returned_dir(spec)
    forget_returned(spec)
    for ret in returned:
        folder = out / ret.year
        private_dir(folder)
        for name, df in ret.tables.items():
            path = folder / f"{name}.parquet"
            df.to_parquet(path)
            os.chmod(path, 0o600)


def forget_returned(spec: RunSpec) -> None:
    """Remove the returns an earlier run wrote, so the checks never read another run's rows."""
    shutil.rmtree(returned_dir(spec), ignore_errors=True)


def read_returned(spec: RunSpec) -> list[YearReturn]:
    """The latest returns as the reading stage wrote them, oldest first."""
    folder = returned_dir(spec)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder} does not exist: run the clean stage (notebooks/10_clean.ipynb) for "
            f"{spec.la_code} {spec.period.label} first"
        )
    return [
        YearReturn(y.name, {p.stem: pd.read_parquet(p) for p in sorted(y.glob("*.parquet"))})
        for y in sorted(p for p in folder.iterdir() if p.is_dir())
    ]


def write_problems(
    spec: RunSpec,
    problems: list[Problem],
    years: list[str],
    rejected: pd.DataFrame,
    files: list | None = None,
    repairs: list | None = None,
) -> ReadRecord:
    """``read_report.json``: what reading found (row numbers, no values), internal."""
    counts = rejected.groupby(["_table", "_reason"]).size() if len(rejected) else pd.Series()
    record = ReadRecord(
        years_read=years,
        problems=[asdict(p) for p in problems],
        files=[asdict(f) for f in files or []],
        rejected_rows=[{"table": t, "reason": r, "rows": int(n)} for (t, r), n in counts.items()],
        repairs=[r.as_dict() for r in repairs or []],
    )
    private_dir(spec.processed_dir)
    _atomic_write(
        processed_file(spec, "read_report.json"),
        record.model_dump_json(indent=1).encode(),
        private=True,
    )
    return record


def read_record(spec: RunSpec) -> ReadRecord:
    """What the reading stage recorded (empty when it has not run, or stopped first)."""
    path = processed_file(spec, "read_report.json")
    return ReadRecord.model_validate_json(path.read_bytes()) if path.exists() else ReadRecord()


def read_checks(spec: RunSpec) -> CheckRecord | None:
    """What the data checks recorded (None when they have not run)."""
    path = processed_file(spec, "validation.json")
    return CheckRecord.model_validate_json(path.read_bytes()) if path.exists() else None


def write_validation(spec: RunSpec, findings: dict, rows: pd.DataFrame) -> None:
    """Write ``validation.json`` and ``validation_rows.csv``, internal and owner-only.

    The first holds every check with its row numbers; the second the pseudonymised row-level
    list an analyst opens.
    """
    private_dir(spec.processed_dir)
    _atomic_write(
        processed_file(spec, "validation.json"),
        json.dumps(findings, indent=1).encode(),
        private=True,
    )
    write_private_csv(processed_file(spec, "validation_rows.csv"), rows)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Stop a spreadsheet reading text as a formula (CSV/Excel injection).

    >>> neutralise("=HYPERLINK(1)"), neutralise("-5"), neutralise(-5.0), neutralise("ok")
    ("'=HYPERLINK(1)", "'-5", -5.0, 'ok')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_private_json(path: Path, data: object) -> None:
    """An internal JSON file, readable by its owner only."""
    private_dir(path.parent)
    _atomic_write(path, json.dumps(data, indent=1).encode(), private=True)


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


def commentary_text(spec: RunSpec, kind: str) -> str | None:
    """Optional text for a report slot, from ``config/commentary/<la>/[<period>/]<kind>.md``.

    The period's own file wins over the authority's general one; None when neither exists.
    """
    base = spec.config_dir / "commentary" / spec.la_code
    for path in (base / spec.period.label / f"{kind}.md", base / f"{kind}.md"):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None
