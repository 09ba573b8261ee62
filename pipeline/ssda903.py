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
import re
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
        where = quote(self.file)
        if self.column:
            where += f", column {self.column}"
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:10])
            more = f" and {len(self.rows) - 10} more" if len(self.rows) > 10 else ""
            where += f", row{'s' if len(self.rows) > 1 else ''} {shown}{more}"
        return f"{self.severity.upper()}: {where}: {self.message}"


def quote(text: str) -> str:
    r"""A file name or path fit for a one-line message: control characters escaped.

    A name holding a newline could otherwise forge a line in the error output.

    >>> print(quote("a.csv"), quote("x\nERROR: forged.csv"))
    a.csv 'x\nERROR: forged.csv'
    """
    if text.isprintable():
        return text
    return repr(text)


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


def _known(name: str) -> bool:
    return name in schema.KNOWN_COLUMNS


def _columns_said(columns: list[str], only: set[str] | None = None) -> str:
    """Column headings for a published message: 903 names as they are, others by position.

    ``only`` limits it to some of the columns (positions still count from the first). A
    file whose first row is data, not headings, would otherwise put one child's id, date
    of birth and UPN into the data-quality page.
    """
    picked = [(i, c) for i, c in enumerate(columns) if only is None or c in only]
    names = sorted(c for _, c in picked if _known(c))
    others = [str(i + 1) for i, c in picked if not _known(c)]
    parts = [", ".join(names)] if names else []
    if others:
        parts.append(
            f"{len(others)} other column(s), at position(s) {', '.join(others[:12])}"
            f"{' ...' if len(others) > 12 else ''} (not shown: they are not 903 headings)"
        )
    return "; ".join(parts)


