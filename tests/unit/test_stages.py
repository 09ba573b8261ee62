"""The stage functions the notebooks call: each hands the next a typed record."""

from __future__ import annotations

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


def test_the_checks_refuse_a_return_changed_after_it_was_read(spec):
    stages.clean(spec)
    header = spec.raw_dir / PERIOD / "header.csv"
    header.write_text(header.read_text().replace("WBRI", "WIRI"))
    with pytest.raises(InputError) as err:
        stages.validate(spec)
    (problem,) = err.value.problems
    assert problem.file == f"999/{PERIOD}/header.csv"
    assert "changed, appeared or went after this run read the returns" in problem.message


def test_the_checks_refuse_a_file_added_after_the_returns_were_read(spec):
    stages.clean(spec)
    extra = spec.raw_dir / PERIOD / "header copy.csv"
    extra.write_text((spec.raw_dir / PERIOD / "header.csv").read_text())
    with pytest.raises(InputError) as err:
        stages.validate(spec)
    assert [p.file for p in err.value.problems] == [f"999/{PERIOD}/header copy.csv"]


def test_the_checks_run_on_the_bytes_that_were_read(spec):
    stages.clean(spec)
    result = stages.validate(spec)
    assert not result.critical
