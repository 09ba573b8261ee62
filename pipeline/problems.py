"""What every reader reports: problems in the input, and where each row came from.

Kept apart from the readers so that each form a return arrives in (CSV, Excel, DfE XML)
reports the same way, and so that cleaning and checks can name files and rows.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE_FILE = "_source_file"
SOURCE_ROW = "_source_row"
YEAR = "_year"


@dataclass(frozen=True)
class Problem:
    """Something in the input that a person must know about.

    ``rows`` are spreadsheet row numbers (the header is row 1; a workbook's own row
    numbers), or an XML return's line numbers, so an analyst can open the file and go
    straight to them.
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
            word = row_word(self.file)
            where += f", {word}{'s' if len(self.rows) > 1 else ''} {shown}{more}"
        return f"{self.severity.upper()}: {where}: {self.message}"


def row_word(file: str) -> str:
    """What a source row number counts: an XML return's rows are its lines.

    >>> row_word("806/2024-25/return.xml"), row_word("806/2024-25/episodes.csv")
    ('line', 'row')
    """
    return "line" if file.lower().endswith(".xml") else "row"


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


class ConfigError(ValueError):
    """Configuration or parameters that cannot describe a run; the message says what to fix."""