def _unrecognised(name: str, columns: list[str]) -> Problem:
    near = schema.closest_table(columns)
    if near is None:
        if not any(_known(c) for c in columns):
            return Problem(
                "warning",
                name,
                f"not a 903 table: none of its {len(columns)} columns has a 903 heading "
                "(headings are not shown, in case the first row is data: a 903 file's "
                "first row must be its headings); the file was skipped",
            )
        return Problem(
            "warning",
            name,
            f"not a 903 table (its columns: {_columns_said(columns)} match no table in the "
            "return); the file was skipped",
        )
    table, missing, extra = near
    parts = []
    if missing:
        parts.append(f"it lacks {', '.join(sorted(missing))}")
    if extra:
        parts.append(f"it has unexpected {_columns_said(columns, extra)}")
    return Problem(
        "error",
        name,
        f"looks like the {table.name} table but {' and '.join(parts)}"
        f"; the {table.name} table needs exactly: {', '.join(table.columns)}",
        column=sorted(missing)[0] if missing else None,
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


def _is_year(name: str) -> bool:
    n = name
    return (
        len(n) == 7
        and n[4] == "-"
        and n[:4].isdigit()
        and n[5:].isdigit()
        and (int(n[:4]) + 1) % 100 == int(n[5:])
    )


# "2024_25", "2024 25", "24-25", "2024-2025", "202425": a year folder misnamed by hand.
_NEAR_YEAR = re.compile(r"(?:20)?(\d{2})\s*[-_ .]?\s*(?:20)?(\d{2})")


def near_miss_year(name: str) -> str | None:
    """The collection year a misnamed folder seems to mean, or None.

    >>> near_miss_year("2024_25"), near_miss_year("24-25"), near_miss_year("2024-2025")
    ('2024-25', '2024-25', '2024-25')
    >>> near_miss_year("2024-25"), near_miss_year("notes"), near_miss_year("2024-27")
    (None, None, None)
    """
    m = _NEAR_YEAR.fullmatch(name.strip())
    if _is_year(name) or not m or (int(m[1]) + 1) % 100 != int(m[2]):
        return None
    return f"20{m[1]}-{m[2]}"


def collection_years(la_raw_dir: Path, up_to: str) -> list[str]:
    """The collection-year folders of one authority, oldest first, up to ``up_to``.

    Folders whose names are not collection years (``2024-25``) are ignored here; see
    :func:`year_folder_problems` for the ones that look like a misnamed year.
    """
    if not la_raw_dir.is_dir():
        return []
    return sorted(
        p.name for p in la_raw_dir.iterdir() if p.is_dir() and _is_year(p.name) and p.name <= up_to
    )


def _year_after(year: str) -> str:
    y = int(year[:4]) + 1
    return f"{y}-{(y + 1) % 100:02d}"


def year_folder_problems(la_raw_dir: Path, up_to: str) -> list[Problem]:
    """Errors for a history with holes, and the misnamed folders that may be the reason.

    Every year from the first folder to ``up_to`` must have a folder holding files: a year
    missing from the middle would silently change the multi-year figures and the trend.
    """
    years = collection_years(la_raw_dir, up_to)
    near = {}
    if la_raw_dir.is_dir():
        for p in la_raw_dir.iterdir():
            meant = near_miss_year(p.name) if p.is_dir() else None
            if meant:
                near.setdefault(meant, []).append(p.name)
    where = la_raw_dir.name
    problems = []
    for meant, names in sorted(near.items()):
        if meant not in years:
            problems.append(
                Problem(
                    "warning" if not years or meant < years[0] or meant > up_to else "error",
                    f"{where}/{quote(names[0])}",
                    f"this folder looks like collection year {meant} but is not named "
                    f"{meant}, so it was not read: rename it {meant}",
                )
            )
    if not years:
        return problems
    y = years[0]
    while y < up_to:
        if y not in years and y not in near:
            problems.append(
                Problem(
                    "error",
                    f"{where}/{y}",
                    f"no folder for collection year {y}, between {years[0]} and {up_to}: the "
                    "multi-year figures (stability, the trend) need every year. Put that "
                    f"year's return in {where}/{y}, or move the years before it out of "
                    f"{where}",
                )
            )
        y = _year_after(y)
    for y in years:
        files = [f for f in (la_raw_dir / y).iterdir() if not f.name.startswith(".")]
        if not files:
            problems.append(
                Problem(
                    "error",
                    f"{where}/{y}",
                    "the folder is empty: put that year's return in it, or remove the folder "
                    "(and the years before it)",
                )
            )
    return problems


def read_history(la_raw_dir: Path, up_to: str, latest: int | None = None) -> list[YearReturn]:
    """Read the returns of every collection year up to ``up_to`` for one authority.

    With ``latest``, only that many of the most recent years are read (the data checks need
    only the returns they check). Raises :class:`InputError` when the year asked for has no
    folder. A year missing from the history, an empty year folder, or a return without a
    required table (Header, Episodes) is an error on the newest return's problems.
    """
    years = collection_years(la_raw_dir, up_to)
    if up_to not in years:
        meant = [
            p.name
            for p in (la_raw_dir.iterdir() if la_raw_dir.is_dir() else [])
            if near_miss_year(p.name) == up_to
        ]
        hint = f" (a folder named {quote(meant[0])} is there: rename it {up_to})" if meant else ""
        raise InputError(
            [
                Problem(
                    "error",
                    quote(str(la_raw_dir / up_to)),
                    f"no folder of 903 files for collection year {up_to}{hint}: "
                    f"put the return's CSV files in {quote(str(la_raw_dir / up_to))}",
                )
            ]
        )
    wanted = years[-latest:] if latest else years
    returns = [read_year(la_raw_dir / y, y, la_raw_dir.parent) for y in wanted]
    newest = returns[-1]
    if not latest:
        newest.problems.extend(year_folder_problems(la_raw_dir, up_to))
    for ret in returns:
        if ret is not newest and not ret.files:
            continue  # an empty earlier folder is reported once, above
        for name, table in schema.ALL_TABLES.items():
            if table.required and name not in ret.tables:
                newest.problems.append(
                    Problem(
                        "error",
                        f"{la_raw_dir.name}/{ret.year}",
                        f"no file holds the {name} table "
                        f"(columns {', '.join(table.columns)}): it is required",
                    )
                )
    return returns
