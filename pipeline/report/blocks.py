"""HTML pieces shared by the report sections and the data-quality page.

The ``Block`` wrapper that notebooks display as HTML, escaping, headings with stable ids for
the table of contents, and tables with row and column headers. Every string that came from
input or configuration is escaped on its way into a block.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).parent / "templates"  # the nbconvert template and report.css
TOC_MARKER = "<!-- corpar:toc -->"
esc = html.escape


class Block(str):
    """An HTML fragment that notebooks display as HTML (and tests can read as a string)."""

    def _repr_html_(self) -> str:
        return str(self)


def html_table(
    caption: str,
    headers: list[str],
    rows: list[list[str]],
    first_col_header=True,
    numeric_from: int = 1,
    numeric: set[int] | None = None,
    key: str = "",
    cls: str = "",
) -> str:
    """A table with a caption and column headers, and row headers in its first column.

    Cells (row headers too) are escaped unless they are a ``Block`` already; ``key``
    follows the caption; ``cls`` is the table's class (for its layout in print).
    """
    # Numbers align right: the columns from ``numeric_from``, or exactly those in ``numeric``.
    num = set(range(numeric_from, len(headers))) if numeric is None else numeric
    head = "".join(
        f'<th scope="col"{" class=num" if i in num else ""}>{esc(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = []
    for r in rows:
        cells = []
        for i, v in enumerate(r):
            if i == 0 and first_col_header:
                text = str(v) if isinstance(v, Block) else esc(str(v))
                cells.append(f'<th scope="row">{text}</th>')
            else:
                align = ' class="num"' if i in num else ""
                text = str(v) if isinstance(v, Block) else esc(str(v))
                cells.append(f"<td{align}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    key_html = f' <span class="key">{esc(key)}</span>' if key else ""
    cls_html = f' class="{esc(cls)}"' if cls else ""
    return (
        f"<table{cls_html}><caption>{esc(caption)}{key_html}"
        f"</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def heading(text: str) -> str:
    """A section heading (h2) with a stable id for the table of contents."""
    return f'<h2 id="{_slug(text)}">{esc(text)}</h2>'


@cache
def _environment() -> jinja2.Environment:
    # Autoescaped, so configuration and input text can never become markup; strict, so a
    # misspelt variable is an error instead of an empty cell in a tabled paper.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES / "blocks"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **context: object) -> Block:
    """One section's partial (``templates/blocks/<name>``), rendered as a block."""
    return Block(_environment().get_template(name).render(**context))
