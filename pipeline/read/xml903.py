"""Read the DfE 903 XML return (root ``EXPSSDA903``) into the same tables as the CSV form.

One ``CHILD`` element per child or care leaver holds a ``HEADER`` (the child's own fields,
the OC3, AD1 and UASC fields, and nested ``AREVIEW``, ``AMISSING``, ``OC2``,
``PERMANENCE`` and ``AD_PLACED`` elements) and its ``EPISODE`` elements. ``CHILDID`` and
``PL`` are renamed ``CHILD`` and ``PLACE`` as in the CSV tables; an empty element is a
blank. Every CHILD gives a Header row, a care leaver's too (its CHILD may hold only the
OC3 fields). Each row keeps its file and the line its element starts on.

The file is streamed (lxml ``iterparse``), each CHILD dropped once read, so a large
authority's return stays in bounded memory. External entities and the network are never
used.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from lxml import etree

from pipeline import schema
from pipeline.problems import SOURCE_FILE, SOURCE_ROW, Problem
from pipeline.read.readers import FileRead, Part

ROOT = "EXPSSDA903"
RENAMED = {"CHILDID": "CHILD", "PL": "PLACE"}
# Nested elements and the table each one is a row of, as the DfE validator reads them.
NESTED = {
    "EPISODE": "Episodes",
    "AREVIEW": "Reviews",
    "AMISSING": "Missing",
    "OC2": "OC2",
    "PERMANENCE": "PrevPerm",
    "AD_PLACED": "PlacedAdoption",
}
# Tables whose fields sit on the HEADER itself: a row when any of these fields has a value.
ON_HEADER = {
    "UASC": ("DUC",),
    "OC3": ("IN_TOUCH", "ACTIV", "ACCOM"),
    "AD1": ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
}
# The HEADER's UASC element is a flag (1 = was an unaccompanied asylum-seeking child).
HEADER_FLAGS = {"UASC"}
# Tables an XML return always carries, even when no child has a row in them.
CARRIED = ("Header", "Episodes", "UASC", "OC2", "OC3", "AD1", "PlacedAdoption", "PrevPerm")
CARRIED += ("Missing", "Reviews")
_TAG = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,40}")


def _text(el) -> str:
    return (el.text or "").strip()


def _leaves(el) -> dict[str, str]:
    return {
        RENAMED.get(c.tag, c.tag): _text(c) for c in el if len(c) == 0 and isinstance(c.tag, str)
    }


def _table_by_content(leaves: dict[str, str], tables: dict[str, schema.Table]) -> str | None:
    """The one table a nested element of unknown tag fits (its fields all belong to it)."""
    own = set(leaves) - {"CHILD", "DOB", "SEX"}
    fits = [n for n, t in tables.items() if own and own <= set(t.columns) and n != "Header"]
    return fits[0] if len(fits) == 1 else None


def read_xml_return(path: Path, name: str, year: str) -> FileRead:
    """Every table a 903 XML return holds, as text frames with their source lines."""
    tables = schema.tables_for_year(year)
    # Column lists, not a dict per row, and each repeated value (codes, dates) held once:
    # what is kept grows with the tables, not with the XML's verbosity.
    columns: dict[str, dict[str, list]] = {
        t: {c: [] for c in (*tables[t].columns, SOURCE_ROW)} for t in tables
    }
    seen_values: dict[str, str] = {}
    ignored: dict[str, int] = {}
    problems: list[Problem] = []

    def add(table: str, fields: dict[str, str], line: int | None) -> None:
        cols = columns[table]
        for c, values in cols.items():
            if c == SOURCE_ROW:
                values.append(line or 0)
            else:
                v = fields.get(c, "")
                values.append(seen_values.setdefault(v, v))

    known_header = set(tables["Header"].columns) | HEADER_FLAGS
    known_header |= {f for t, fs in ON_HEADER.items() if t in tables for f in fs}
    children = 0
    root_tag = None
    try:
        context = etree.iterparse(
            str(path),
            events=("end",),
            tag="CHILD",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            remove_comments=True,
        )
        for _, el in context:
            parent = el.getparent()
            if root_tag is None:
                root_tag = parent.tag if parent is not None else el.tag
                if root_tag != ROOT:
                    break
            if parent is None or parent.getparent() is not None:
                continue  # a CHILD element somewhere other than under the root
            children += 1
            header_el = el.find("HEADER")
            holder = header_el if header_el is not None else el
            fields = _leaves(holder)
            for tag in set(fields) - known_header:
                ignored[tag] = ignored.get(tag, 0) + 1
            line = holder.sourceline
            add("Header", fields, line)
            for table, marks in ON_HEADER.items():
                flagged = table == "UASC" and fields.get("UASC") == "1"
                if table in tables and (flagged or any(fields.get(m) for m in marks)):
                    add(table, fields, line)
            nested = [c for c in holder if len(c) > 0]
            if header_el is not None:
                nested += [c for c in el if c is not header_el and isinstance(c.tag, str)]
            for sub in nested:
                own = _leaves(sub)
                table = NESTED.get(sub.tag) or _table_by_content(own, tables)
                if table not in tables:
                    ignored[str(sub.tag)] = ignored.get(str(sub.tag), 0) + 1
                    continue
                add(table, {**fields, **own}, sub.sourceline)
            # Drop what has been read: memory stays bounded by one CHILD, not the file.
            el.clear()
            while el.getprevious() is not None:
                del parent[0]
        if root_tag is None:
            root_tag = context.root.tag if context.root is not None else None
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, 0)
        return FileRead(
            form="DfE 903 XML",
            problems=[
                Problem(
                    "error",
                    name,
                    f"the XML cannot be read: {_safe_message(exc.msg)} at line {line}, column "
                    f"{column}. Export the return again, or correct the file at that place",
                )
            ],
        )
    if root_tag != ROOT:
        shown = root_tag if isinstance(root_tag, str) and _TAG.fullmatch(root_tag) else "?"
        return FileRead(
            form="XML",
            problems=[
                Problem(
                    "warning",
                    name,
                    f"an XML file whose root element is {shown}, not {ROOT}: not a 903 "
                    "return, so it was skipped",
                )
            ],
        )
    if ignored:
        names = sorted(t if _TAG.fullmatch(t) else "?" for t in ignored)
        problems.append(
            Problem(
                "warning",
                name,
                f"element(s) that are not part of the {year} return were ignored: "
                f"{', '.join(names[:10])}{' ...' if len(names) > 10 else ''}",
            )
        )
    if not children:
        problems.append(Problem("error", name, f"the {ROOT} return holds no CHILD element"))
    parts = []
    for table, cols in columns.items():
        if not cols[SOURCE_ROW] and table not in CARRIED:
            continue
        frame = pd.DataFrame(cols)
        text = list(tables[table].columns)
        frame[text] = frame[text].astype(str)  # the text dtype the CSV reader gives
        frame[SOURCE_ROW] = frame[SOURCE_ROW].astype("int64")
        frame[SOURCE_FILE] = name
        parts.append(Part(name, frame, table))
    return FileRead(parts, "DfE 903 XML", problems)


def _safe_message(msg: str) -> str:
    """libxml2's message without any text of the file (it can quote element content)."""
    msg = re.sub(r",\s*line \d+, column \d+\s*$", "", (msg or "").strip())
    return re.sub(r"'[^']*'|\"[^\"]*\"", "'...'", msg)[:160]
