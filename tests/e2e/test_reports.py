"""The report editions from the demo: both editions, PDF, manifest, accessibility, privacy."""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil

import pandas as pd
import pytest
from pypdf import PdfReader

from corpar_synthetic import generator as synthetic
from pipeline.measures.registry import REGISTRY

CODES = [a.code for a in synthetic.AUTHORITIES]
PERIOD = "2025-26"
EDITIONS = ("council", "hwb")


def out(demo, code, name):
    return demo["outputs"] / code / PERIOD / name


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("edition", EDITIONS)
def test_pdf_is_tagged_titled_in_english_and_carries_the_headline(demo, code, edition):
    pdf = PdfReader(out(demo, code, f"{code}_{PERIOD}_{edition}.pdf"))
    root = pdf.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    assert "/Outlines" in root  # bookmarks from the headings, for navigating the PDF
    # A4 (210 x 297 mm = 595 x 842 points), what a UK board pack is printed on
    box = pdf.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 1 and abs(float(box.height) - 841.9) < 1
    name = synthetic.AUTHORITIES[CODES.index(code)].name
    assert name in pdf.metadata.title
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    ind = pd.read_csv(demo["processed"] / code / PERIOD / "indicators.csv", keep_default_na=False)
    n = int(
        float(ind[(ind["indicator"] == "cla_at_end") & (ind["breakdown"] == "")]["value"].iloc[0])
    )
    if edition == "council":
        assert f"looked after {n:,} children" in text
    else:
        assert "Health and wellbeing" in text and "Annual health assessment" in text


def _pdfs(demo):
    for code in CODES:
        for edition in EDITIONS:
            yield out(demo, code, f"{code}_{PERIOD}_{edition}.pdf")
        yield demo["outputs"] / code / QUARTER / f"{code}_{QUARTER}_board.pdf"


def test_every_pdf_page_is_numbered_under_a_running_header(demo):
    for path in _pdfs(demo):
        pdf = PdfReader(path)
        n, title = len(pdf.pages), pdf.metadata.title
        for i, page in enumerate(pdf.pages, start=1):
            text = " ".join(page.extract_text().split())
            assert f"Page {i} of {n}" in text, (path.name, i)
            assert title in text, (path.name, i)


def _text_sizes(page) -> list[float]:
    """Each character's printed size in points (font size times the text and page scales)."""
    sizes: list[float] = []

    def visit(text, cm, tm, font, size):
        a = cm[0] * tm[0] + cm[2] * tm[1]
        b = cm[1] * tm[0] + cm[3] * tm[1]
        c = cm[0] * tm[2] + cm[2] * tm[3]
        d = cm[1] * tm[2] + cm[3] * tm[3]
        sizes.extend([size * abs(a * d - b * c) ** 0.5] * len(text.strip()))

    page.extract_text(visitor_text=visit)
    return sizes


