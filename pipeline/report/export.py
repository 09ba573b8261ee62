"""An executed report notebook exported to one offline HTML file, and printed to PDF.

HTML export uses nbconvert with the ``corpar`` template (no code, no scripts from the
internet, ``lang="en-GB"``, a table of contents), so the HTML works offline as one file.
The PDF is printed from that HTML by the process's kept Chromium (``browser``).
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path

from pipeline import io
from pipeline.report.blocks import TEMPLATES, TOC_MARKER
from pipeline.report.browser import discard_page, kept_page, print_thread

PRINT_TIMEOUT = 300  # seconds: a print that hangs fails its job instead of the whole run


def _toc(body: str) -> str:
    items = re.findall(r'<h2 id="([^"]+)">(.*?)</h2>', body)
    links = "".join(f'<li><a href="#{i}">{t}</a></li>' for i, t in items)
    return f'<nav aria-label="Contents"><h2 class="toc">Contents</h2><ol>{links}</ol></nav>'


@cache
def _html_exporter():
    """The report's nbconvert exporter, made once a process (it compiles its templates once).

    Used under ``_EXPORTING``: one export at a time per process.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="corpar", extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.language_code = "en-GB"
    tags = TagRemovePreprocessor(remove_cell_tags={"remove_cell"}, enabled=True)
    exporter.register_preprocessor(tags, enabled=True)
    return exporter


_EXPORTING = threading.Lock()


def export_html(notebook: Path, out_path: Path, title_text: str) -> Path:
    """Export an executed report notebook as one offline, accessible HTML file."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    nb.metadata["title"] = title_text
    with _EXPORTING:
        body, _ = _html_exporter().from_notebook_node(
            nb, resources={"corpar_css": (TEMPLATES / "corpar" / "report.css").read_text()}
        )
    body = body.replace(TOC_MARKER, _toc(body), 1)
    io.write_public_bytes(out_path, body.encode("utf-8"))
    return out_path


# Printed in the page margins (@page in report.css): the report's title at the top of every
# page and its number at the foot, as a board pack's papers are. Chromium fills the spans.
_HEADER = (
    '<div style="font: 9pt DejaVu Sans, Arial, sans-serif; color: #3d3d3d; width: 100%; '
    'margin: 0 14mm; text-align: left;"><span class="title"></span></div>'
)
_FOOTER = (
    '<div style="font: 9pt DejaVu Sans, Arial, sans-serif; color: #3d3d3d; width: 100%; '
    'margin: 0 14mm; text-align: right;">Page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></div>'
)


def _print_page(html_path: Path) -> bytes:
    page = kept_page()
    try:
        page.goto(html_path.resolve().as_uri())
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        return page.pdf(
            tagged=True,
            outline=True,
            print_background=True,
            prefer_css_page_size=True,
            display_header_footer=True,
            header_template=_HEADER,
            footer_template=_FOOTER,
        )
    except Exception:
        discard_page()
        raise


def export_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Print an exported report to a tagged A4 PDF with headless Chromium.

    Chromium tags the PDF (structure tree, reading order) and keeps the title and ``lang``;
    it renders exactly the page the accessibility checks see. Data tables behind "Show the
    data" are opened for print, so the PDF carries them too; the page size (A4) and margins
    come from the report's CSS, the running header (the title) and page numbers from here.
    """
    try:
        pdf = print_thread().submit(_print_page, html_path).result(timeout=PRINT_TIMEOUT)
    except TimeoutError as exc:
        raise RuntimeError(
            f"chromium did not print {html_path.name} to PDF within {PRINT_TIMEOUT} s; "
            "run the job again, and check that chromium starts ('chromium --version')"
        ) from exc
    except Exception as exc:
        raise RuntimeError(f"chromium could not print {html_path.name} to PDF: {exc}") from exc
    io.write_public_bytes(pdf_path, pdf)
    return pdf_path
