"""The committee paper's cover: meeting, who reports, purpose, what members are asked.

What an authority configures (``papers`` in ``config/authorities.yml``, per edition and per
meeting) is used as given; the rest comes from the edition's defaults below, written to read
well as they stand. Rows with no sensible default (date, author, lead member) are left out
rather than printed empty. The table of contents sits between the details and the purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.report import narrative
from pipeline.report.blocks import TOC_MARKER, Block, render
from pipeline.report.data import ReportData
from pipeline.spec.config import Paper

EDITIONS = ("council", "hwb", "board")
NONE_ARISING = "None arising from this report."


@dataclass(frozen=True)
class Cover:
    """A cover as printed: the details table's rows, purpose, recommendations and the rest."""

    details: tuple[tuple[str, str], ...]  # (row header, value), in the paper's order
    purpose: str
    recommendations: tuple[str, ...]
    financial_implications: str
    legal_implications: str
    background_papers: tuple[str, ...]


def data_sources(data: ReportData) -> list[str]:
    """Where the report's figures come from, as the annex and the background papers list them."""
    years = ", ".join(data.read_report.years_read)
    sources = [f"The authority's SSDA903 returns ({years}), read by corpar."]
    sources += sorted(set(data.comparators.sources))
    if data.current["england"].notna().any():
        sources.append(
            "DfE's published statistics for England, the regions and each authority "
            "(explore education statistics)"
        )
    return sources


def _defaults(data: ReportData, edition: str) -> dict[str, object]:
    p = data.spec.period
    against = f"England{', ' + data.region if data.region else ''} and similar authorities"
    if edition == "council":
        return {
            "meeting": "Full Council",
            "purpose": (
                f"To tell the Council how the children {data.name} looks after, and the young "
                f"people who have left its care, are doing in {p.name}, against {against}, so "
                "that members can carry out their duties as corporate parents."
            ),
            "recommendations": (
                "Council is asked to note the report and the performance it describes.",
                "Council is asked to note the priorities for children looked after and care "
                "leavers set out in the report.",
            ),
        }
    if edition == "hwb":
        return {
            "meeting": "Health and Wellbeing Board",
            "purpose": (
                f"To inform the Board about the health and wellbeing of the children {data.name} "
                f"looks after, and of its care leavers, in {p.name}, against {against}."
            ),
            "recommendations": (
                "The Board is asked to note the health of children looked after and care "
                "leavers described in this report.",
                "The Board is asked to consider how partners can support health assessments, "
                "dental checks and the emotional wellbeing of children looked after.",
            ),
        }
    return {
        "meeting": "Corporate Parenting Board",
        "purpose": (
            f"To report performance for children looked after and care leavers in {p.words}, "
            "against the council's targets, and progress on the corporate parenting action "
            "plan."
        ),
        "recommendations": (
            f"The Board is asked to note performance in {p.words}, and the measures off "
            "target set out under Exceptions.",
            "The Board is asked to note progress on the action plan and agree any further "
            "action for measures off target.",
        ),
    }


def make_cover(data: ReportData, edition: str) -> Cover:
    """The cover for one edition of one authority's paper for the job's period."""
    if edition not in EDITIONS:
        raise ValueError(f"edition {edition!r} is not one of {', '.join(EDITIONS)}")
    given: Paper = getattr(data.spec.authority.papers, edition).for_period(data.spec.period.label)
    default = _defaults(data, edition)

    def pick(field: str, fallback: object = None):
        value = getattr(given, field)
        return value if value is not None else default.get(field, fallback)

    details = [
        ("Meeting", pick("meeting")),
        ("Date of meeting", narrative.long_date(given.date) if given.date else None),
        ("Report of", pick("report_of", "Director of Children's Services")),
        ("Author", given.author),
        ("Lead member", given.lead_member),
        ("Wards affected", pick("wards", "All")),
    ]
    return Cover(
        details=tuple((k, str(v)) for k, v in details if v),
        purpose=str(pick("purpose")),
        recommendations=tuple(pick("recommendations")),
        financial_implications=pick("financial_implications", NONE_ARISING),
        legal_implications=pick("legal_implications", NONE_ARISING),
        background_papers=tuple(given.background_papers or ()) + tuple(data_sources(data)),
    )


def cover(data: ReportData, edition: str) -> Block:
    """The cover block, with the table of contents (filled in at export) after its details."""
    return render("cover.html.j2", cover=make_cover(data, edition), toc_marker=TOC_MARKER)
