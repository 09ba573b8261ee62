"""Report building blocks that need no kernel: slots are escaped, ratings are words."""

from __future__ import annotations

from types import SimpleNamespace

from pipeline.report import browser, commentary, export, sections
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


def test_only_playwrights_events_for_disposed_objects_are_kept_off_stderr():
    import logging
    import sys

    def record(message: str) -> logging.LogRecord:
        try:
            raise RuntimeError(message)
        except RuntimeError:
            info = sys.exc_info()
        return logging.LogRecord(
            "playwright", logging.ERROR, __file__, 1, "Error occurred in event listener", (), info
        )

    keep = browser._DisposedObjectEvents().filter
    assert not keep(record('Cannot find object to "pausedStateChanged": debugger@1'))
    assert keep(record("Target page, context or browser has been closed"))
    assert keep(logging.LogRecord("playwright", logging.ERROR, __file__, 1, "plain", (), None))


def test_the_kept_browser_prints_again_and_closes_on_request(tmp_path):
    import shutil

    import pytest
    from pypdf import PdfReader

    if not shutil.which("chromium"):
        pytest.skip("needs Debian's chromium (make setup installs it)")
    page = tmp_path / "r.html"
    page.write_text(
        '<!doctype html><html lang="en-GB"><head><title>T</title></head>'
        "<body><h1>Hello</h1><details><summary>Data</summary><p>Inside</p></details></body>"
        "</html>"
    )

    def kept():  # the print thread's context, read on that thread
        return (
            browser.print_thread()
            .submit(lambda: getattr(browser._printer, "context", None))
            .result()
        )

    browser.start_browser()  # in the background; the first print waits for it if need be
    export.export_pdf(page, tmp_path / "a.pdf")
    first = kept()
    export.export_pdf(page, tmp_path / "b.pdf")
    assert first is not None and kept() is first  # the same browser and context, kept
    text = PdfReader(tmp_path / "b.pdf").pages[0].extract_text()
    assert "Hello" in text and "Inside" in text  # closed details are opened for print
    browser.close_browser()
    assert kept() is None
    assert not browser.print_thread().submit(first.browser.is_connected).result()


def test_the_print_page_is_kept_until_released_and_replaced_after_a_failure(tmp_path):
    import shutil

    import pytest
    from pypdf import PdfReader

    if not shutil.which("chromium"):
        pytest.skip("needs Debian's chromium (make setup installs it)")
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    a.write_text(
        '<!doctype html><html lang="en-GB"><title>A</title><p id="x">First</p>'
        "<script>document.title = 'changed'; window.leftover = 1;</script></html>"
    )
    b.write_text(
        '<!doctype html><html lang="en-GB"><title>B</title><p>Second</p>'
        "<script>document.body.append(String(window.leftover))</script></html>"
    )

    def page():  # the print thread's kept page, read on that thread
        return (
            browser.print_thread().submit(lambda: getattr(browser._printer, "page", None)).result()
        )

    export.export_pdf(a, tmp_path / "a.pdf")
    first = page()
    export.export_pdf(b, tmp_path / "b.pdf")
    assert first is not None and page() is first  # one page for both prints
    text = PdfReader(tmp_path / "b.pdf").pages[0].extract_text()
    # A new document: nothing of the first report (its text, its script's state) remains.
    assert "Second" in text and "First" not in text and "undefined" in text
    assert PdfReader(tmp_path / "b.pdf").metadata.title == "B"

    with pytest.raises(RuntimeError, match="could not print missing.html"):
        export.export_pdf(tmp_path / "missing.html", tmp_path / "m.pdf")
    assert page() is None and browser.print_thread().submit(first.is_closed).result()
    export.export_pdf(a, tmp_path / "again.pdf")  # a new page after the failure
    again = page()
    assert again is not None and again is not first
    assert "First" in PdfReader(tmp_path / "again.pdf").pages[0].extract_text()

    browser.release_print_page()
    assert page() is None and browser.print_thread().submit(again.is_closed).result()
    browser.close_browser()


def test_a_print_that_hangs_fails_its_job_with_a_clear_message(tmp_path, monkeypatch):
    import time

    import pytest

    page = tmp_path / "r.html"
    page.write_text('<!doctype html><html lang="en-GB"><title>T</title><p>x</p></html>')
    monkeypatch.setattr(export, "_print_page", lambda _: time.sleep(2))  # a stuck browser
    monkeypatch.setattr(export, "PRINT_TIMEOUT", 0.2)
    with pytest.raises(RuntimeError, match=r"did not print r.html to PDF within 0.2 s"):
        export.export_pdf(page, tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()


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
