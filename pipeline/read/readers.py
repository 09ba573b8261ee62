"""Read one file of a return, whatever form it arrives in, into text tables.

A file is recognised by its content, never its name: DfE 903 XML (``pipeline.read.xml903``),
an Excel ``.xlsx`` workbook (one table per sheet), or delimited text (comma, tab or
semicolon; UTF-8, UTF-16 "Unicode text" or Windows-1252; title rows above the headings).
Every value is read as text (leading zeros kept) and every row keeps the file and row (or
XML line) it came from. Reading never changes the file; anything that cannot be read
becomes a :class:`Problem` naming the file and saying what to do.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import schema
from pipeline.problems import SOURCE_FILE, SOURCE_ROW, Problem, quote

_MAGIC = {
    b"PK\x03\x04": "a zip archive or an Excel .xlsx workbook",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
    b"%PDF": "a PDF document",
}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "bar"}
# Headings are looked for in this many first rows: room for a title and a note above them.
HEADING_SEARCH_ROWS = 10


@dataclass
class Part:
    """One table-shaped piece of a file: the file itself, one sheet, or one XML table.

    ``table`` is set when the form of the file already says which 903 table this is (XML);
    otherwise the table is recognised from the columns.
    """

    name: str
    frame: pd.DataFrame
    table: str | None = None


@dataclass
class FileRead:
    """What reading one file gave: its parts, the encoding (or form) and problems."""

    parts: list[Part] = field(default_factory=list)
    form: str | None = None
    problems: list[Problem] = field(default_factory=list)


def normalise_column(name: object) -> str:
    r"""Column names in any case, with stray spaces or a BOM, to the 903 form.

    >>> normalise_column("\ufeff Decom ")
    'DECOM'
    >>> normalise_column("place provider")
    'PLACE_PROVIDER'
    """
    text = str(name).replace("\ufeff", "").strip().upper()
    return "_".join(text.split())


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def decode(raw: bytes) -> tuple[str, str]:
    r"""Decode a text file's bytes: UTF-16 with BOM, UTF-8 (BOM or not), else Windows-1252.

    >>> decode("CHILD\n".encode("utf-8-sig"))
    ('CHILD\n', 'utf-8-sig')
    >>> decode("N\xe9\n".encode("cp1252"))
    ('Né\n', 'cp1252')
    >>> decode("CHILD\tDOB\n".encode("utf-16"))
    ('CHILD\tDOB\n', 'utf-16')
    """
    if raw.startswith(_UTF16_BOMS):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte, so nothing is lost.
        return raw.decode("latin-1"), "latin-1"


def decode_mixed(raw: bytes) -> tuple[str, tuple[int, ...]] | None:
    r"""A file that is UTF-8 but for some lines (rows pasted in from a Windows export).

    Returns the text, each line decoded on its own (UTF-8, else cp1252, else latin-1), and
    the line numbers (header = 1) that were not UTF-8; ``None`` when no line holds UTF-8
    beyond plain ASCII, so the file is simply in a Windows encoding.

    >>> decode_mixed("CHILD\nZoë\n".encode() + "Renée\n".encode("cp1252"))
    ('CHILD\nZoë\nRenée\n', (3,))
    >>> decode_mixed("CHILD\nRenée\n".encode("cp1252")) is None
    True
    """
    lines = raw.split(b"\n")
    utf8, other, parts = False, [], []
    for i, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8-sig" if i == 1 else "utf-8")
            utf8 = utf8 or not line.isascii()
        except UnicodeDecodeError:
            text = decode(line)[0]
            other.append(i)
        parts.append(text)
    return ("\n".join(parts), tuple(other)) if utf8 and other else None


def _utf16_without_bom(raw: bytes) -> str | None:
    """'le' or 'be' when a file's NUL bytes sit where UTF-16 puts them for plain text."""
    head = raw[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) == 0:
        return "le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) == 0:
        return "be"
    return None


