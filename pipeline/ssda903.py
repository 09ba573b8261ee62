"""Find and read a folder of 903 CSV files, recognising each table by its columns.

Reading never changes a raw file and never drops a row silently: every value is read as
text (leading zeros kept), each row carries the file name and the spreadsheet row number it
came from (header = row 1), and anything that cannot be read becomes a :class:`Problem`
naming the file, the column and the rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import schema

log = logging.getLogger(__name__)

SOURCE_FILE = "_source_file"
SOURCE_ROW = "_source_row"
YEAR = "_year"

_MAGIC = {
    b"PK\x03\x04": "a zip archive or an Excel .xlsx workbook",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
    b"%PDF": "a PDF document",
}


@dataclass(frozen=True)
class Problem:
    """Something in the input that a person must know about.

    ``rows`` are spreadsheet row numbers (the header is row 1), so an analyst can open the
    file in Excel and go straight to them.
    """

    severity: str  # "error" stops this authority's run; "warning" is reported and counted
    file: str
    message: str
    column: str | None = None
    rows: tuple[int, ...] = ()

    def __str__(self) -> str:
        where = self.file
        if self.column:
            where += f", column {self.column}"
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:10])
            more = f" and {len(self.rows) - 10} more" if len(self.rows) > 10 else ""
            where += f", row{'s' if len(self.rows) > 1 else ''} {shown}{more}"
        return f"{self.severity.upper()}: {where}: {self.message}"


class InputError(Exception):
    """Raised when input cannot support a run; carries every error-level problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class FileInfo:
    """What was read from one file (for the run manifest): no contents, only facts."""

    file: str
    sha256: str
    encoding: str | None
    table: str | None
    rows: int


@dataclass
class YearReturn:
    """One collection year's folder: its tables as text DataFrames, with problems found."""

    year: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    attainment: pd.DataFrame | None = None
    files: list[FileInfo] = field(default_factory=list)
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
    r"""Decode a CSV's bytes: UTF-8 (with or without BOM), else Windows-1252 (Excel).

    >>> decode("CHILD\n".encode("utf-8-sig"))
    ('CHILD\n', 'utf-8-sig')
    >>> decode("N\xe9\n".encode("cp1252"))
    ('Né\n', 'cp1252')
    """
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


