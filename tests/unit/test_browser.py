"""The print browser (``pipeline.report.browser``): one kept Chromium per process.

It is Debian's chromium (or ``CORPAR_CHROMIUM``), with a clear error when there is none; the
browser, its context and one page are kept from print to print on one thread, a page whose
print failed is replaced, and the page and browser close on request. Playwright's log of
events for objects it already disposed of is kept off stderr, and nothing else is.
"""

from __future__ import annotations

import pytest

from pipeline.report import browser, export


def test_debians_chromium_is_found_and_corpar_chromium_wins(monkeypatch):
    monkeypatch.delenv("CORPAR_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", "/usr/bin")
    assert browser.chromium_binary() == "/usr/bin/chromium"
    monkeypatch.setenv("CORPAR_CHROMIUM", "/opt/chromium/chrome")
    assert browser.chromium_binary() == "/opt/chromium/chrome"


def test_without_chromium_the_error_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.delenv("CORPAR_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no chromium on the path
    with pytest.raises(RuntimeError, match=r"'make setup'.*'apt-get install chromium'"):
        browser.chromium_binary()


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