def form_of(path: Path, head: bytes) -> str:
    r"""What a file is, from its first bytes: 'xml', 'xlsx', 'text', or why it is neither.

    >>> form_of(Path("x.csv"), b"\xef\xbb\xbf<?xml version='1.0'?><EXPSSDA903/>")
    'xml'
    >>> form_of(Path("x.csv"), b"CHILD,DOB\n")
    'text'
    """
    if not head.strip():
        return "empty"
    text_head = head
    if head.startswith(_UTF16_BOMS):
        text_head = head.decode("utf-16", errors="ignore").encode("utf-8")
    elif (order := _utf16_without_bom(head)) is not None:
        text_head = head.decode(f"utf-16-{order}", errors="ignore").encode("utf-8")
    if text_head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        return "xml"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError):
            return "broken zip"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "content.xml" in names:
            return "ods"
        return "zip"
    for magic in _MAGIC:
        if head.startswith(magic):
            return "xls" if magic == b"\xd0\xcf\x11\xe0" else "pdf"
    if b"\x00" in head and _utf16_without_bom(head) is None and not head.startswith(_UTF16_BOMS):
        return "binary"
    return "text"


NOT_READABLE = {
    "empty": "the file is empty: export the table again",
    "broken zip": "this looks like an Excel workbook or zip archive but it cannot be opened "
    "(it may be damaged or still being copied): save it again",
    "xlsb": "this is an Excel binary workbook (.xlsb), which is not read: open it in Excel and "
    "save it as 'Excel Workbook (.xlsx)'",
    "ods": "this is an OpenDocument spreadsheet, which is not read: save it as 'Excel "
    "Workbook (.xlsx)'",
    "zip": "this is a zip archive: unzip it and put the files it holds in this folder",
    "xls": "this is an old Excel .xls workbook, which is not read: open it in Excel and save "
    "it as 'Excel Workbook (.xlsx)' or each table as 'CSV (comma delimited)'",
    "pdf": "this is a PDF document, not data: export the 903 tables as CSV, Excel or the "
    "DfE XML return",
    "binary": "this is not a text or Excel file (it contains binary data): export the table "
    "as 'CSV (comma delimited)' or 'Excel Workbook (.xlsx)'",
}


def _known_count(cells) -> int:
    return sum(normalise_column(c) in schema.KNOWN_COLUMNS for c in cells if c)


def heading_row(rows: list[list[str]]) -> int:
    """Which of the first rows holds the column headings (0-based).

    The first row at least two of whose cells, and at least half, are 903 headings; row 0
    when none is.

    >>> heading_row([["Episodes 2024-25"], [], ["CHILD", "DECOM"], ["1", "01/04/2024"]])
    2
    >>> heading_row([["001", "M"], ["002", "F"]])
    0
    """
    for i, row in enumerate(rows[:HEADING_SEARCH_ROWS]):
        filled = [c for c in row if str(c).strip()]
        known = _known_count(filled)
        if known >= 2 and known * 2 >= len(filled):
            return i
    return 0


def sniff_delimiter(text: str) -> tuple[str, int]:
    r"""The delimiter and heading row that give the first rows the most 903 headings.

    Comma, tab, semicolon or bar are tried; comma when none gives any heading.

    >>> sniff_delimiter("CHILD;DOB;SEX\n1;2;3\n")
    (';', 0)
    >>> sniff_delimiter("Header table\nCHILD\tSEX\tDOB\n")
    ('\t', 1)
    """
    lines = text.splitlines()[:HEADING_SEARCH_ROWS]
    best = (0, ",", 0)
    for delim in DELIMITERS:
        rows = list(csv.reader(lines, delimiter=delim))
        h = heading_row(rows)
        score = _known_count(rows[h]) if rows else 0
        if score > best[0]:
            best = (score, delim, h)
    return best[1], best[2]


def _titles_skipped(name: str, heading_index: int) -> Problem:
    return Problem(
        "warning",
        name,
        f"the row(s) above the column headings were skipped (a title or a note); the "
        f"headings were read from row {heading_index + 1}",
    )


