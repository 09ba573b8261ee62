"""Report building blocks that need no kernel: slots are escaped, ratings are words."""

from __future__ import annotations

import re
from types import SimpleNamespace

from pipeline.report import commentary, sections
from pipeline.report.data import find_row
from pipeline.spec.runspec import build_run_spec


def test_commentary_slot_escapes_what_was_written(tmp_path):
    cfg = tmp_path / "config"
    (cfg / "commentary" / "Z09" / "2024-25").mkdir(parents=True)
    (cfg / "commentary" / "Z09" / "children_in_care_council.md").write_text("general")
    (cfg / "commentary" / "Z09" / "2024-25" / "children_in_care_council.md").write_text(
        "We said <script>alert(1)</script> & more.\n\nSecond paragraph."
    )
    spec = build_run_spec("Z09", "2024-25", config_dir=str(cfg))
    html = commentary.slot(SimpleNamespace(spec=spec), "children_in_care_council")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; more" in html
    assert html.count("<p>") == 2  # paragraphs kept; the period's file wins over "general"
    other = build_run_spec("Z09", "2023-24", config_dir=str(cfg))
    assert "general" in commentary.slot(SimpleNamespace(spec=other), "children_in_care_council")


def test_rating_is_never_colour_alone():
    cell = sections.rating_cell("Off target")
    assert "Off target" in cell and 'aria-hidden="true"' in cell
    assert sections.rating_cell(None) == ""


def test_row_lookup_takes_the_first_matching_row_of_the_frame_it_is_given():
    import pandas as pd

    trend = pd.DataFrame(
        {
            "period": ["2023-24", "2024-25", "2024-25", "2024-25"],
            "indicator": ["cla_at_end", "cla_at_end", "cla_at_end", "cla_at_end"],
            "breakdown": ["", "", "", "Age: 1 to 4"],
            "value": [90.0, 100.0, 999.0, 7.0],
        }
    )
    assert find_row(trend, "cla_at_end")["value"] == 90  # any period: the first row
    assert find_row(trend, "cla_at_end", period="2024-25")["value"] == 100  # not 999
    assert find_row(trend, "cla_at_end", "Age: 1 to 4", "2024-25")["value"] == 7
    assert find_row(trend, "cla_at_end", period="2025-26") is None
    assert find_row(trend, "cla_ceased") is None
    # Another frame, even one with the same rows, is looked up in itself.
    other = trend.iloc[::-1].reset_index(drop=True)
    assert find_row(other, "cla_at_end", period="2024-25")["value"] == 999
    current = trend.drop(columns="period").iloc[1:]  # a period's own rows: no period column
    assert find_row(current, "cla_at_end")["value"] == 100


# The Corporate Parenting Board edition, from a hand-made publication of a quarter.
# Every figure and rating below is worked out by hand from the definitions:
#   placements_3plus_pct     9 of 100 = 9%; lower is better, target 10 (tolerance 1): on target
#   dental_check_pct         39 of 50 = 78%; target 85 (tolerance 3), 78 < 82: off target
#   health_assessment_pct    43 of 50 = 86%; target 90 (tolerance 3), 86 < 87: off target
#   review_participation_pct 88 of 100 = 88%; target 90 (tolerance 3), 88 >= 87: within
#   care_leavers_in_touch_pct_19_21  4 of 5: a numerator of 1 to 5, so c, and not rated
#   immunisations_pct        7 of 8 = 87.5%, shown 88% (half up); no target; 8 < 10 children
# The year before (2025-26-Q2): 12%, 80%, 90%, 90%, 18 of 20 = 90%.
BOARD_AUTHORITY = """\
authorities:
  "Z09":
    name: Testford
    region: North East
    targets:
      placements_3plus_pct: {value: 10, tolerance: 1}
      dental_check_pct: {value: 85, tolerance: 3}
      health_assessment_pct: {value: 90, tolerance: 3}
      review_participation_pct: {value: 90, tolerance: 3}
      care_leavers_in_touch_pct_19_21: {value: 90, tolerance: 5}
"""
BOARD_PLAN = """\
actions:
  - task: Fewer placement moves
    impact: Children stay where they are settled
    baseline: 12% in 2025-26
    owner: Head of Placements
    indicator: placements_3plus_pct
    due: 2027-03-31
    priority: low
    reviews:
      - {date: 2026-09-30, rating: on track}
  - task: Dental checks for every child
    impact: Every child's teeth are checked each year
    baseline: 80% in 2025-26
    owner: Designated Nurse
    indicator: dental_check_pct
    due: 2026-06-30
    priority: High
    reviews:
      - {date: 2026-06-30, rating: at risk, note: Waiting lists}
      - {date: 2026-09-30, rating: on track, note: Sessions agreed}
      - {date: 2026-12-31, rating: complete, note: After the quarter}
  - task: Keep in touch with care leavers
    impact: Care leavers know who to turn to
    baseline: 90% in 2025-26
    owner: Leaving Care Manager
    indicator: care_leavers_in_touch_pct_19_21
    priority: high
    reviews:
      - {date: 2026-09-30, rating: complete}
  - task: Immunisations catch-up
    impact: Every child is protected
    baseline: 7 of 9 in 2025-26
    indicator: immunisations_pct
    priority: Low
    reviews:
      - {date: 2026-09-30, rating: on track}
  - task: Hear from the Children in Care Council each quarter
    impact: Children shape the plan
    baseline: Two meetings in 2025-26
    reviews:
      - {date: 2026-09-30, rating: on track}
"""
_BOARD_ROWS = {
    # indicator: (numerator, denominator) this quarter, and the year before
    "placements_3plus_pct": ((9, 100), (12, 100)),
    "dental_check_pct": ((39, 50), (40, 50)),
    "health_assessment_pct": ((43, 50), (45, 50)),
    "review_participation_pct": ((88, 100), (90, 100)),
    "care_leavers_in_touch_pct_19_21": ((4, 5), (18, 20)),
    "immunisations_pct": ((7, 8), (7, 9)),  # no target; 8 children: "use with caution"
}


