"""Every write: internal folders owner-only, formulas neutralised, records round-tripped."""

from __future__ import annotations

import stat

from pipeline import io


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_private_folder_and_every_parent_it_makes_are_owner_only(tmp_path):
    io.private_dir(tmp_path / "processed" / "806" / "2025-26" / "notebooks")
    for folder in ("processed", "processed/806", "processed/806/2025-26",
                   "processed/806/2025-26/notebooks"):  # fmt: skip
        assert _mode(tmp_path / folder) == 0o700, folder


def test_a_private_folder_leaves_existing_parents_as_they_are(tmp_path):
    (tmp_path / "shared").mkdir(mode=0o755)
    io.private_dir(tmp_path / "shared" / "mine")
    assert _mode(tmp_path / "shared") == 0o755
    assert _mode(tmp_path / "shared" / "mine") == 0o700


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted():
    assert [io.neutralise(v) for v in ("=1+1", "+44", "@SUM(A1)", "ok", 5)] == [
        "'=1+1", "'+44", "'@SUM(A1)", "ok", 5,
    ]  # fmt: skip
