"""The typed records one stage hands to the next (row numbers and counts, never values).

Each stage of a job runs in its own notebook, so what one stage found reaches the next
through a small file in the job's processed folder, written and read only through these
models (``pipeline/io.py`` names the files). The reading stage writes :class:`ReadRecord`
(``read_report.json``); the data checks write :class:`CheckRecord` (``validation.json``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileRecord(_Record):
    """One input file as read: its name under the raw folder, sha256, form, tables, rows."""

    file: str
    sha256: str
    encoding: str | None
    table: str | None
    rows: int


class ProblemRecord(_Record):
    """A problem in the input: where (file, column, rows) and what to do."""

    severity: str
    file: str
    message: str
    column: str | None = None
    rows: tuple[int, ...] = ()


class RejectedCount(_Record):
    """How many rows of a table were not used, and why."""

    table: str
    reason: str
    rows: int


class RepairRecord(_Record):
    """What one repair rule changed in one earlier return (``pipeline/clean/repairs.py``)."""

    rule: str
    year: str
    count: int
    rows: dict[str, list[int]]
    sentence: str
    dfe_rule: str


class ReadRecord(_Record):
    """What reading and cleaning found: the stage-10 record every later step reads."""

    years_read: list[str] = []
    problems: list[ProblemRecord] = []
    files: list[FileRecord] = []
    rejected_rows: list[RejectedCount] = []
    repairs: list[RepairRecord] = []

    @property
    def errors(self) -> int:
        """Problems that stop a run."""
        return sum(p.severity == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        """Problems reported and counted."""
        return sum(p.severity == "warning" for p in self.problems)

    @property
    def rejected(self) -> int:
        """Rows not used, in all."""
        return sum(r.rows for r in self.rejected_rows)

    def files_of(self, years: list[str]) -> dict[str, str]:
        """The sha256 of each file read from those collection years, by file name."""
        return {
            f.file: f.sha256 for f in self.files if any(f"/{y}/" in f"/{f.file}" for y in years)
        }


class CheckRecord(_Record):
    """The data checks' findings: the summary, and every check with its row numbers."""

    summary: dict[str, float | int] = {}
    checks: list[dict] = []
