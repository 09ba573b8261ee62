"""The commit guard refuses children's data outside tests/ and large files."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def guard(*paths):
    return subprocess.run(
        [sys.executable, "scripts/check_no_data.py", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_data_files_outside_tests_are_refused(tmp_path):
    proc = guard(
        "data/raw/806/2024-25/episodes.csv",
        "outputs/806/x.xlsx",
        "tests/ok.csv",
        "pipeline/fine.py",
    )
    assert proc.returncode == 1
    refused = [line.split(":")[0] for line in proc.stderr.splitlines()]
    assert refused == ["data/raw/806/2024-25/episodes.csv", "outputs/806/x.xlsx"]


def test_large_files_are_refused(tmp_path):
    big = tmp_path / "big.py"
    big.write_bytes(b"#" * 1_000_001)
    proc = guard(str(big))
    assert proc.returncode == 1 and "larger than 1 MB" in proc.stderr


def test_the_repository_itself_passes():
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert files, "not a git checkout"
    assert guard(*files).returncode == 0