def _board_data(tmp_path, plan: str | None = BOARD_PLAN):
    import pandas as pd

    from pipeline.publish import published
    from pipeline.read.reference import Comparators
    from pipeline.report.data import ReportData

    cfg = tmp_path / "config"
    (cfg / "action_plans").mkdir(parents=True)
    (cfg / "authorities.yml").write_text(BOARD_AUTHORITY)
    if plan is not None:
        (cfg / "action_plans" / "Z09.yml").write_text(plan)
    spec = build_run_spec(
        "Z09", "2026-27-Q2", config_dir=str(cfg), reference_dir=str(tmp_path / "ref")
    )

    def frame(which):
        rows = [
            {"indicator": i, "breakdown": "", "numerator": c[which][0],
             "denominator": c[which][1], "value": 100 * c[which][0] / c[which][1]}
            for i, c in _BOARD_ROWS.items()
        ]  # fmt: skip
        return pd.DataFrame(rows)

    current = frame(0)
    trend = pd.concat([frame(1).assign(period="2025-26-Q2"), current.assign(period="2026-27-Q2")])
    pub = published.build(spec, current, trend, pd.DataFrame(), Comparators("Z09"))
    return ReportData(
        spec, "Testford", "North East", pub.comparators, pub.current, pub.trend, None,
        pub.gaps, pub.england_profiles,
    )  # fmt: skip


def _soup(html):
    from bs4 import BeautifulSoup

    return BeautifulSoup(str(html), "html.parser")


def _text(node) -> str:
    return " ".join(node.get_text(" ").split())


def _table_rows(table):
    """A table as {row header: {column header: cell text}}."""
    heads = [_text(th) for th in table.thead.find_all("th")]
    out = {}
    for tr in table.tbody.find_all("tr"):
        cells = [_text(c) for c in tr.find_all(["th", "td"], recursive=False)]
        out[cells[0]] = dict(zip(heads, cells, strict=True))
    return out


def test_a_trend_draws_only_printed_figures_and_lists_every_one_for_a_screen_reader(tmp_path):
    data = _board_data(tmp_path)
    # Care leavers in touch: 18 of 20 (90%) a year before, 4 of 5 now (hidden: c).
    soup = _soup(sections.trend_cell(data, "care_leavers_in_touch_pct_19_21"))
    assert _text(soup.find(class_="visually-hidden")) == "2024-25: 90%; 2025-26: c;"
    svg = soup.svg
    assert svg["aria-hidden"] == "true" and soup.find(class_="from")["aria-hidden"] == "true"
    # One dot, for 90 (flat scale: the middle, 9 of 18), at the left; no line, no end dot.
    assert [(c["cx"], c["cy"], c["r"]) for c in svg.find_all("circle")] == [("3.0", "9.0", "1.5")]
    assert svg.find("polyline") is None
    assert _text(soup.find(class_="from")) == "from 90%"
    # Placements with 3 or more: 12% then 9% (lower now): a line from the top to the bottom.
    soup = _soup(sections.trend_cell(data, "placements_3plus_pct"))
    assert soup.svg.polyline["points"].split() == ["3.0,3.0", "57.0,15.0"]
    assert [c["r"] for c in soup.svg.find_all("circle")] == ["1.5", "2.5"]


