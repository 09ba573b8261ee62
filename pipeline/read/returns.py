"""Find an authority's year folders and sort each folder's files into the 903 tables.

Each file is read by :mod:`pipeline.read.readers` (CSV, Excel, DfE XML, recognised by
content); this module decides which table each part is, refuses a table given twice, and
checks the history has every year. Reading never changes a raw file and never drops a row
silently: every value is read as text (leading zeros kept), each row carries the file and
the row (or XML line) it came from, and anything that cannot be read becomes a
:class:`Problem` naming the file, the column and the rows.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import schema
from pipeline.problems import (  # noqa: F401  (re-exported: readers and checks use them)
    SOURCE_FILE,
    SOURCE_ROW,
    YEAR,
    InputError,
    Problem,
    quote,
)
from pipeline.read import readers
from pipeline.read.readers import (  # noqa: F401  (re-exported)
    decode,
    decode_mixed,
    normalise_column,
    read_csv_file,
    sha256_file,
)
from pipeline.spec.period import year_label

log = logging.getLogger(__name__)


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
    """Read every file in one collection year's folder and sort them into 903 tables.

    Files are recognised by what they hold, never by their names: DfE 903 XML, Excel
    workbooks (a table per sheet) and delimited text may be mixed. Tables are matched by
    their columns. Two sources of the same table is an error naming both (which one is
    the return?); a file that is almost a 903 table but has missing or extra columns is an
    error naming them; anything else is skipped with a warning.
    """
    result = YearReturn(year=year)
    base = display_root or folder.parent.parent
    seen: dict[str, str] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        shown = str(path.relative_to(base)) if path.is_relative_to(base) else path.name
        if path.name.startswith("."):  # hidden files (.DS_Store ...) are not data
            continue
        if path.name.startswith("~$"):
            result.problems.append(
                Problem(
                    "warning",
                    shown,
                    "an Office lock file (the workbook is open in Excel on someone's "
                    "computer): not read. Close the workbook before the run",
                )
            )
            continue
        read = readers.read_file(path, shown, year)
        result.problems.extend(read.problems)
        found: list[str] = []
        for part in read.parts:
            df = part.frame
            columns = [c for c in df.columns if c not in (SOURCE_ROW, SOURCE_FILE)]
            table = schema.ALL_TABLES.get(part.table) if part.table else schema.recognise(columns)
            if table is not None:
                name = table.name
            elif _is_attainment(columns):
                name = "attainment"
            else:
                result.problems.append(_unrecognised(part.name, columns))
                continue
            if name in seen:
                result.problems.append(
                    Problem(
                        "error",
                        part.name,
                        f"holds the {name} table, and so does {seen[name]}: keep one file "
                        "per table in each year's folder",
                    )
                )
                continue
            seen[name] = part.name
            found.append(name)
            if name == "attainment":
                if "UPN" not in df.columns:
                    df["UPN"] = ""
                result.attainment = df
            else:
                df[YEAR] = year
                result.tables[name] = df
        result.files.append(
            FileInfo(
                shown,
                sha256_file(path),
                read.form,
                ", ".join(found) or None,
                sum(len(p.frame) for p in read.parts if p.name in seen.values()),
            )
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
    return year_label(y)


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


def _source_of(ret: YearReturn, table: str) -> str:
    """The file (or workbook sheet) a year's table was read from, for a message."""
    return next(
        (f.file for f in ret.files if f.table and table in f.table.split(", ")),
        f"{ret.year}",
    )


def _unused_files(ret: YearReturn) -> str:
    """Why the year's unused files were not used, for the one line an operator sees.

    The reasons are in the data-quality page too, but a scheduler's log holds only stderr.
    """
    unused = [f.file for f in ret.files if f.table is None]
    if not unused:
        return ""
    said = []
    for name in unused[:3]:
        reason = next((p.message for p in ret.problems if p.file.startswith(name)), "")
        said.append(f"{quote(name)} ({reason})" if reason else quote(name))
    more = f" and {len(unused) - 3} more" if len(unused) > 3 else ""
    return f". Not used in that year: {'; '.join(said)}{more}"


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
                    "put the return's files (DfE XML, Excel or CSV) in "
                    f"{quote(str(la_raw_dir / up_to))}",
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
                        f"(columns {', '.join(table.columns)}): it is required"
                        + _unused_files(ret),
                    )
                )
            elif table.required and ret.tables[name].empty:
                # Headings and no rows is an export that failed: a report of 0 children
                # looked after would be published with exit 0.
                newest.problems.append(
                    Problem(
                        "error",
                        _source_of(ret, name),
                        f"the {name} table has its headings but no rows: the export from the "
                        "case-management system may have failed. Export it again",
                    )
                )
        # A return holding some tables but not all is an export that lost some: a table
        # left out (or on a hidden sheet) would give its measures 0, not "not available".
        expected = schema.tables_for_year(ret.year)
        optional = [n for n, t in expected.items() if not t.required]
        missing = [n for n in optional if n not in ret.tables]
        if missing and len(missing) < len(optional):
            newest.problems.append(
                Problem(
                    "error",
                    f"{la_raw_dir.name}/{ret.year}",
                    f"the {ret.year} return holds {len(expected) - len(missing)} of its "
                    f"{len(expected)} tables: no file holds {', '.join(missing)}. Export every "
                    "table (one with no rows as its headings alone): without it, its measures "
                    "would count nobody" + _unused_files(ret),
                )
            )
    return returns
