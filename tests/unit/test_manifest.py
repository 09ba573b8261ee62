"""``run.json`` (pipeline/orchestrate/manifest.py): what was run, on what, with what, how long.

It promises: each input file named under the raw folder with its sha256, table, rows and
encoding; the counts of errors, warnings and rejected rows from the reading stage's record
and the data checks' summary; every published file with its sha256; the run's period,
editions, settings, code, fingerprint and timings; and no row-level content. The records
here are made by hand and written through pipeline.io, as the stages write them.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
from datetime import UTC, datetime

import pandas as pd

from pipeline import io
from pipeline.orchestrate.manifest import write_manifest
from pipeline.problems import Problem
from pipeline.read.returns import FileInfo
from pipeline.spec.runspec import build_run_spec
from tests.conftest import minimal_return

CANARY = "CANARY-CHILD-77"  # a child id in the internal records; never in run.json


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_run_json_says_what_was_run_on_what_and_holds_no_child_level_value(tmp_path):
    raw = minimal_return(tmp_path / "raw" / "999" / "2024-25")
    (tmp_path / "config").mkdir()
    spec = build_run_spec("999", "2024-25", tmp_path / "config", tmp_path / "raw",
                          tmp_path / "ref", tmp_path / "p", tmp_path / "o")  # fmt: skip
    header, episodes = (raw / "header.csv").read_bytes(), (raw / "episodes.csv").read_bytes()
    files = [
        FileInfo("999/2024-25/header.csv", _sha(header), "utf-8-sig", "Header", 1),
        FileInfo("999/2024-25/episodes.csv", _sha(episodes), "utf-8-sig", "Episodes", 1),
    ]
    problems = [
        Problem("error", "999/2024-25/episodes.csv", "not a date", column="DECOM", rows=(2,)),
        Problem("error", "999/2024-25/episodes.csv", "not a code", column="LS", rows=(2,)),
        Problem("warning", "999/2024-25/header.csv", "a blank UPN", column="UPN", rows=(2,)),
    ]
    rejected = pd.DataFrame({"_table": ["Episodes", "Episodes", "Header"],
                             "_reason": ["bad date", "bad date", "duplicate"],
                             "CHILD": [CANARY] * 3})  # fmt: skip
    io.write_problems(spec, problems, ["2024-25"], rejected, files)
    findings = {
        "summary": {"critical": 1, "checks_run": 12},
        "checks": [{"id": "dob_before_decom", "rows": [2], "values": [CANARY]}],
    }
    io.write_validation(spec, findings, pd.DataFrame({"CHILD": [CANARY], "check": ["x"]}))
    published = {"999_2024-25_council.html": b"<html>council</html>", "data_quality.html": b"dq"}
    for name, data in published.items():
        io.write_public_bytes(io.output_file(spec, name), data)

    write_manifest(spec, ["hwb", "council"], {"10_clean": 1.5}, "fp-123")

    path = spec.output_dir / "run.json"
    text = path.read_text()
    m = json.loads(text)
    assert (m["la_code"], m["period"]) == ("999", "2024-25")
    assert (m["period_start"], m["period_end"]) == ("2024-04-01", "2025-03-31")
    assert datetime.fromisoformat(m["created"]).tzinfo == UTC
    assert m["editions"] == ["council", "hwb"]
    assert m["outputs"] == ["999_2024-25_council.html", "data_quality.html", "run.json"]
    assert m["output_sha256"] == {n: _sha(d) for n, d in published.items()}
    assert m["inputs"] == [
        {"file": "999/2024-25/header.csv", "sha256": _sha(header), "table": "Header",
         "rows": 1, "encoding": "utf-8-sig"},
        {"file": "999/2024-25/episodes.csv", "sha256": _sha(episodes), "table": "Episodes",
         "rows": 1, "encoding": "utf-8-sig"},
    ]  # fmt: skip
    assert m["years_read"] == ["2024-25"]
    assert m["checks"] == {"errors": 2, "warnings": 1, "rejected_rows": 3}
    assert m["data_checks"] == {"critical": 1, "checks_run": 12}
    assert m["settings"] == {"suppress_min": 1, "suppress_max": 5, "trend_years": 5}
    assert (m["fingerprint"], m["timings_seconds"]) == ("fp-123", {"10_clean": 1.5})
    assert m["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}", m["git_commit"])
    assert m["code"].startswith("corpar ")
    # No value of a row: no child id, no problem's text or column, no check's rows.
    for said in (CANARY, "not a date", "a blank UPN", "DECOM", "dob_before_decom"):
        assert said not in text, said
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # published, like the reports


def test_before_the_checks_run_the_data_checks_are_empty(tmp_path):
    (tmp_path / "config").mkdir()
    spec = build_run_spec("999", "2025-26", tmp_path / "config", tmp_path / "raw",
                          tmp_path / "ref", tmp_path / "p", tmp_path / "o")  # fmt: skip
    io.write_public_bytes(io.output_file(spec, "data_quality.html"), b"dq")
    write_manifest(spec, [], {})
    m = json.loads((spec.output_dir / "run.json").read_text())
    assert (m["inputs"], m["years_read"], m["data_checks"]) == ([], [], {})
    assert m["checks"] == {"errors": 0, "warnings": 0, "rejected_rows": 0}
    assert m["outputs"] == ["data_quality.html", "run.json"]