def test_papers_print_at_a_readable_size(demo):
    # Body 11 pt and tables 10 pt in print (report.css): half the characters at least 9.9 pt
    # (0.9 of 11 pt, the smallest print size but the page numbers'). A table wider than the
    # page shrank every page to fit, about 8.6 pt.
    for path in _pdfs(demo):
        sizes = sorted(s for page in PdfReader(path).pages for s in _text_sizes(page))
        assert sizes[len(sizes) // 2] >= 9.85, path.name


@pytest.mark.parametrize("code", CODES)
def test_hwb_edition_is_led_by_health(demo, code):
    html = out(demo, code, f"{code}_{PERIOD}_hwb.html").read_text()
    order = [
        html.index(f'id="{s}"')
        for s in (
            "summary",
            "health-and-wellbeing",
            "care-leavers",
            "children-looked-after-in-brief",
            "about-this-report",
        )
    ]
    assert order == sorted(order)
    assert "Annual health assessment:" in html  # a health headline message


@pytest.mark.parametrize("code", CODES)
def test_hwb_summary_names_the_children_behind_each_percentage(demo, code):
    from bs4 import BeautifulSoup

    page = out(demo, code, f"{code}_{PERIOD}_hwb.html").read_text()
    items = [" ".join(li.get_text().split()) for li in
             BeautifulSoup(page, "html.parser").select("ul.headlines li")]  # fmt: skip
    [said] = [i for i in items if i.startswith("Annual health assessment:")]
    ind = pd.read_csv(out(demo, code, "indicators.csv"), keep_default_na=False)
    r = ind[(ind["indicator"] == "health_assessment_pct") & (ind["breakdown"] == "")].iloc[0]
    if r["display"] == "c":
        assert " of " not in said  # no headcount beside a suppressed figure
        return
    num, den = int(float(r["numerator"])), int(float(r["denominator"]))
    assert f"% of children looked after for at least 12 months ({num:,} of {den:,})" in said
    # The children without one are named when more than 5 (a sentence never counts 1 to 5).
    without = f"{den - num:,} children did not have an annual health assessment."
    assert (without in said) == (den - num > 5), said


@pytest.mark.parametrize("code", CODES)
def test_manifest_names_every_input_with_its_hash(demo, code):
    m = json.loads(out(demo, code, "run.json").read_text())
    assert (m["la_code"], m["period"]) == (code, PERIOD)
    assert m["editions"] == ["council", "hwb"]
    assert {"indicators.csv", "indicators.xlsx", f"{code}_{PERIOD}_hwb.pdf"} <= set(m["outputs"])
    raw = demo["raw"]
    files = {
        p.relative_to(raw).as_posix(): p
        for p in (raw / code).rglob("*")
        if p.is_file() and p.parent.name <= PERIOD
    }
    assert {i["file"] for i in m["inputs"]} == set(files)
    for i in m["inputs"]:
        assert i["sha256"] == hashlib.sha256(files[i["file"]].read_bytes()).hexdigest()
    assert m["checks"]["errors"] == 0 and m["versions"]["pandas"]
    assert m["data_checks"]["checks_failed_critical"] == 0  # the demo data can be reported
    assert m["data_checks"]["checks_run"] > 150  # the return's ~170 checks and the history's
    assert set(m["timings_seconds"]) == {
        "10_clean",
        "20_validate",
        "30_indicators",
        "council_report",
        "hwb_report",
        "editions",  # both notebooks and their exports, which overlap the next notebook
    }
    t = m["timings_seconds"]
    assert t["editions"] >= max(t["council_report"], t["hwb_report"]) > 0


def test_officer_and_children_in_care_council_slots_come_from_config(demo):
    html = out(demo, "Z03", f"Z03_{PERIOD}_council.html").read_text()
    assert "In their own words: the Children in Care Council" in html
    assert "tell them what changed because of what they said" in html  # as written
    assert "Commentary from officers" in html
    other = out(demo, "Z01", f"Z01_{PERIOD}_council.html").read_text()
    assert "Children in Care Council</h3>" not in other  # no file, no slot


@pytest.mark.parametrize("code", CODES)
def test_no_small_number_is_published_unsuppressed(demo, code):
    pub = pd.read_csv(out(demo, code, "indicators.csv"), keep_default_na=False)
    for r in pub.itertuples():
        if r.display == "c":
            assert r.numerator == "" and r.denominator == ""
            continue
        unit = REGISTRY[r.indicator].unit
        nums = [r.numerator] if unit == "count" else [r.numerator, r.denominator]
        for v in nums:
            assert v == "" or not 1 <= float(v) <= 5, (r.indicator, r.breakdown, v)


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("needs Debian's chromium (make setup installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield b
        b.close()


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("edition", [*EDITIONS, "data_quality"])
def test_axe_finds_no_accessibility_violations(demo, browser, code, edition):
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_context().new_page()
    name = "data_quality.html" if edition == "data_quality" else f"{code}_{PERIOD}_{edition}.html"
    page.goto(out(demo, code, name).as_uri())
    result = Axe().run(page)
    assert result.violations_count == 0, result.generate_report()


QUARTER = "2026-27-Q2"


@pytest.mark.parametrize("code", CODES)
def test_quarterly_board_edition(demo, code):
    base = demo["outputs"] / code / QUARTER
    html = (base / f"{code}_{QUARTER}_board.html").read_text()
    for section in ("summary", "priorities-and-targets", "health-and-wellbeing"):
        assert f'id="{section}"' in html
    # Only Z03 has an action plan (config/action_plans/Z03.yml): no empty section elsewhere.
    assert ('id="action-plan"' in html) == (code == "Z03")
    assert "30 September 2026" in html and "rolling 12 months" in html
    assert "count as not received" in html  # the quarterly health caveat
    assert not (base / f"{code}_{QUARTER}_council.html").exists()
    assert (base / f"{code}_{QUARTER}_board.pdf").exists()


def test_action_tracker_shows_ratings_at_each_review_to_the_period_end(demo):
    html = (demo["outputs"] / "Z03" / QUARTER / f"Z03_{QUARTER}_board.html").read_text()
    assert "Review 30 June 2026" in html and "Review 30 September 2026" in html
    assert "At risk" in html and "Two carers withdrew" in html


def _board_tables(page: str) -> dict[str, dict[str, str]]:
    """Every table of a rendered page as {row header: {column header: cell text}}."""
    from bs4 import BeautifulSoup

    def text(node):
        return " ".join(node.get_text(" ").split())

    rows = {}
    for t in BeautifulSoup(page, "html.parser").find_all("table"):
        if t.thead is None:  # the cover's details: row headers only
            continue
        heads = [text(th) for th in t.thead.find_all("th")]
        for tr in t.tbody.find_all("tr"):
            cells = [text(c) for c in tr.find_all(["th", "td"], recursive=False)]
            rows[cells[0]] = dict(zip(heads, cells, strict=True))
    return rows


def test_board_actions_show_their_measure_as_published_by_priority_with_due_dates(demo):
    """Z03's plan (config/action_plans/Z03.yml) against Z03's published indicators.csv."""
    base = demo["outputs"] / "Z03" / QUARTER
    page = (base / f"Z03_{QUARTER}_board.html").read_text()
    plan = page[page.index('id="action-plan"') :]
    plan = plan[: plan.index("<h2", 10)] if "<h2" in plan[10:] else plan
    # Two high-priority actions, then one medium (the YAML's priorities).
    assert re.findall(r"<h3>(.*?)</h3>", plan) == ["High priority", "Medium priority"]
    pub = pd.read_csv(base / "indicators.csv", keep_default_na=False)
    pub = pub[pub["breakdown"] == ""].set_index("indicator")
    rows = {k.split(" Impact sought")[0]: v for k, v in _board_tables(plan).items()}
    for task, ind, due in (
        ("Recruit 15 more in-house foster carers by March 2027", "long_term_stability_pct",
         "31 March 2027"),
        ("Every child looked after has an up-to-date dental check", "dental_check_pct",
         "31 December 2026"),
        ("Personal advisers make contact with every care leaver each quarter",
         "care_leavers_in_touch_pct_19_21", "30 September 2026"),
    ):  # fmt: skip
        row, r = rows[task], pub.loc[ind]
        assert f"Due {due}" in row["Lead and due date"]
        measure = row["Linked measure: latest figure"]
        assert REGISTRY[ind].title in measure
        shown = r["display"] + ("%" if r["display"] not in ("c", "x") else "")
        assert measure.split(": ", 1)[1].startswith(shown), (measure, shown)
        # The measure's rating is the published one (indicators.csv), in words.
        expected = r["rating"] or (
            "Not rated (figure suppressed)" if r["display"] == "c" else "No target set"
        )
        assert row["Measure's rating"].endswith(expected), (row["Measure's rating"], expected)
    assert rows["Every child looked after has an up-to-date dental check"][
        "Review 30 September 2026"
    ].startswith("✓ On track")


@pytest.mark.parametrize("code", CODES)
def test_board_exceptions_list_the_published_off_target_measures(demo, code):
    base = demo["outputs"] / code / QUARTER
    page = (base / f"{code}_{QUARTER}_board.html").read_text()
    part = page[page.index('id="exceptions-measures-off-target"') :]
    part = part[: part.index("<h2", 10)]
    pub = pd.read_csv(base / "indicators.csv", keep_default_na=False)
    off = pub[(pub["breakdown"] == "") & (pub["rating"] == "Off target")]["indicator"].tolist()
    listed = [k.split(" (")[0] for k in _board_tables(part)]
    assert listed == [REGISTRY[i].title for i in off]
    if not off:
        assert "No measure with a target is off target at 30 September 2026." in part
    for row in _board_tables(part).values():
        assert row["Rating"] == "✗ Off target"
        trend = next(v for k, v in row.items() if k.startswith("Trend"))
        assert trend.startswith("from ") and trend.count("; ") >= 1, trend  # two years or more


@pytest.mark.parametrize("code", CODES)
def test_board_names_the_quarter_in_words_in_html_and_pdf(demo, code):
    import subprocess

    base = demo["outputs"] / code / QUARTER
    words = "Quarter 2 (July to September 2026)"
    page = (base / f"{code}_{QUARTER}_board.html").read_text()
    assert re.search(r"<h1>[^<]*" + re.escape(words) + "</h1>", page)
    assert page.count("<h1") == 1
    text = _visible_text(page).replace("\u2011", "-")
    assert words in text and "Quarter 2 (July to September 2025)" in text
    assert not re.findall(r"\d{4}-\d{2}-Q\d", text)
    pdf = base / f"{code}_{QUARTER}_board.pdf"
    assert words in PdfReader(pdf).metadata.title
    if shutil.which("pdftotext"):
        pdf_text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.replace("\u2011", "-")
        assert not re.findall(r"\d{4}-\d{2}-Q\d", pdf_text)
        assert "Quarter 2 (July to September" in pdf_text
        assert "Exceptions: measures off target" in pdf_text


@pytest.mark.parametrize("code", ["Z03", "Z04"])
def test_axe_finds_no_violations_in_the_board_edition(demo, browser, code):
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_context().new_page()
    page.goto((demo["outputs"] / code / QUARTER / f"{code}_{QUARTER}_board.html").as_uri())
    result = Axe().run(page)
    assert result.violations_count == 0, result.generate_report()


def test_data_quality_report_counts_without_child_rows(demo):
    html = out(demo, "Z02", "data_quality.html").read_text()
    # Z02 writes its review dates as yyyy-mm-dd (Excel), which reading reports.
    assert "No errors: the data can support the report" in html
    assert "dates written as yyyy-mm-dd" in html
    assert "rejected_rows.csv" in html
    # The data checks, in counts: each failed check once, with its rule and row count.
    checks = json.loads((demo["processed"] / "Z02" / PERIOD / "validation.json").read_text())
    failed = [c for c in checks["checks"] if c["rows_failing"]]
    assert "<h2" in html and "Data checks" in html
    assert html.count("<tr>") >= len(failed)
    for c in failed:
        assert f"{c['rows_failing']:,}</td>" in html
    assert checks["summary"]["checks_failed_critical"] == 0
    council = out(demo, "Z02", f"Z02_{PERIOD}_council.html").read_text()
    assert f"{checks['summary']['checks_run']:,} checks based on the DfE" in council


def test_the_profile_sets_each_group_beside_englands(demo):
    from bs4 import BeautifulSoup

    page = out(demo, "Z04", f"Z04_{PERIOD}_council.html").read_text()
    tables = {
        " ".join(t.caption.get_text(" ").split()): [
            [" ".join(c.get_text(" ").split()) for c in tr.find_all(["th", "td"])]
            for tr in t.tbody.find_all("tr")
        ]
        for t in BeautifulSoup(page, "html.parser").find_all("table")
        if t.caption
    }

    def table(starts):
        return {r[0]: r[1:] for c, rows in tables.items() if c.startswith(starts) for r in rows}

    pub = pd.read_csv(out(demo, "Z04", "indicators.csv"), keep_default_na=False)
    at_end = pub[pub["indicator"] == "cla_at_end"].set_index("breakdown")["display"]
    total = int(at_end[""].replace(",", ""))
    sex = table("Children looked after at 31 March 2026 by sex")
    # England: the synthetic reference's 2024 profile (57% male, 43% female); none for
    # children of unknown sex. Ours: each published count over the total, whole per cent.
    assert sex["Male"][2] == "57%" and sex["Female"][2] == "43%"
    assert sex["Unknown or indeterminate"][2] == "x"
    male = int(at_end["Sex: Male"].replace(",", ""))
    assert sex["Male"][:2] == [f"{male:,}", f"{int(100 * male / total + 0.5)}%"]
    # Chinese children move from England's Asian group to Other, as the return counts them:
    # Asian (4,100 - 100) and Other (4,100 + 100) of 82,000 children, both 5%.
    ethnic = table("Children looked after at 31 March 2026 by ethnic group")
    assert (ethnic["Asian"][2], ethnic["Other"][2], ethnic["White"][2]) == ("5%", "5%", "72%")
    legal = table("Children looked after at 31 March 2026 by legal status")
    assert legal["Youth justice"][2] == legal["Emergency and police protection"][2] == "<0.5%"
    # Why children started to be looked after, in DfE's words, not the return's N1-N8.
    need = table("Children who started to be looked after in 2025-26, by the main reason")
    assert "Abuse or neglect" in need and not any(re.fullmatch(r"N\d", g) for g in need)
    assert "England, 2024" in page and "count them in Other" in page
    # Placements: the synthetic 2024 numbers of 82,000 (DfE's headings grouped as ours):
    # homes and residential 13,940 - 6,560 + 1,640 + 100 = 9,120 (11%); independent and
    # semi-independent 2,460 + 6,560 = 9,020 (11%); other 820 + 2,460 - 2,460 = 820 (1%).
    place = table("Children looked after at 31 March 2026 by type of placement")
    assert [place[g][2] for g in ("Foster care", "Children's homes and residential",
            "Independent and semi-independent living", "Other", "Total")] == [
        "68%", "11%", "11%", "1%", "100%",
    ]  # fmt: skip


@pytest.mark.parametrize("code", CODES)
def test_every_indicator_row_shows_its_five_year_trend(demo, code):
    html = out(demo, code, f"{code}_{PERIOD}_council.html").read_text()
    trend = pd.read_csv(
        demo["processed"] / code / PERIOD / "indicators_trend.csv", keep_default_na=False
    )
    at_end = trend[(trend["indicator"] == "cla_at_end") & (trend["breakdown"] == "")]
    values = [f"{int(float(v)):,}" for v in at_end.sort_values("period")["value"]]
    assert len(values) == 5
    assert "Trend 2021‑22 to 2025‑26" in html  # non-breaking hyphens keep years whole
    from bs4 import BeautifulSoup

    years = ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26"]
    series = "".join(f"{y}: {v}; " for y, v in zip(years, values, strict=True))
    row = next(
        th.parent
        for th in BeautifulSoup(html, "html.parser").find_all("th", scope="row")
        if th.get_text(" ", strip=True) == REGISTRY["cla_at_end"].title
    )
    trend = row.find(class_="trend")
    assert trend.find(class_="visually-hidden").get_text() == series  # for a screen reader
    first = trend.find(class_="from")
    assert first.get_text() == f"from {values[0]}" and first["aria-hidden"] == "true"
    assert trend.svg["aria-hidden"] == "true" and len(trend.svg.find_all("circle")) == 5


def _visible_text(page: str) -> str:
    page = re.sub(r"(?s)<(style|script)\b.*?</\1>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("code", CODES)
def test_members_read_no_officer_instructions_or_file_names(demo, code):
    """Instructions, configuration paths and file names are for the analyst, not members."""
    pages = [p for p in (demo["outputs"] / code).glob("*/*.html") if p.name != "data_quality.html"]
    assert len(pages) == 3  # council and HWB for the year, board for the quarter
    for page in pages:
        text = _visible_text(page.read_text())
        found = re.findall(r"config/\S*|\S+\.(?:ya?ml|csv|parquet|xlsx)\b|\b[Ee]xample\b", text)
        assert not found, (page.name, found)


def test_the_analyst_is_told_what_members_are_not_shown(demo):
    # Z04 has no action plan: its board report has no empty section, and the analyst is told.
    board = (demo["outputs"] / "Z04" / QUARTER / f"Z04_{QUARTER}_board.html").read_text()
    assert 'id="action-plan"' not in board
    page = (demo["outputs"] / "Z04" / QUARTER / "data_quality.html").read_text()
    assert "No action plan is recorded (config/action_plans/Z04.yml)" in page


def test_the_board_shows_yearly_figures_as_their_year_and_never_headlines_them(demo):
    board = (demo["outputs"] / "Z04" / QUARTER / f"Z04_{QUARTER}_board.html").read_text()
    text = _visible_text(board)
    assert "Annual health assessment (2025-26, yearly return)" in text
    assert 'Measures marked "2025-26, yearly return" come from tables councils return' in text
    summary = _visible_text(
        board[board.index('id="summary"') : board.index('id="exceptions-measures-off-target"')]
    )
    assert "looked after" in summary
    for ind in REGISTRY.values():
        if ind.annual:
            assert ind.title not in summary, ind.title
    # The analysts' workbook says which year each figure describes.
    comp = pd.read_excel(demo["outputs"] / "Z04" / QUARTER / "indicators.xlsx", "comparators")
    as_of = dict(zip(comp["indicator"], comp["as_of"], strict=True))
    assert (as_of["health_assessment_pct"], as_of["cla_at_end"]) == ("2025-26", QUARTER)


def _summary_items(page: str) -> list[str]:
    part = page[page.index('id="summary"') :]
    part = part[: part.index("</ul>")]
    return [_visible_text(li).strip() for li in re.findall(r"(?s)<li>(.*?)</li>", part)]


@pytest.mark.parametrize("code", CODES)
def test_summaries_give_the_numbers_behind_a_small_groups_percentage(demo, code):
    """A change or a gap about fewer than 30 children says how many (6 of 14 ...)."""
    for period, edition in ((PERIOD, "council"), (PERIOD, "hwb"), (QUARTER, "board")):
        base = demo["outputs"] / code / period
        pub = pd.read_csv(base / "indicators.csv", keep_default_na=False)
        totals = pub[pub["breakdown"] == ""].set_index("indicator")
        page = (base / f"{code}_{period}_{edition}.html").read_text()
        assert "How the summary is chosen" in page and "Benjamini-Hochberg" in page
        for item in _summary_items(page):
            tested = re.match(r"(.+?)(?: rose from | fell from |: \d+% against )", item)
            ind = next((i for i in REGISTRY.values() if tested and tested[1] == i.title), None)
            if ind is None or ind.unit != "percent":
                continue
            n = totals.loc[ind.id, "denominator"]
            if n != "" and float(n) < 30:
                assert re.search(r"\(\d+ of \d+ (children|young people)", item), item


@pytest.mark.parametrize("code", CODES)
def test_the_synthetic_comparators_agree_with_one_another(demo, code):
    # The checks of published.drop_contradictions find nothing to leave out in the demo's
    # reference tables (each is hand-worked in unit/test_published.py).
    for period in (PERIOD, QUARTER):
        checks = demo["processed"] / code / period / "comparator_checks.json"
        assert json.loads(checks.read_text()) == []


@pytest.mark.parametrize("code", CODES)
def test_each_edition_defines_the_measures_it_shows_and_no_others(demo, code):
    defined = {}
    for path in [out(demo, code, f"{code}_{PERIOD}_{e}.html") for e in EDITIONS] + [
        demo["outputs"] / code / QUARTER / f"{code}_{QUARTER}_board.html"
    ]:
        page = path.read_text()
        body, annex = page.split('<h2 id="about-this-report"', 1)
        ids = re.findall(r'<dt id="def-([a-z0-9_]+)">', annex)
        shown = " ".join(_visible_text(body).split())
        # Each defined measure's title is in the edition above its definition...
        assert [i for i in ids if REGISTRY[i].title not in shown] == [], path.name
        # ... and each measure whose title heads a row of a table there is defined.
        rows = re.findall(r'<th scope="row"[^>]*>(.*?)</th>', body, flags=re.S)
        heads = {" ".join(html.unescape(re.sub(r"<[^>]+>", " ", h)).split()) for h in rows}
        titled = {i for i, ind in REGISTRY.items() if ind.title in heads}
        assert titled <= set(ids), path.name
        defined[path.name] = set(ids)
    council, hwb = defined[f"{code}_{PERIOD}_council.html"], defined[f"{code}_{PERIOD}_hwb.html"]
    assert hwb < council  # the Health and Wellbeing Board edition shows fewer measures


def _cover(page: str) -> dict[str, str]:
    from bs4 import BeautifulSoup

    table = BeautifulSoup(page, "html.parser").find("table", class_="cover")
    return {
        " ".join(tr.th.get_text().split()): " ".join(tr.td.get_text().split())
        for tr in table.tbody.find_all("tr")
    }


@pytest.mark.parametrize(
    ("code", "period", "edition", "expected"),
    [
        # Z04's covers are configured (config/authorities.yml); Z03's are the defaults.
        (
            "Z04", PERIOD, "council",
            {"Meeting": "Full Council", "Date of meeting": "16 July 2026",
             "Report of": "Director of Children's Services",
             "Author": "Head of Performance and Intelligence",
             "Lead member": "Cabinet Member for Children and Families", "Wards affected": "All"},
        ),
        (
            "Z04", QUARTER, "board",
            {"Meeting": "Corporate Parenting Board", "Date of meeting": "12 November 2026",
             "Report of": "Director of Children's Services", "Wards affected": "All"},
        ),
        (
            "Z03", PERIOD, "hwb",
            {"Meeting": "Health and Wellbeing Board",
             "Report of": "Director of Children's Services", "Wards affected": "All"},
        ),
    ],
)  # fmt: skip
def test_each_paper_opens_with_its_cover_then_contents_then_purpose(
    demo, code, period, edition, expected
):
    import subprocess

    base = demo["outputs"] / code / period
    page = (base / f"{code}_{period}_{edition}.html").read_text()
    assert _cover(page) == expected
    assert page.count("<h1") == 1 and page.count('aria-label="Contents"') == 1
    # Details, then the contents, whose first entry is the purpose, then the purpose itself.
    first_link = re.search(r'aria-label="Contents">.*?<a href="#([^"]+)">', page, re.S)
    assert first_link and first_link.group(1) == "purpose-and-recommendations"
    assert (
        page.index('class="cover"')
        < page.index('aria-label="Contents"')
        < page.index('<h2 id="purpose-and-recommendations">')
        < page.index("<h3>Background papers</h3>")
    )
    if shutil.which("pdftotext"):
        pdf = base / f"{code}_{period}_{edition}.pdf"
        first = subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert "About this paper" in first and "Purpose and recommendations" in first
        for value in expected.values():
            assert " ".join(value.split()) in " ".join(first.split())
        rest = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        joined = " ".join(rest.split())
        assert "None arising from this report." in joined
        if edition == "board" and code == "Z04":
            assert "Westford City corporate parenting strategy 2025 to 2028" in joined


@pytest.mark.parametrize("code", ["Z03", "Z04"])
def test_rank_in_england_is_counted_from_the_reference_table(demo, code):
    import csv

    from pipeline.numerals import ordinal

    # Children with 3 or more placements (lower is better), year ending 31 March 2026.
    [ref] = demo["reference"].rglob("synthetic_placements_3plus_pct.csv")
    with open(ref, encoding="utf-8") as f:
        others = [
            float(r["children_percent"])
            for r in csv.DictReader(f)
            if r["time_period"] == "2026" and r["geographic_level"] == "Local authority"
            and r["old_la_code"] != code and r["children_percent"].replace(".", "").isdigit()
        ]  # fmt: skip
    ind = pd.read_csv(out(demo, code, "indicators.csv"), keep_default_na=False)
    mine = ind[(ind["indicator"] == "placements_3plus_pct") & (ind["breakdown"] == "")].iloc[0]
    rank, n = 1 + sum(o < float(mine["value"]) for o in others), len(others) + 1
    place = "lowest" if rank == 1 else f"{ordinal(rank)} lowest"
    assert (int(mine["england_rank"]), int(mine["england_ranked"])) == (rank, n)
    page = out(demo, code, f"{code}_{PERIOD}_council.html").read_text()
    cell = _board_tables(page)["Children with 3 or more placements in the year"]
    assert cell["Rank in England"].startswith(f"{place} of {n} ")
    assert cell["Rank in England"].endswith("quartile")


@pytest.mark.parametrize("code", CODES)
def test_education_shows_three_years_beside_children_looked_after_in_england(demo, code):
    from tests.e2e.test_tiny_authority import tables_of

    path = out(demo, code, f"{code}_{PERIOD}_council.html")
    (years,) = [(h, b) for c, h, b in tables_of(path) if "results over three years" in c]
    head, body = years
    assert [h.replace("\u2011", "-") for h in head[1:4]] == ["2023-24", "2024-25", PERIOD]
    pub = pd.read_csv(out(demo, code, "indicators.csv"), keep_default_na=False)
    pub = pub[pub["breakdown"] == ""].set_index("title")
    for row in body:
        r = pub.loc[row[0]]
        pct = "%" if r["unit"] == "percent" else ""
        # This year's and last year's figures are the published ones; England's is DfE's
        # figure for children looked after, as published beside ours.
        assert row[3] == (r["display"] + pct if r["display"] not in ("c", "x") else r["display"])
        before = r["previous_display"]
        assert row[2] == (before + pct if before not in ("c", "x", "") else before or "x")
        dp = REGISTRY[r["indicator"]].dp
        eng = "x" if r["england"] == "" else f"{float(r['england']):.{dp}f}"
        assert row[4] == (eng + pct if eng != "x" else eng)
