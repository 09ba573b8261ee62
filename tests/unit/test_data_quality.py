"""``data_quality.html`` (``pipeline.report.data_quality``): what reading and the checks found.

One h1; a lede with the verdict, the returns read and the counts of errors, warnings and
rows not used; a table of problems (severity, file, column, how many rows, what to do); the
rows not used by table and reason, or "Every row was used."; the failed data checks, most
serious first. Only counts of rows: never a row number or a value. When a run stopped, the
lede says no report was published (``corpar validate``: none can be made).
"""

from __future__ import annotations

import lxml.html
import pytest

from pipeline.measures.registry import REGISTRY
from pipeline.records import CheckRecord, FileRecord, ProblemRecord, ReadRecord, RejectedCount
from pipeline.report.data_quality import data_quality_html
from pipeline.spec.runspec import build_run_spec

FILES = [FileRecord(file="Z09/2025-26/episodes.csv", sha256="0" * 64, encoding="utf-8",
                    table="Episodes", rows=1234)]  # fmt: skip
CLEAN = ReadRecord(years_read=["2025-26"], files=FILES)
FAULTY = ReadRecord(
    years_read=["2024-25", "2025-26"],
    problems=[
        ProblemRecord(severity="error", file="Z09/2025-26/episodes.csv", column="DECOM",
                      message="DECOM is not a date: write dd/mm/yyyy", rows=(31337, 4242, 9001)),
        ProblemRecord(severity="warning", file="Z09/2025-26/reviews.csv", column="REVIEW",
                      message="dates written as yyyy-mm-dd", rows=(8642,)),
        ProblemRecord(severity="warning", file="Z09/2025-26/missing.csv",
                      message="an empty file <b>"),
    ],
    files=FILES,
    rejected_rows=[RejectedCount(table="Episodes", reason="DECOM is not a date", rows=3),
                   RejectedCount(table="Reviews", reason="a duplicate row", rows=1200)],
)  # fmt: skip


# Who is looked after when comes from the episodes (DECOM, DEC, LS): every figure but the
# adoption decisions (AD1), reviews and care leavers (OC3) reads them (docs/indicators.md).
NOT_EPISODES = ["adoption_decision_to_match_days", "review_participation_pct",
                *(f"care_leavers_{m}_pct_{a}" for a in ("17_18", "19_21")
                  for m in ("in_touch", "eet", "suitable_accom"))]  # fmt: skip
ALL_BUT_EPISODES = "38 of 46 figures: all but " + "; ".join(
    REGISTRY[i].title for i in REGISTRY if i in NOT_EPISODES
)


@pytest.fixture
def spec(tmp_path):
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "authorities.yml").write_text(
        'authorities:\n  "Z09":\n    name: "Eastbridge & <Vale>"\n'
        "    targets:\n      placements_3plus_pct: 10\n"
    )
    return build_run_spec("Z09", "2025-26", config_dir=str(cfg))


def _page(spec, record, *args, **kw):
    return lxml.html.document_fromstring(data_quality_html(spec, record, *args, **kw))


def _lede(doc) -> str:
    return doc.xpath("//p[@class='lede']")[0].text_content()


def _table(doc, caption: str) -> list[list[str]]:
    (t,) = doc.xpath(f"//table[starts-with(caption, '{caption}')]")
    return [[c.text_content() for c in tr] for tr in t.findall("tbody/tr")]


def test_the_lede_counts_what_reading_found_under_one_h1(spec):
    doc = _page(spec, FAULTY)
    assert [h.text_content() for h in doc.xpath("//h1")] == [
        "Data quality: Eastbridge & <Vale>, 2025-26"
    ]
    assert doc.find(".//title").text == "Data quality: Eastbridge & <Vale>, 2025-26"
    assert _lede(doc) == (
        "The data cannot support the report until the errors below are fixed. Returns read: "
        "2024-25, 2025-26. 1 error(s), 2 warning(s), 1,203 row(s) not used."
    )


def test_problems_are_counted_in_rows_and_no_row_number_is_shown(spec):
    doc = _page(spec, FAULTY)
    assert _table(doc, "What reading the 903 files found") == [
        [
            "Error",
            "Z09/2025-26/episodes.csv",
            "DECOM",
            "3",
            "DECOM is not a date: write dd/mm/yyyy",
            ALL_BUT_EPISODES,
        ],
        # reviews.csv is not among the files read: no table, so no figures named
        ["Warning", "Z09/2025-26/reviews.csv", "REVIEW", "1", "dates written as yyyy-mm-dd", ""],
        ["Warning", "Z09/2025-26/missing.csv", "", "", "an empty file <b>", ""],
    ]
    assert doc.xpath("//main//b") == []  # a message is text, never markup
    assert _table(doc, "Rows that could not be used") == [
        ["Episodes", "DECOM is not a date", "3"],
        ["Reviews", "a duplicate row", "1,200"],
    ]
    text = doc.find(".//main").text_content()
    for row_number in ("31337", "4242", "9001", "8642"):
        assert row_number not in text


def test_a_clean_read_says_so(spec):
    doc = _page(spec, CLEAN)
    assert _lede(doc) == (
        "No errors: the data can support the report. Warnings are listed below. Returns read: "
        "2025-26. 0 error(s), 0 warning(s), 0 row(s) not used."
    )
    paragraphs = [p.text_content() for p in doc.xpath("//main/p")]
    assert "Nothing to report." in paragraphs and "Every row was used." in paragraphs
    assert _table(doc, "Files read") == [["Z09/2025-26/episodes.csv", "Episodes", "1,234", "utf-8"]]
    assert doc.xpath("//h2[@id='data-checks']") == []  # no checks were run
    assert doc.xpath("//h2[@id='for-the-analyst']") == []  # targets set, nothing to say