def test_a_breakdown_of_no_children_gives_no_percentages(tmp_path):
    """No child started to be looked after: every group is 0 and no share is a figure."""
    from dataclasses import replace

    import pandas as pd

    from pipeline.publish import published
    from pipeline.read.reference import Comparators

    data = _board_data(tmp_path)
    rows = [{"indicator": "cla_started", "breakdown": "", "numerator": 0, "denominator": 0,
             "value": 0.0}] + [
        {"indicator": "cla_started", "breakdown": f"Category of need: N{i}", "numerator": 0,
         "denominator": 0, "value": 0.0} for i in (1, 2)
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    pub = published.build(data.spec, frame, frame.assign(period="2026-27-Q2"), pd.DataFrame(),
                          Comparators("Z09"))  # fmt: skip
    data = replace(data, current=pub.current, trend=pub.trend)
    soup = _soup(sections.breakdown_table(data, "cla_started", "Category of need", "Need",
                                          names={"N1": "Abuse or neglect"}))  # fmt: skip
    got = {
        r[0]: r[1:]
        for r in ([_text(c) for c in tr.find_all(["th", "td"])] for tr in soup.tbody.find_all("tr"))
    }
    assert got == {"Abuse or neglect": ["0", "x"], "N2": ["0", "x"], "Total": ["0", "x"]}


def test_board_actions_are_grouped_by_priority_with_due_dates(tmp_path):
    soup = _soup(sections.action_tracker(_board_data(tmp_path)))
    # High (written "High" and "high": one group) before low; actions without one last.
    groups = [_text(h) for h in soup.find_all("h3")]
    assert groups == ["High priority", "Low priority", "No priority given"]
    tables = soup.find_all("table")
    assert len(tables) == 3 and all(t.caption for t in tables)
    assert all(t.get("class") == ["actions"] for t in tables)  # one layout for every group
    high, low, other = (_table_rows(t) for t in tables)
    assert [k.split(" Impact sought")[0] for k in high] == [
        "Dental checks for every child",
        "Keep in touch with care leavers",
    ]
    assert [k.split(" Impact sought")[0] for k in low] == [
        "Fewer placement moves",
        "Immunisations catch-up",
    ]
    assert [k.split(" Impact sought")[0] for k in other] == [
        "Hear from the Children in Care Council each quarter"
    ]
    dental = next(iter(high.values()))
    # Due 30 June 2026, not complete at 30 September 2026: overdue, said in words.
    assert dental["Lead and due date"] == "Designated Nurse Due 30 June 2026 (overdue)"
    care = list(high.values())[1]
    assert care["Lead and due date"] == "Leaving Care Manager No due date"
    placements = next(iter(low.values()))
    assert placements["Lead and due date"] == "Head of Placements Due 31 March 2027"
    # Reviews to the quarter's end only (31 December 2026 is after it).
    assert "Review 31 December 2026" not in str(soup) and "After the quarter" not in str(soup)
    for t in tables:
        assert all(th.get("scope") == "col" for th in t.thead.find_all("th"))
        assert all(tr.th.get("scope") == "row" for tr in t.tbody.find_all("tr"))


def test_board_action_shows_its_measures_latest_value_and_the_published_rating(tmp_path):
    soup = _soup(sections.action_tracker(_board_data(tmp_path)))
    rows = {}
    for t in soup.find_all("table"):
        rows.update({k.split(" Impact sought")[0]: v for k, v in _table_rows(t).items()})
    measure, rating = "Linked measure: latest figure", "Measure's rating"
    dental = rows["Dental checks for every child"]
    # The action is on track at the quarter's review; its measure is off target beside it.
    assert dental["Review 30 September 2026"] == "✓ On track Sessions agreed"
    assert dental[measure] == ("Dental check (2025-26, yearly return): 78% against a target of 85%")
    assert dental[rating] == "✗ Off target"
    placements = rows["Fewer placement moves"]
    assert placements[measure] == (
        "Children with 3 or more placements in the year: 9% against a target of 10%"
    )
    assert placements[rating] == "✓ On target"
    # 4 of 5 care leavers: suppressed, so no figure (80%) and no rating from it.
    care = rows["Keep in touch with care leavers"]
    assert care[measure] == "Care leavers aged 19 to 21 in touch (2025-26, yearly return): c"
    assert care[rating] == "Not rated (figure suppressed)"
    assert "80" not in care[measure] + care[rating]  # 4 of 5 is 80%: never shown
    assert rows["Hear from the Children in Care Council each quarter"][measure] == (
        "No measure linked"
    )
    # Fewer than 10 children (small_cohort): the figure is marked, and the mark explained.
    jabs = rows["Immunisations catch-up"]
    assert jabs[measure] == "Immunisations up to date (2025-26, yearly return): 88% *"
    assert jabs[rating] == "No target set"
    assert "* Use with caution: fewer than 10 children in the group" in _text(soup)
    # What c means is said in the caption of the table that shows it.
    high = soup.find_all("table")[0]
    assert "c: suppressed to protect confidentiality" in _text(high.caption)


def test_board_exceptions_list_every_off_target_measure_with_its_trend(tmp_path):
    block = sections.exceptions(_board_data(tmp_path))
    soup = _soup(block)
    assert _text(soup.h2) == "Exceptions: measures off target"
    rows = _table_rows(soup.table)
    # Off target: health assessment and dental checks (registry order). Not placements (on
    # target), not review participation (within tolerance), not care leavers (suppressed).
    assert list(rows) == [
        "Annual health assessment (2025-26, yearly return)",
        "Dental check (2025-26, yearly return)",
    ]
    health, dental = rows.values()
    trend_col = next(h for h in health if h.startswith("Trend"))
    # The trend: a drawing, the first figure, and each year's for a screen reader (a
    # quarter's yearly figures named by the year they describe).
    assert (health[trend_col], dental[trend_col]) == (
        "from 90% 2024-25: 90%; 2025-26: 86%;",
        "from 80% 2024-25: 80%; 2025-26: 78%;",
    )
    assert (health["Target"], dental["Target"]) == ("90%", "85%")
    assert health["Rating"] == dental["Rating"] == "✗ Off target"
    # Four measures are rated (care leavers' figure is suppressed, so not rated).
    assert "2 of the 4 measures with targets are off target at 30 September 2026" in _text(soup)
    # The action in the plan for an off-target measure is named, with its latest review.
    assert [_text(li) for li in soup.find_all("li")] == [
        "Dental check: Dental checks for every child (rated on track at 30 September 2026)"
    ]


def test_board_exceptions_say_so_when_no_measure_is_off_target(tmp_path):
    data = _board_data(tmp_path)
    data.current["rating"] = data.current["rating"].replace("Off target", "On target")
    soup = _soup(sections.exceptions(data))
    assert soup.table is None
    assert "No measure with a target is off target at 30 September 2026." in _text(soup)


def test_the_board_names_its_quarter_in_words_everywhere(tmp_path):
    import re

    data = _board_data(tmp_path)
    page = "".join(
        [
            sections.title(data, "Corporate Parenting Board performance report"),
            sections.headlines(data),
            sections.exceptions(data),
            sections.priorities(data),
            sections.action_tracker(data),
            sections.section(data, "Health and wellbeing"),
        ]
    )
    soup = _soup(page)
    assert _text(soup.h1) == (
        "Corporate Parenting Board performance report: Testford, Quarter 2 (July to September 2026)"
    )
    assert len(soup.find_all("h1")) == 1
    text = _text(soup).replace("\u2011", "-")
    assert not re.findall(r"\d{4}-\d{2}-Q\d", text)
    heads = [_text(th).replace("\u2011", "-") for th in soup.find("table").thead.find_all("th")]
    assert heads[1:4] == [
        "Quarter 2 (July to September 2026)",
        "Quarter 2 (July to September 2025)",
        "Trend (the same quarter each year)",
    ]
    # The trend's span, in words, under the table (two quarters in words fill a column).
    assert (
        "Trend: the same quarter each year, oldest first, from Quarter 2 (July to September "
        "2025) to Quarter 2 (July to September 2026)."
    ) in text


def _defined(block) -> set[str]:
    """The indicator ids the annex defines (each measure's term is anchored ``def-<id>``)."""
    return {dt["id"][4:] for dt in _soup(block).find_all("dt", id=re.compile("^def-"))}


def test_the_annex_defines_in_plain_words_after_the_glossary_with_no_ids_in_sight(tmp_path):
    from dataclasses import replace

    from pipeline.records import ReadRecord

    data = replace(_board_data(tmp_path), read_report=ReadRecord(), shown={"missing_pct"})
    soup = _soup(sections.annex(data))
    heads = [_text(h) for h in soup.find_all("h3")]
    assert heads[:2] == ["Words used in this paper", "What each measure means"]
    glossary, measures = soup.find_all("dl")[:2]
    terms = [_text(dt) for dt in glossary.find_all("dt")]
    assert terms[0] == "Children looked after" and "c, x and z" in terms
    # The measure's title, then its words from in_words.yml (not the method with its codes).
    assert [_text(dt) for dt in measures.find_all("dt")] == ["Children who went missing"]
    words = _text(measures.dd)
    assert words.startswith("Of the children looked after at any time during the period, the")
    assert "MISSING" not in words and "S..E" not in words
    assert "missing_pct" not in _text(soup)


def test_the_annex_defines_the_measures_the_edition_showed_and_no_others(tmp_path):
    from dataclasses import replace

    from pipeline.measures.registry import REGISTRY
    from pipeline.records import ReadRecord

    data = replace(_board_data(tmp_path), read_report=ReadRecord())
    # Before any table, nothing is known to be shown: every measure is defined.
    assert _defined(sections.annex(replace(data, shown=set()))) == set(REGISTRY)
    sections.indicator_table(data, ["dental_check_pct", "placements_3plus_pct"], "Two")
    sections.indicator_table(data, ["cla_started"], "Not published for Z09: no row, not shown")
    assert _defined(sections.annex(data)) == {"dental_check_pct", "placements_3plus_pct"}
    # The action plan shows each action's linked measure (BOARD_PLAN's four), so those too.
    sections.action_tracker(data)
    assert _defined(sections.annex(data)) == {
        "dental_check_pct", "placements_3plus_pct", "care_leavers_in_touch_pct_19_21",
        "immunisations_pct",
    }  # fmt: skip


def _ranked_data(tmp_path, period: str):
    import pandas as pd

    from pipeline.publish import published
    from pipeline.read.reference import Comparators
    from pipeline.report.data import ReportData
    from tests.unit.test_ranks import _spec

    spec = _spec(tmp_path, "Z09", period)
    rows = [
        {"indicator": "placements_3plus_pct", "breakdown": "", "numerator": 12,
         "denominator": 100, "value": 12.0},
        {"indicator": "cla_at_end", "breakdown": "", "numerator": 100, "denominator": None,
         "value": 100.0},
    ]  # fmt: skip
    current = pd.DataFrame(rows)
    pub = published.build(spec, current, current.assign(period=period), pd.DataFrame(),
                          Comparators("Z09", region_name="North East"))  # fmt: skip
    return ReportData(
        spec, "Testshire", "North East", pub.comparators, pub.current, pub.trend, None,
        pub.gaps, pub.england_profiles,
    )  # fmt: skip


def test_indicator_table_ranks_each_figure_in_england_in_words(tmp_path):
    soup = _soup(
        sections.indicator_table(
            _ranked_data(tmp_path, "2024-25"), ["placements_3plus_pct", "cla_at_end"], "Ranks"
        )
    )
    rows = _table_rows(soup.table)
    # test_ranks: 12% is 3rd of 6 from the lowest (lower is better), quartile 2.
    assert rows["Children with 3 or more placements in the year"]["Rank in England"] == (
        "3rd lowest of 6 second lowest quartile"
    )
    # A count is not ranked (it would rank authorities by size): z, which the key explains.
    assert rows["Children looked after at the end of the period"]["Rank in England"] == "z"
    assert "z: not applicable" in soup.caption.get_text()


def test_a_quarter_has_no_rank_column(tmp_path):
    soup = _soup(
        sections.indicator_table(
            _ranked_data(tmp_path, "2025-26-Q2"), ["placements_3plus_pct"], "Ranks"
        )
    )
    heads = [_text(th) for th in soup.table.thead.find_all("th")]
    assert "Rank in England" not in heads and "Rating" in heads
