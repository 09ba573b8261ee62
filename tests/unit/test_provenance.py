"""The fingerprint: a job is skipped only when nothing it depends on changed."""

from __future__ import annotations

from pipeline.orchestrate.provenance import fingerprint
from pipeline.spec.runspec import build_run_spec
from tests.conftest import minimal_return


def _spec(tmp_path):
    minimal_return(tmp_path / "raw" / "999" / "2024-25")
    (tmp_path / "config").mkdir(exist_ok=True)
    return build_run_spec(
        "999", "2024-25", tmp_path / "config", tmp_path / "raw", tmp_path / "ref",
        tmp_path / "p", tmp_path / "o",
    )  # fmt: skip


def test_the_same_inputs_give_the_same_fingerprint(tmp_path):
    spec = _spec(tmp_path)
    assert fingerprint(spec) == fingerprint(spec)


def test_a_changed_return_changes_the_fingerprint(tmp_path):
    spec = _spec(tmp_path)
    before = fingerprint(spec)
    header = tmp_path / "raw" / "999" / "2024-25" / "header.csv"
    header.write_text(header.read_text() + "\n")
    assert fingerprint(spec) != before


def test_a_periods_own_commentary_changes_the_fingerprint(tmp_path):
    # commentary/<la>/<period>/<kind>.md is printed in that period's report: editing it
    # must re-run the job, not skip it as unchanged.
    spec = _spec(tmp_path)
    before = fingerprint(spec)
    words = tmp_path / "config" / "commentary" / "999" / "2024-25" / "officer_commentary.md"
    words.parent.mkdir(parents=True)
    words.write_text("Placements were more stable this year.")
    assert fingerprint(spec) != before


def test_a_later_years_return_does_not_change_an_earlier_periods_fingerprint(tmp_path):
    spec = _spec(tmp_path)
    before = fingerprint(spec)
    minimal_return(tmp_path / "raw" / "999" / "2025-26")
    assert fingerprint(spec) == before