@pytest.mark.parametrize(
    "record, checking, said",
    [
        (CLEAN, False, "The run stopped at exporting the council edition, so no report was "
         "published for this period (any earlier reports in this folder are unchanged). The "
         "run's error output says why."),
        (CLEAN, True, "corpar validate stopped at exporting the council edition: no report can "
         "be made from this data as it is (reports in this folder, from an earlier run, are "
         "unchanged). The run's error output says why."),
        (FAULTY, False, "The run stopped at exporting the council edition, so no report was "
         "published for this period (any earlier reports in this folder are unchanged). The "
         "data cannot support the report until the errors below are fixed."),
    ],
    ids=["run", "validate", "run with errors"],
)  # fmt: skip
def test_a_stopped_run_says_no_report_was_published(spec, record, checking, said):
    lede = _lede(_page(spec, record, stopped="exporting the council edition", checking=checking))
    assert lede.startswith(said + " Returns read: ")
    assert "can support the report" not in lede


def _check(severity, table, column, failing, rule=None, rows=()):
    return {"check": f"{table}.{column}", "dfe_rule": rule, "severity": severity, "table": table,
            "collection_year": "2025-26", "column": column, "message": f"{column} failed",
            "action": f"Correct {column}", "rows_checked": 5000, "rows_failing": failing,
            "rows": list(rows)}  # fmt: skip


def test_failed_checks_are_counted_most_serious_first(spec):
    checks = CheckRecord(
        summary={"checks_run": 1234, "checks_failed_critical": 1, "checks_failed_warning": 1,
                 "rows_failing_critical": 2, "rows_failing_warning": 1500},
        checks=[_check("warning", "Reviews", "REVIEW", 1500, rows=range(70001, 71501)),
                _check("critical", "Header", "DOB", 0, "INT32"),
                _check("critical", "Episodes", "_age_at_decom", 2, "356", rows=(4242, 9001))],
    )  # fmt: skip
    doc = _page(spec, CLEAN, checks)
    assert _lede(doc).startswith(
        "Critical data checks failed: the data cannot support the report until they are fixed "
        "(see Data checks). Returns read: "
    )
    said = doc.xpath("//h2[@id='data-checks']/following-sibling::p[1]")[0].text_content()
    assert said.startswith(
        "1,234 checks (the DfE validation rules most relevant to the report, and corpar's own) "
        "were run on the latest returns and on the combined history: 1 critical and 1 warning "
        "check(s) failed, on 1,502 row(s)."
    )
    assert _table(doc, "Checks that failed") == [
        ["Critical", "356", "Episodes (2025-26)", "age at DECOM (worked out)",
         "_age_at_decom failed", "Correct _age_at_decom", "2", ALL_BUT_EPISODES],
        ["Warning", "-", "Reviews (2025-26)", "REVIEW", "REVIEW failed", "Correct REVIEW",
         "1,500", "Children who took part in their reviews"],
    ]  # fmt: skip
    text = doc.find(".//main").text_content()
    assert "4242" not in text and "70001" not in text


def test_commentary_that_was_not_printed_is_explained_to_the_analyst(tmp_path):
    cfg = tmp_path / "config"
    (cfg / "commentary" / "Z09").mkdir(parents=True)
    (cfg / "commentary" / "Z09" / "officer_commentary.md").write_text("Example commentary.")
    spec = build_run_spec("Z09", "2025-26", config_dir=str(cfg))  # no targets configured
    doc = _page(spec, CLEAN)
    (notes,) = doc.xpath("//h2[@id='for-the-analyst']/following-sibling::ul[1]")
    assert [li.text_content() for li in notes] == [
        "The commentary from officers text (config/commentary/Z09/.../officer_commentary.md) "
        'was not printed: it reads as an example or instructions (it starts with "Example" or '
        "names a config/ file). Replace it with the words for this report.",
        "No targets are set for Z09 (config/authorities.yml): measures are not rated.",
    ]


def test_each_failed_check_names_the_figures_it_touches(spec):
    checks = CheckRecord(
        summary={"checks_run": 9, "checks_failed_critical": 0, "checks_failed_warning": 3,
                 "rows_failing_critical": 0, "rows_failing_warning": 70},
        checks=[_check("warning", "Episodes", "REC", 62, "148"),
                _check("warning", "Missing", "MIS_END", 1, "577"),
                _check("warning", "OC2", "TEETH_CHECK", 7)],
    )  # fmt: skip
    touched = {r[3]: r[-1] for r in _table(_page(spec, CLEAN, checks), "Checks that failed")}
    # An episode's end reason decides who ceased (REC not X1), who was adopted (E11, E12),
    # who left on a special guardianship order (E43-E48) or returned home as planned (E4A),
    # and the adopted children's days to their adoptive placement (docs/indicators.md).
    assert touched["REC"] == "5 figures: " + "; ".join(
        REGISTRY[i].title
        for i in ("cla_ceased", "adopted_pct", "sgo_pct", "returned_home_planned_pct",
                  "adoption_entry_to_placed_days")
    )  # fmt: skip
    assert touched["MIS_END"] == "none"  # incidents are counted by their start
    assert touched["TEETH_CHECK"] == "Dental check"
