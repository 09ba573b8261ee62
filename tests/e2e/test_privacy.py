"""Children's privacy: the key is never written, processed ids are pseudonyms, files are private."""

from __future__ import annotations

import csv
import stat

import pandas as pd

from pipeline import cli, io
from pipeline.spec.runspec import build_run_spec
from tests.conftest import corpar

CODES = ("Z01", "Z02", "Z03", "Z04")
PERIOD = "2025-26"


def test_a_run_without_a_key_stops_before_reading_data(tmp_path):
    proc = corpar(
        "validate", "--la", "Z01", "--period", PERIOD, "--raw-dir", str(tmp_path / "raw"),
        "--processed-dir", str(tmp_path / "p"), "--output-dir", str(tmp_path / "o"),
        env_extra={"CORPAR_PSEUDONYM_KEY": "", "CORPAR_KEY_FILE": ""},
    )  # fmt: skip
    assert proc.returncode == 2
    assert "corpar: no pseudonymisation key: set CORPAR_PSEUDONYM_KEY" in proc.stderr
    assert not (tmp_path / "p").exists()


def test_the_demo_key_lives_in_memory_only(tmp_path, monkeypatch):
    monkeypatch.delenv(io.KEY_ENV, raising=False)
    monkeypatch.setenv(io.KEY_FILE_ENV, str(tmp_path / "key"))
    spec = build_run_spec("Z01", PERIOD)
    cli.demo_key(spec)
    key = io.pseudonym_key(spec)
    assert len(key) == 64 and list(tmp_path.iterdir()) == []


def _raw_ids(demo) -> tuple[set, set, set]:
    ids, upns, posts = set(), set(), set()
    for f in demo["raw"].rglob("*"):
        if not f.is_file() or f.suffix.lower() != ".csv":
            continue
        with open(f, encoding="utf-8-sig", errors="replace", newline="") as fh:
            for r in csv.DictReader(fh):
                r = {str(k).strip().upper(): (v or "").strip() for k, v in r.items() if k}
                ids.add(r.get("CHILD", ""))
                upns.add(r.get("UPN", ""))
                posts |= {r.get("HOME_POST", ""), r.get("PL_POST", "")}
    return ids - {""}, upns - {"", "UN1", "UN2", "UN3", "UN4", "UN5"}, posts - {""}


def test_processed_files_hold_pseudonyms_only_and_are_owner_only(demo):
    ids, upns, posts = _raw_ids(demo)
    assert ids and upns and posts
    for code in CODES:
        base = demo["processed"] / code / PERIOD
        for pq in (base / "tables").glob("*.parquet"):
            df = pd.read_parquet(pq)
            if "CHILD" in df:
                assert not set(df["CHILD"].astype(str)) & ids, pq.name
            if "UPN" in df:
                assert not set(df["UPN"].astype(str)) & upns, pq.name
            assert not {"HOME_POST", "PL_POST"} & set(df.columns)
        for name in ("rejected_rows.csv", "validation_rows.csv"):
            df = pd.read_csv(base / name, dtype=str, keep_default_na=False)
            col = "child" if "child" in df else "CHILD"
            if col in df:
                assert not set(df[col]) & ids, name
        # The job's lock and the key's fingerprint sit beside the period folders.
        beside = [f for f in (demo["processed"] / code).iterdir() if f.is_file()]
        assert {f.name for f in beside} >= {".key-check", f".{PERIOD}.lock"}
        for f in [*base.rglob("*"), *beside]:
            mode = stat.S_IMODE(f.stat().st_mode)
            if f.is_file():
                assert mode & 0o077 == 0, f"{f} is readable by others ({oct(mode)})"
            else:
                assert mode & 0o077 == 0, f"{f} folder is open to others ({oct(mode)})"