def read_csv_file(
    path: Path, display_name: str | None = None
) -> tuple[pd.DataFrame | None, str | None, list[Problem]]:
    """Read one CSV file as text, with its row numbers, or explain why it cannot be read.

    Returns the frame (normalised column names, values stripped, blank rows and unnamed
    empty columns from Excel removed, ``_source_file`` and ``_source_row`` added), the
    encoding used, and problems. A frame of ``None`` means the file could not be read.
    """
    name = display_name or path.name
    raw = path.read_bytes()
    if not raw.strip():
        return None, None, [Problem("error", name, "the file is empty: export the table again")]
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            return (
                None,
                None,
                [
                    Problem(
                        "error",
                        name,
                        f"this is not a CSV file, it looks like {what}: open it and "
                        "save each 903 table as 'CSV (comma delimited)'",
                    )
                ],
            )
    if b"\x00" in raw[:4096]:
        return (
            None,
            None,
            [
                Problem(
                    "error",
                    name,
                    "this is not a text CSV file (it contains binary data): export "
                    "the table as 'CSV (comma delimited)'",
                )
            ],
        )
    text, encoding = decode(raw)
    problems: list[Problem] = []
    mixed = decode_mixed(raw) if encoding != "utf-8-sig" else None
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
    elif encoding != "utf-8-sig":
        problems.append(
            Problem(
                "warning",
                name,
                f"not UTF-8; read as {encoding} (Excel's "
                "Windows encoding). Check accented names read correctly",
            )
        )
    try:
        grid = pd.read_csv(
            io.StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except pd.errors.ParserError as exc:
        # The C parser names the line: "Expected 13 fields in line 7, saw 14".
        return (
            None,
            encoding,
            problems
            + [
                Problem(
                    "error",
                    name,
                    f"a row has more values than the column headings ({exc}); check "
                    "for unquoted commas in a value",
                )
            ],
        )
    except pd.errors.EmptyDataError:
        return None, encoding, [Problem("error", name, "the file is empty")]
    header = [normalise_column(c) for c in grid.iloc[0].fillna("")]
    body = grid.iloc[1:]
    # pandas pads a short row with blanks, indistinguishable from blank values: count the
    # fields of each line with the csv module to find truncated or damaged lines.
    widths = [len(r) for r in csv.reader(io.StringIO(text, newline=""))]
    short_rows = tuple(
        i + 1 for i, w in enumerate(widths[1:], start=1) if 0 < w < len(header) and i < len(grid)
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
        return None, encoding, problems
    df = body.iloc[:, named].apply(lambda s: s.str.strip())
    df.columns = [header[i] for i in named]
    # grid row 0 is the header (spreadsheet row 1), so grid index i is spreadsheet row i + 1.
    df[SOURCE_ROW] = body.index.to_numpy() + 1
    data_cols = [c for c in df.columns if c != SOURCE_ROW]
    blank = (df[data_cols] == "").all(axis=1) if data_cols else pd.Series(True, index=df.index)
    df = df.loc[~blank].reset_index(drop=True)
    df[SOURCE_FILE] = name
    return df, encoding, problems


def _unrecognised(name: str, columns: list[str]) -> Problem:
    near = schema.closest_table(columns)
    if near is None:
        return Problem(
            "warning",
            name,
            "not a 903 table (its columns "
            f"{', '.join(columns[:8])}{' ...' if len(columns) > 8 else ''} match "
            "no table in the return); the file was skipped",
        )
    table, missing, extra = near
    parts = []
    if missing:
        parts.append(f"it lacks {', '.join(sorted(missing))}")
    if extra:
        parts.append(f"it has unexpected {', '.join(sorted(extra))}")
    return Problem(
        "error",
        name,
        f"looks like the {table.name} table but {' and '.join(parts)}"
        f"; the {table.name} table needs exactly: {', '.join(table.columns)}",
        column=sorted(missing or extra)[0],
    )


def _is_attainment(columns: list[str]) -> bool:
    cols = set(columns)
    required = set(schema.ATTAINMENT_COLUMNS) - {"UPN"}
    return required <= cols <= set(schema.ATTAINMENT_COLUMNS)


def read_year(folder: Path, year: str, display_root: Path | None = None) -> YearReturn:
    """Read every CSV in one collection year's folder and sort them into 903 tables.

    Files are matched by their columns, never by their names. Two files holding the same
    table is an error (which one is the return?); a file that is almost a 903 table but has
    missing or extra columns is an error naming them; anything else is skipped with a
    warning. XML returns are reported, not read.
    """
    result = YearReturn(year=year)
    base = display_root or folder.parent.parent
    seen: dict[str, str] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        shown = str(path.relative_to(base)) if path.is_relative_to(base) else path.name
        suffix = path.suffix.lower()
        if suffix == ".xml":
            result.problems.append(
                Problem(
                    "warning",
                    shown,
                    "XML 903 returns are not read yet: export the return as CSV tables",
                )
            )
            continue
        if suffix != ".csv":
            if not path.name.startswith("."):  # hidden files (.DS_Store ...) are not data
                result.problems.append(
                    Problem(
                        "warning",
                        shown,
                        "not read: only .csv files are read. If this holds a "
                        "903 table, save it as 'CSV (comma delimited)' in this folder",
                    )
                )
            continue
        df, encoding, problems = read_csv_file(path, shown)
        result.problems.extend(problems)
        table_name = None
        if df is not None:
            columns = [c for c in df.columns if c not in (SOURCE_ROW, SOURCE_FILE)]
            table = schema.recognise(columns)
            if table is not None:
                table_name = table.name
                if table.name in seen:
                    result.problems.append(
                        Problem(
                            "error",
                            shown,
                            f"holds the {table.name} table, and so does "
                            f"{seen[table.name]}: keep one file per table in each year's folder",
                        )
                    )
                else:
                    seen[table.name] = shown
                    df[YEAR] = year
                    result.tables[table.name] = df
            elif _is_attainment(columns):
                table_name = "attainment"
                if "UPN" not in df.columns:
                    df["UPN"] = ""
                result.attainment = df
            else:
                result.problems.append(_unrecognised(shown, columns))
        result.files.append(
            FileInfo(shown, sha256_file(path), encoding, table_name, 0 if df is None else len(df))
        )
    log.info("read %s: %d tables from %d files", folder.name, len(result.tables), len(result.files))
    return result


def collection_years(la_raw_dir: Path, up_to: str) -> list[str]:
    """The collection-year folders of one authority, oldest first, up to ``up_to``.

    Folders whose names are not collection years (``2024-25``) are ignored.
    """
    if not la_raw_dir.is_dir():
        return []
    years = []
    for p in la_raw_dir.iterdir():
        n = p.name
        if p.is_dir() and len(n) == 7 and n[4] == "-" and n[:4].isdigit() and n[5:].isdigit():
            if (int(n[:4]) + 1) % 100 == int(n[5:]) and n <= up_to:
                years.append(n)
    return sorted(years)


def read_history(la_raw_dir: Path, up_to: str, latest: int | None = None) -> list[YearReturn]:
    """Read the returns of every collection year up to ``up_to`` for one authority.

    With ``latest``, only that many of the most recent years are read (the data checks need
    only the returns they check). Raises :class:`InputError` when the year asked for has no
    folder, or when it lacks a required table (Header, Episodes).
    """
    years = collection_years(la_raw_dir, up_to)
    if up_to not in years:
        raise InputError(
            [
                Problem(
                    "error",
                    str(la_raw_dir / up_to),
                    f"no folder of 903 files for collection year {up_to}: "
                    f"put the return's CSV files in {la_raw_dir / up_to}",
                )
            ]
        )
    wanted = years[-latest:] if latest else years
    returns = [read_year(la_raw_dir / y, y, la_raw_dir.parent) for y in wanted]
    newest = returns[-1]
    for name, table in schema.ALL_TABLES.items():
        if table.required and name not in newest.tables:
            newest.problems.append(
                Problem(
                    "error",
                    f"{la_raw_dir.name}/{up_to}",
                    f"no file holds the {name} table "
                    f"(columns {', '.join(table.columns)}): it is required",
                )
            )
    return returns
