"""Written commentary (``pipeline.report.commentary``): what members may read.

A slot prints the file written for the report (``config/commentary/<la>/[<period>/]<kind>.md``)
as escaped paragraphs under its heading, or nothing when there is no file. Text that reads
as an example or instructions (it starts with Example, TODO, TBC or Lorem ipsum, or names a
``config/`` file) is refused: it is for the analyst, never for members.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pipeline.report.commentary import not_for_members, slot
from pipeline.spec.runspec import build_run_spec

WHY = 'it reads as an example or instructions (it starts with "Example" or names a config/ file)'


@pytest.mark.parametrize(
    "text",
    [
        "Example officer commentary.",
        "  EXAMPLE: what officers might say",  # case and leading space do not matter
        "\nTODO: the head of service writes this",
        "TBC",
        "Lorem ipsum dolor sit amet.",
        "Placements were stable. Put the words in config/commentary/Z09/officer_commentary.md",
    ],
)
def test_examples_and_instructions_are_refused_and_say_why(text):
    assert not_for_members(text) == WHY


@pytest.mark.parametrize(
    "text",
    [
        "Stability improved this year.",
        "For example, two more children stayed in the same school.",  # not at the start
        "The Children in Care Council met six times; their configuration of the day was theirs.",
    ],
)
def test_words_written_for_members_are_printed(text):
    assert not_for_members(text) is None


def _data(tmp_path, files: dict[str, str]):
    cfg = tmp_path / "config"
    for name, text in files.items():
        path = cfg / "commentary" / "Z09" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    cfg.mkdir(exist_ok=True)
    return SimpleNamespace(spec=build_run_spec("Z09", "2025-26", config_dir=str(cfg)))


def test_a_slot_prints_paragraphs_under_its_heading(tmp_path):
    data = _data(tmp_path, {"officer_commentary.md": "First point.\n\n\n  Second point.  \n"})
    section = slot(data, "officer_commentary")
    assert section == (
        '<section class="commentary"><h3>Commentary from officers</h3>'
        "<p>First point.</p><p>Second point.</p></section>"
    )


@pytest.mark.parametrize(
    "files",
    [
        {},  # nothing written: the slot is optional
        {"officer_commentary.md": "  \n\n  "},
        {"officer_commentary.md": "Example officer commentary. Replace this text."},
        {"2025-26/officer_commentary.md": "TODO", "officer_commentary.md": "Stable year."},
    ],
    ids=["no file", "blank", "example", "the period's instructions win"],
)
def test_a_slot_with_nothing_for_members_is_blank(tmp_path, files):
    assert slot(_data(tmp_path, files), "officer_commentary") == ""
