"""Export (``pipeline.report.export``): an executed notebook to one offline HTML file, and PDF.

The HTML has the notebook's outputs and no code (inputs, prompts and cells tagged
``remove_cell`` left out), ``lang="en-GB"``, the title given, a table of contents in place of
the marker linking every h2, and no script from the internet. A print that hangs fails its
job with a message saying what to do. (Printing itself is tested with the browser.)
"""

from __future__ import annotations

import lxml.html
import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from pipeline.report import export
from pipeline.report.blocks import TOC_MARKER


def _cell(html: str, source: str = "secret_source = 1", tags=()):
    out = new_output("display_data", data={"text/html": html, "text/plain": "<HTML>"})
    return new_code_cell(source, outputs=[out], metadata={"tags": list(tags)}, execution_count=1)


def test_an_executed_notebook_exports_as_one_page_without_code(tmp_path):
    nb = new_notebook(
        cells=[
            _cell(f"<header><h1>Annual report: Eastbridge</h1></header>{TOC_MARKER}"),
            _cell('<h2 id="who-our-children-are">Who our children are</h2><p>97 children</p>'),
            _cell("<p>for the analyst only</p>", tags=["remove_cell"]),
            _cell('<h2 id="care-leavers">Care leavers</h2>', source="print('more code')"),
        ]
    )
    notebook = tmp_path / "executed.ipynb"
    nbformat.write(nb, notebook)
    out = export.export_html(notebook, tmp_path / "report.html", "Eastbridge, 2025-26")
    page = out.read_text(encoding="utf-8")
    doc = lxml.html.document_fromstring(page)
    assert doc.get("lang") == "en-GB" and doc.find(".//title").text == "Eastbridge, 2025-26"
    assert [h.text_content() for h in doc.xpath("//h1")] == ["Annual report: Eastbridge"]
    text = doc.text_content()
    assert "97 children" in text
    assert "secret_source" not in text and "more code" not in text and "In [" not in text
    assert "for the analyst only" not in text and TOC_MARKER not in page
    (nav,) = doc.xpath("//nav[@aria-label='Contents']")
    links = [(a.get("href"), a.text_content()) for a in nav.iter("a")]
    assert links == [("#who-our-children-are", "Who our children are"),
                     ("#care-leavers", "Care leavers")]  # fmt: skip
    assert [s.get("src") for s in doc.xpath("//script[@src]")] == []  # works offline


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