def frame_from_grid(grid: pd.DataFrame, name: str, heading: int, problems: list[Problem]):
    """A table from a grid of text cells whose index is the spreadsheet row number - 1.

    Column names normalised, values stripped, blank rows and unnamed empty columns
    dropped, ``_source_row`` and ``_source_file`` added. ``None`` when the headings
    cannot make a table (a repeated heading); the reason is added to ``problems``.
    """
    if heading and (grid.iloc[:heading] != "").to_numpy().any():
        problems.append(_titles_skipped(name, int(grid.index[heading])))
    header = [normalise_column(c) for c in grid.iloc[heading].fillna("")]
    body = grid.iloc[heading + 1 :]
    named = [i for i, c in enumerate(header) if c]
    stray = [i for i, c in enumerate(header) if not c and (body.iloc[:, i].str.strip() != "").any()]
    if stray:
        problems.append(
            Problem(
                "warning",
                name,
                f"{len(stray)} column(s) without a heading hold values; they are ignored",
            )
        )
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    if dupes:
        problems.append(
            Problem(
                "error",
                name,
                "the same column heading appears more than once: "
                f"{', '.join(dupes)}. Remove the duplicate column",
                column=dupes[0],
            )
        )
        return None
    df = body.iloc[:, named].apply(lambda s: s.str.strip())
    df.columns = [header[i] for i in named]
    df[SOURCE_ROW] = body.index.to_numpy() + 1
    data_cols = [c for c in df.columns if c != SOURCE_ROW]
    blank = (df[data_cols] == "").all(axis=1) if data_cols else pd.Series(True, index=df.index)
    df = df.loc[~blank].reset_index(drop=True)
    df[SOURCE_FILE] = name
    return df


def read_text_table(raw: bytes, name: str):
    """Read delimited text as one table: ``(frame or None, encoding, problems)``."""
    if not raw.strip():
        return None, None, [Problem("error", name, NOT_READABLE["empty"])]
    order = None if raw.startswith(_UTF16_BOMS) else _utf16_without_bom(raw)
    if order:
        text, encoding = raw.decode(f"utf-16-{order}"), f"utf-16-{order}"
    else:
        refused = next(
            (
                f"this is not a CSV file, it looks like {what}: open it and save each 903 "
                "table as 'CSV (comma delimited)'"
                for magic, what in _MAGIC.items()
                if raw.startswith(magic)
            ),
            None,
        )
        if refused is None and b"\x00" in raw[:4096] and not raw.startswith(_UTF16_BOMS):
            refused = (
                "this is not a text CSV file (it contains binary data): export the table as "
                "'CSV (comma delimited)'"
            )
        if refused:
            return None, None, [Problem("error", name, refused)]
        text, encoding = decode(raw)
    problems: list[Problem] = []
    mixed = decode_mixed(raw) if encoding in ("cp1252", "latin-1") else None
    if mixed:
        text, other_rows = mixed
        encoding = "utf-8, some lines cp1252"
        problems.append(
            Problem(
                "warning",
                name,
                "mixed encodings: the file is UTF-8 but these lines are not; they were read "
                "as cp1252 (Excel's Windows encoding). Check accented names on them",
                rows=other_rows,
            )
        )
    elif encoding in ("cp1252", "latin-1"):
        problems.append(
            Problem(
                "warning",
                name,
                f"not UTF-8; read as {encoding} (Excel's "
                "Windows encoding). Check accented names read correctly",
            )
        )
    delim, heading = sniff_delimiter(text)
    form = encoding if delim == "," else f"{encoding}, {DELIMITERS[delim]}-delimited"
    try:
        grid = pd.read_csv(
            io.StringIO(text),
            sep=delim,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skiprows=heading,
        )
    except pd.errors.ParserError as exc:
        # The C parser names the line: "Expected 13 fields in line 7, saw 14".
        return (
            None,
            form,
            problems
            + [
                Problem(
                    "error",
                    name,
                    f"a row has more values than the column headings ({exc}); check "
                    f"for an unquoted {DELIMITERS[delim]} in a value",
                )
            ],
        )
    except pd.errors.EmptyDataError:
        return None, form, [Problem("error", name, "the file is empty")]
    grid.index = grid.index + heading
    # pandas pads a short row with blanks, indistinguishable from blank values: count the
    # fields of each line with the csv module to find truncated or damaged lines.
    widths = [len(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim)]
    n_cols = grid.shape[1]
    short_rows = tuple(
        i + 1
        for i, w in enumerate(widths[heading + 1 :], start=heading + 1)
        if 0 < w < n_cols and i < heading + len(grid)
    )
    if short_rows:
        problems.append(
            Problem(
                "warning",
                name,
                "these rows have fewer values than there are "
                "columns (a truncated or damaged line); the missing values are "
                "read as blank",
                rows=short_rows,
            )
        )
    # The parser skipped the rows above the headings; say so when they held anything.
    if heading and any(line.strip(delim + " ") for line in text.splitlines()[:heading]):
        problems.append(_titles_skipped(name, heading))
    return frame_from_grid(grid, name, 0, problems), form, problems


