"""Text written for a report (``config/commentary``), and whether members may read it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline import io
from pipeline.report.blocks import Block, esc

if TYPE_CHECKING:
    from pipeline.report.data import ReportData


SLOTS = {
    "officer_commentary": "Commentary from officers",
    "children_in_care_council": "In their own words: the Children in Care Council",
}


def slot(data: ReportData, kind: str) -> Block:
    """Text written for this report (a ``config/commentary`` file), escaped, as paragraphs.

    Blank when no file was written: the slot is optional.
    """
    text = io.commentary_text(data.spec, kind)
    if not text or not text.strip() or not_for_members(text):
        return Block("")  # an example or an instruction goes to the analyst, not members
    paras = "".join(f"<p>{esc(p.strip())}</p>" for p in text.split("\n\n") if p.strip())
    return Block(f'<section class="commentary"><h3>{esc(SLOTS[kind])}</h3>{paras}</section>')


def not_for_members(text: str) -> str | None:
    """Why a commentary file must not be printed (an example, or instructions), or None.

    >>> print(not_for_members("Example officer commentary. Put it in config/commentary/..."))
    it reads as an example or instructions (it starts with "Example" or names a config/ file)
    >>> not_for_members("Stability improved this year.") is None
    True
    """
    head = text.strip().lower()
    if head.startswith(("example", "todo", "tbc", "lorem ipsum")) or "config/" in head:
        return (
            'it reads as an example or instructions (it starts with "Example" or names a '
            "config/ file)"
        )
    return None
