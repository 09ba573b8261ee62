"""The committee paper's cover (pipeline/report/cover.py and its partial), as a member reads it.

Expected wording comes from the issue and the defaults table in
docs/user_guide/configuration.md, not from running the code.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from pipeline.problems import ConfigError
from pipeline.read.reference import Comparators
from pipeline.records import ReadRecord
from pipeline.report import cover, sections
from pipeline.report.blocks import TOC_MARKER
from pipeline.report.data import ReportData
from pipeline.spec.runspec import build_run_spec

AUTHORITY = """\
authorities:
  "Z09":
    name: Testford
    region: North East
{papers}
"""

CONFIGURED = """\
    papers:
      council:
        meeting: Council
        author: Jo Bloggs, Head of Performance
        lead_member: Cllr A. Smith <Children & Families>
        recommendations:
          - Council is asked to note the report.
        financial_implications: Within the existing budget.
        background_papers: [Corporate parenting strategy 2025 to 2028]
        periods:
          "2025-26": {date: 2026-07-16, author: Sam Jones}
          "2024-25": {date: 2025-07-17}
      board:
        periods:
          "2026-27-Q2": {date: 2026-11-12, purpose: Quarter 2 performance.}
"""


def _data(tmp_path, period: str, papers: str = "") -> ReportData:
    cfg = tmp_path / "config"
    cfg.mkdir(exist_ok=True)
    (cfg / "authorities.yml").write_text(AUTHORITY.format(papers=papers))
    spec = build_run_spec("Z09", period, config_dir=str(cfg), reference_dir=str(tmp_path / "ref"))
    current = pd.DataFrame({"indicator": ["cla_at_end"], "england": [float("nan")]})
    return ReportData(
        spec, "Testford", "North East",
        Comparators("Z09", sources=["DfE statistical neighbours (2024)"]),
        current, current, ReadRecord(years_read=["2024-25", "2025-26"]), pd.DataFrame(),
        (None, {}),
    )  # fmt: skip


def _soup(block) -> BeautifulSoup:
    return BeautifulSoup(str(block), "html.parser")


def _text(node) -> str:
    return " ".join(node.get_text(" ").split())


def _details(soup) -> dict[str, str]:
    table = soup.find("table", class_="cover")
    return {_text(tr.th): _text(tr.td) for tr in table.tbody.find_all("tr")}


def _after(soup, heading: str):
    return soup.find("h3", string=heading).find_next_sibling()


def test_council_cover_defaults_read_as_a_paper(tmp_path):
    soup = _soup(cover.cover(_data(tmp_path, "2025-26"), "council"))
    # Date, author and lead member have no default: left out, not printed empty.
    assert _details(soup) == {
        "Meeting": "Full Council",
        "Report of": "Director of Children's Services",
        "Wards affected": "All",
    }
    assert soup.find("table", class_="cover").caption.get_text() == "About this paper"
    purpose = _text(_after(soup, "Purpose"))
    assert purpose.startswith("To tell the Council how the children Testford looks after")
    assert "are doing in 2025-26, against England, North East and similar authorities" in purpose
    recs = [_text(li) for li in _after(soup, "Recommendations").find_all("li")]
    assert len(recs) == 2 and all(r.startswith("Council is asked to note") for r in recs)
    impl = _after(soup, "Implications")
    assert [_text(d) for d in impl.find_all("dd")] == ["None arising from this report."] * 2
    papers = [_text(li) for li in _after(soup, "Background papers").find_all("li")]
    assert papers == [
        "The authority's SSDA903 returns (2024-25, 2025-26), read by corpar.",
        "DfE statistical neighbours (2024)",
    ]  # no England column in this publication, so DfE's national tables are not a source


def test_each_edition_names_its_own_meeting_and_asks_its_own_members(tmp_path):
    hwb = _soup(cover.cover(_data(tmp_path, "2025-26"), "hwb"))
    board = _soup(cover.cover(_data(tmp_path, "2026-27-Q2"), "board"))
    assert _details(hwb)["Meeting"] == "Health and Wellbeing Board"
    assert _details(board)["Meeting"] == "Corporate Parenting Board"
    assert all(
        _text(li).startswith("The Board is asked to")
        for s in (hwb, board)
        for li in _after(s, "Recommendations").find_all("li")
    )
    # The quarter in words (July to September 2026), never the label "2026-27-Q2".
    assert "2026-27-Q2" not in _text(board)
    assert "July to September 2026" in _text(_after(board, "Purpose"))


def test_configured_values_win_and_the_period_overrides_the_edition(tmp_path):
    data = _data(tmp_path, "2025-26", CONFIGURED)
    soup = _soup(cover.cover(data, "council"))
    assert _details(soup) == {
        "Meeting": "Council",
        "Date of meeting": "16 July 2026",
        "Report of": "Director of Children's Services",
        "Author": "Sam Jones",  # the 2025-26 meeting's author over the edition's
        "Lead member": "Cllr A. Smith <Children & Families>",
        "Wards affected": "All",
    }
    assert [_text(li) for li in _after(soup, "Recommendations").find_all("li")] == [
        "Council is asked to note the report."
    ]
    impl = [_text(d) for d in _after(soup, "Implications").find_all("dd")]
    assert impl == ["Within the existing budget.", "None arising from this report."]
    papers = [_text(li) for li in _after(soup, "Background papers").find_all("li")]
    assert papers[0] == "Corporate parenting strategy 2025 to 2028"  # then the sources
    assert papers[1].startswith("The authority's SSDA903 returns")
    # Another year's meeting does not leak into this one; the edition's author stands there.
    earlier = cover.make_cover(_data(tmp_path, "2024-25", CONFIGURED), "council")
    assert dict(earlier.details)["Author"] == "Jo Bloggs, Head of Performance"
    assert dict(earlier.details)["Date of meeting"] == "17 July 2025"
    board = cover.make_cover(_data(tmp_path, "2026-27-Q2", CONFIGURED), "board")
    assert board.purpose == "Quarter 2 performance."


def test_configuration_text_is_escaped_not_markup(tmp_path):
    html = str(cover.cover(_data(tmp_path, "2025-26", CONFIGURED), "council"))
    assert "Cllr A. Smith &lt;Children &amp; Families&gt;" in html
    assert "<Children" not in html


def test_contents_sit_between_the_details_and_the_purpose(tmp_path):
    html = str(cover.cover(_data(tmp_path, "2025-26"), "council"))
    assert html.count(TOC_MARKER) == 1
    assert html.index("</table>") < html.index(TOC_MARKER) < html.index("Purpose and")
    # The purpose is a section the contents list: an h2 with an id.
    assert '<h2 id="purpose-and-recommendations">' in html
    # The title no longer carries the contents, so a paper has exactly one.
    assert TOC_MARKER not in str(sections.title(_data(tmp_path, "2025-26")))
    assert _soup(html).find("h1") is None  # the title's h1 is the page's only one


@pytest.mark.parametrize(
    ("papers", "words"),
    [
        (
            '    papers:\n      board:\n        periods:\n          "2025-26": {}\n',
            "the board paper's periods are quarters such as '2026-27-Q2'",
        ),
        (
            '    papers:\n      council:\n        periods:\n          "2025-26-Q1": {}\n',
            "the council paper's periods are years such as '2025-26'",
        ),
        ("    papers:\n      council:\n        chair: Cllr B\n", "unknown keys ['chair']"),
        ("    papers:\n      cabinet: {}\n", "unknown keys ['cabinet']"),
    ],
)
def test_wrong_papers_configuration_is_refused_in_words(tmp_path, papers, words):
    with pytest.raises(ConfigError) as info:
        _data(tmp_path, "2025-26", papers)
    assert words in str(info.value)
    assert "authorities.yml" in str(info.value)


def test_an_unknown_edition_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="'cabinet' is not one of council, hwb, board"):
        cover.make_cover(_data(tmp_path, "2025-26"), "cabinet")


def test_a_meeting_date_is_a_date(tmp_path):
    papers = "    papers:\n      council: {date: next Thursday}\n"
    with pytest.raises(ConfigError, match="date"):
        _data(tmp_path, "2025-26", papers)
    assert cover.make_cover(
        _data(tmp_path, "2025-26", "    papers:\n      council: {date: 2026-07-16}\n"), "council"
    ).details[1] == ("Date of meeting", narrative_date(dt.date(2026, 7, 16)))


def narrative_date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"