def read_csv_file(path: Path, display_name: str | None = None):
    """Read one delimited text file as text, with its row numbers, or explain why not.

    Returns the frame (normalised column names, values stripped, blank rows and unnamed
    empty columns from Excel removed, ``_source_file`` and ``_source_row`` added), the
    encoding used, and problems. A frame of ``None`` means the file could not be read.
    """
    return read_text_table(path.read_bytes(), display_name or path.name)


def excel_text(value: object) -> str:
    """One Excel cell as the text a CSV export would hold.

    Dates as dd/mm/YYYY, whole numbers without '.0'.

    >>> excel_text(dt.datetime(2025, 3, 31)), excel_text(21.0), excel_text(-0.35)
    ('31/03/2025', '21', '-0.35')
    >>> excel_text(None)
    ''
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def read_workbook(path: Path, name: str) -> FileRead:
    """Each visible sheet of an ``.xlsx`` workbook as a part named ``file [sheet]``.

    openpyxl is the reader pandas itself uses for ``.xlsx``; it is called directly so that
    hidden sheets can be told apart and rows streamed in read-only mode. Cached values of
    formulas are read, never the formulas.
    """
    import openpyxl

    result = FileRead(form="Excel workbook")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        result.problems.append(
            Problem(
                "error",
                name,
                f"this Excel workbook cannot be opened ({type(exc).__name__}); open it in "
                "Excel and save it again as 'Excel Workbook (.xlsx)'",
            )
        )
        return result
    try:
        for ws in wb.worksheets:
            shown = f"{name} [{quote(ws.title)}]"
            if ws.sheet_state != "visible":
                result.problems.append(
                    Problem(
                        "warning",
                        shown,
                        "a hidden sheet: it was not read. Unhide it if it holds a 903 table",
                    )
                )
                continue
            rows = [[excel_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            if not any(c.strip() for r in rows for c in r):
                continue  # Excel's empty Sheet2 and Sheet3: nothing to lose
            width = max(len(r) for r in rows)
            grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)
            frame = frame_from_grid(grid, shown, heading_row(rows), result.problems)
            if frame is not None:
                result.parts.append(Part(shown, frame))
    finally:
        wb.close()
    return result


def read_file(path: Path, name: str, year: str) -> FileRead:
    """Read any one file of a year's folder, by what it holds."""
    from pipeline.read import xml903

    with open(path, "rb") as f:
        head = f.read(8192)
    form = form_of(path, head)
    if form == "xml":
        return xml903.read_xml_return(path, name, year)
    if form == "xlsx":
        return read_workbook(path, name)
    if form != "text":
        # Documents and archives left beside the return are not data; the rest may hold a
        # table that would otherwise be missing without anyone noticing.
        severity = "warning" if form in ("pdf", "zip") else "error"
        return FileRead(problems=[Problem(severity, name, NOT_READABLE[form])])
    frame, encoding, problems = read_csv_file(path, name)
    return FileRead([Part(name, frame)] if frame is not None else [], encoding, problems)
