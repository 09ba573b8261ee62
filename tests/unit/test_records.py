"""The records stages hand on: typed, counted, and strict about what they hold."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipeline.records import ReadRecord


def record() -> ReadRecord:
    return ReadRecord(
        years_read=["2024-25", "2025-26"],
        problems=[
            {"severity": "error", "file": "a.csv", "message": "x"},
            {"severity": "warning", "file": "b.csv", "message": "y", "rows": [2, 3]},
            {"severity": "warning", "file": "b.csv", "message": "z"},
        ],
        files=[
            {"file": "806/2024-25/h.csv", "sha256": "1", "encoding": "utf-8", "table": "Header",
             "rows": 4},
            {"file": "806/2025-26/h.csv", "sha256": "2", "encoding": None, "table": None,
             "rows": 0},
        ],
        rejected_rows=[{"table": "Episodes", "reason": "r", "rows": 3},
                       {"table": "Header", "reason": "s", "rows": 2}],
    )  # fmt: skip


def test_counts():
    r = record()
    assert (r.errors, r.warnings, r.rejected) == (1, 2, 5)


def test_the_files_of_some_years():
    assert record().files_of(["2025-26"]) == {"806/2025-26/h.csv": "2"}
    assert record().files_of(["2023-24"]) == {}


def test_a_record_round_trips_through_its_file_form():
    r = record()
    assert ReadRecord.model_validate_json(r.model_dump_json()) == r


def test_a_field_the_record_does_not_know_is_refused():
    with pytest.raises(ValidationError):
        ReadRecord(years_read=[], child_ids=["1"])
