"""The stage functions the notebooks call: each hands the next a typed record."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from pipeline import io
from pipeline.orchestrate import stages
from pipeline.problems import InputError
from pipeline.spec.runspec import build_run_spec
from tests.conftest import minimal_return

PERIOD = "2024-25"


@pytest.fixture
def spec(tmp_path, monkeypatch):
    monkeypatch.setenv("CORPAR_PSEUDONYM_KEY", "test-key-not-secret-0123456789")
    minimal_return(tmp_path / "raw" / "999" / PERIOD)
    return build_run_spec(
        "999", PERIOD, tmp_path / "config", tmp_path / "raw", tmp_path / "ref",
        tmp_path / "p", tmp_path / "o",
    )  # fmt: skip


def test_the_reading_stage_records_what_it_read(spec):
    stages.clean(spec)
    record = io.read_record(spec)
    assert record.years_read == [PERIOD]
    # One child, one episode (the minimal return): two files, one row each.
    assert sorted((f.file, f.table, f.rows) for f in record.files) == [
        (f"999/{PERIOD}/episodes.csv", "Episodes", 1),
        (f"999/{PERIOD}/header.csv", "Header", 1),
    ]


def test_the_checks_read_what_the_reading_stage_read_never_the_raw_files(spec):
    stages.clean(spec)
    before = [(f.check, f.failing) for f in stages.validate(spec).findings]
    # A file changed, and one added, after stage 10 read the returns: stage 20 checks the
    # rows the figures came from, so neither the bad code nor the copy is seen.
    header = spec.raw_dir / PERIOD / "header.csv"
    header.write_text(header.read_text().replace("WBRI", "XXXX"))
    (spec.raw_dir / PERIOD / "header copy.csv").write_text(header.read_text())
    assert [(f.check, f.failing) for f in stages.validate(spec).findings] == before
    # ... and with the raw folder gone altogether, they still run, and find the same.
    shutil.rmtree(spec.raw_dir)
    assert [(f.check, f.failing) for f in stages.validate(spec).findings] == before
    assert dict(before)["Header.ETHNIC.valid_code"] == 0


def test_what_the_checks_read_holds_no_id_upn_or_postcode(spec):
    stages.clean(spec)
    values = set()
    for path in io.returned_dir(spec).rglob("*.parquet"):
        assert path.stat().st_mode & 0o077 == 0, path  # owner-only, as the cleaned tables
        frame = pd.read_parquet(path)
        values |= set(frame.columns) | {str(v) for c in frame for v in frame[c]}
    # The minimal return's child 001, UPN A123456789012 and postcodes ZX1 1AA / ZX2 2BB.
    assert values.isdisjoint({"001", "A123456789012", "ZX1 1AA", "ZX2 2BB"})
    assert {"HOME_POST", "PL_POST", "UPN__valid", "(given)"} <= values
    assert "01/06/2015" in values  # the date of birth as returned, as the tables hold it


def test_a_failed_reading_leaves_no_earlier_run_for_the_checks(spec):
    stages.clean(spec)
    (spec.raw_dir / PERIOD).rename(spec.raw_dir / "2024-2025")  # nothing can be read
    with pytest.raises(InputError):
        stages.clean(spec)
    with pytest.raises(FileNotFoundError, match="run the clean stage"):
        stages.validate(spec)


def test_the_checks_run_on_the_bytes_that_were_read(spec):
    stages.clean(spec)
    result = stages.validate(spec)
    assert not result.critical
