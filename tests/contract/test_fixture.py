"""The validator's deliberately dirty fake 903 data (shared/fixtures): read, never crash."""

from __future__ import annotations

import csv
import shutil
from collections import Counter

import pytest

from pipeline.clean.history import build_history
from pipeline.read.returns import read_history
from tests.conftest import tree_hashes

KEY = b"fixture-key-0123456789"


@pytest.fixture
def fake_return(shared, tmp_path):
    folder = tmp_path / "999" / "2017-18"
    # The CSV tables only: the fixture's XML is another return (tests/unit/test_xml903.py).
    src = shared / "fixtures" / "ssda903_validator_fake"
    shutil.copytree(src, folder, ignore=shutil.ignore_patterns("*.xml"))
    return folder


def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_dirty_fixture_reads_with_every_problem_reported(fake_return):
    before = tree_hashes(fake_return)
    returns = read_history(fake_return.parent, "2017-18")
    history = build_history(returns, KEY)
    msgs = [str(p) for p in history.problems]
    # Two files hold the PlacedAdoption table (one is the validator's error case).
    assert (
        "ERROR: 999/2017-18/placed_for_adoption_errors.csv: holds the PlacedAdoption "
        "table, and so does 999/2017-18/placed_for_adoption.csv: keep one file per table "
        "in each year's folder"
    ) in msgs
    # Counted independently with the csv module: every row is kept or counted.
    header = rows(fake_return / "header.csv")
    episodes = rows(fake_return / "episodes.csv")
    reviews = rows(fake_return / "reviews.csv")
    assert len(history.tables["Header"]) == len({r["CHILD"] for r in header}) == len(header)
    dup_reviews = sum(n - 1 for n in Counter((r["CHILD"], r["REVIEW"]) for r in reviews).values())
    assert len(history.tables["Reviews"]) == len(reviews) - dup_reviews
    assert len(history.tables["Episodes"]) + int(
        (history.rejected["_table"] == "Episodes").sum()
    ) == len(episodes)
    assert len(history.rejected) == dup_reviews + int(
        (history.rejected["_table"] != "Reviews").sum()
    )
    assert set(history.tables["Header"]["SEX"]) <= {"M", "F", "1", "2", ""} | {"M", "F"}
    assert tree_hashes(fake_return) == before


def test_dirty_fixture_without_the_duplicate_file_has_no_errors(fake_return):
    (fake_return / "placed_for_adoption_errors.csv").unlink()
    history = build_history(read_history(fake_return.parent, "2017-18"), KEY)
    assert [p for p in history.problems if p.severity == "error"] == []
    assert set(history.tables["Header"]["SEX"]) == {"M", "F"}  # 1/2 mapped
