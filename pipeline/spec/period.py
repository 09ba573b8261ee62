"""Reporting periods: the one place year labels, quarter names and period dates are made.

A period is a collection year (``2024-25``: 1 April 2024 to 31 March 2025) or one quarter of
it (``2024-25-Q2``, ending 30 September 2024). A quarter's flow measures cover the rolling
12 months to its end, so they compare with annual figures.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from pipeline.problems import ConfigError

# Matched whole (``fullmatch``): ``$`` alone would accept a trailing newline.
_PERIOD = re.compile(r"(?P<y1>\d{4})-(?P<y2>\d{2})(?:-Q(?P<q>[1-4]))?")

# The months each quarter of a collection year covers, as a reader says them.
_QUARTER_MONTHS = {1: ("April", "June"), 2: ("July", "September"), 3: ("October", "December"),
                   4: ("January", "March")}  # fmt: skip


def year_label(first: int, sep: str = "-") -> str:
    """The collection or academic year starting in ``first``, as the 903 and DfE write it.

    >>> year_label(2024), year_label(2024, "/"), year_label(2024, ""), year_label(1999)
    ('2024-25', '2024/25', '202425', '1999-00')
    """
    return f"{first}{sep}{(first + 1) % 100:02d}"


def minus_months(d: date, months: int) -> date:
    """Calendar subtraction of whole months, clamping the day to the month's length.

    >>> minus_months(date(2025, 3, 31), 30)
    datetime.date(2022, 9, 30)
    >>> minus_months(date(2024, 2, 29), 12)
    datetime.date(2023, 2, 28)
    """
    total = d.year * 12 + (d.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def age_at(dob: pd.Series, when: date | pd.Timestamp | pd.Series) -> pd.Series:
    """Whole years of age at ``when`` (birthday on ``when`` counts; row by row for a Series).

    The one rule for age, used by the indicators and the data checks alike.

    >>> age_at(pd.Series(pd.to_datetime(["2009-03-31", "2009-04-01", None])), date(2025, 3, 31)
    ...        ).tolist()
    [16.0, 15.0, nan]
    >>> age_at(pd.Series(pd.to_datetime(["2009-03-31", "2009-03-31"])),
    ...        pd.Series(pd.to_datetime(["2025-03-30", None]))).tolist()
    [15.0, nan]
    """
    d = pd.to_datetime(dob)
    if isinstance(when, pd.Series):
        w = pd.to_datetime(when)
        wy, wm, wd = w.dt.year, w.dt.month, w.dt.day
    else:
        wy, wm, wd = when.year, when.month, when.day
    before_birthday = (d.dt.month > wm) | ((d.dt.month == wm) & (d.dt.day > wd))
    return (wy - d.dt.year - before_birthday.astype(float)).astype(float)


@dataclass(frozen=True)
class Period:
    """A reporting period: a collection year or one quarter of it.

    ``end`` (E) is the period end; ``start`` (S) is E minus 12 months plus one day. Made by
    :func:`parse_period` (or :meth:`from_record`, for a spec passed between processes).
    """

    label: str
    collection_year: str  # "2024-25"
    quarter: int | None
    start: date
    end: date

    @property
    def is_annual(self) -> bool:
        """True for a whole collection year (``2024-25``), False for a quarter."""
        return self.quarter is None

    @property
    def first_year(self) -> int:
        """The calendar year in which the collection year starts (2024 for 2024-25)."""
        return int(self.collection_year[:4])

    @property
    def end_year(self) -> int:
        """The calendar year in which the collection year ends (2025 for 2024-25)."""
        return self.first_year + 1

    @property
    def words(self) -> str:
        """The period as a reader says it.

        >>> parse_period("2026-27-Q2").words
        'Quarter 2 (July to September 2026)'
        >>> parse_period("2026-27-Q4").words
        'Quarter 4 (January to March 2027)'
        >>> parse_period("2025-26").words
        'April 2025 to March 2026'
        """
        if self.quarter is None:
            return f"April {self.first_year} to March {self.end_year}"
        first, last = _QUARTER_MONTHS[self.quarter]
        return f"Quarter {self.quarter} ({first} to {last} {self.end.year})"

    @property
    def name(self) -> str:
        """The period as a report's headings name it: a quarter in words, a year by label.

        A quarter's code ("2026-27-Q2") means nothing to a board member; a collection year
        ("2025-26") is how councils and DfE write it.

        >>> parse_period("2026-27-Q2").name, parse_period("2025-26").name
        ('Quarter 2 (July to September 2026)', '2025-26')
        """
        return self.label if self.is_annual else self.words

    @property
    def ees_time(self) -> tuple[str, str]:
        """``time_period`` and ``time_identifier`` as DfE's explore-education-statistics files.

        A year is DfE's 903 "Reporting year", named by the year it ends in (so the row joins
        DfE's own tables); a quarter's 12 months, for which EES has no code, are named by the
        financial year and the quarter they end in.

        >>> parse_period("2025-26").ees_time, parse_period("2026-27-Q2").ees_time
        (('2026', 'Reporting year'), ('202627', 'Financial year Q2'))
        """
        if self.quarter is None:
            return str(self.end_year), "Reporting year"
        return year_label(self.first_year, ""), f"Financial year Q{self.quarter}"

    def shifted(self, years: int) -> Period:
        """The same period ``years`` collection years earlier (negative) or later.

        >>> parse_period("2024-25-Q2").shifted(-1).label
        '2023-24-Q2'
        """
        return _make(self.first_year + years, self.quarter)

    def record(self) -> dict:
        """The period as JSON-ready fields (see :meth:`from_record`)."""
        return {"label": self.label, "collection_year": self.collection_year,
                "quarter": self.quarter, "start": self.start.isoformat(),
                "end": self.end.isoformat()}  # fmt: skip

    @classmethod
    def from_record(cls, record: dict) -> Period:
        """The period :meth:`record` wrote, as it was (not parsed again)."""
        return cls(
            label=record["label"],
            collection_year=record["collection_year"],
            quarter=record["quarter"],
            start=date.fromisoformat(record["start"]),
            end=date.fromisoformat(record["end"]),
        )


def parse_period(label: object) -> Period:
    """Parse ``2024-25`` or ``2024-25-Q1``..``Q4`` into a :class:`Period`.

    >>> p = parse_period("2024-25")
    >>> (p.start, p.end)
    (datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))
    >>> q = parse_period("2024-25-Q2")
    >>> (q.start, q.end)
    (datetime.date(2023, 10, 1), datetime.date(2024, 9, 30))
    >>> parse_period("2024-26")
    Traceback (most recent call last):
    ...
    pipeline.problems.ConfigError: period '2024-26' is not valid: ...
    """
    text = str(label).strip()
    PARSED[text] = PARSED.get(text, 0) + 1
    return _make(*_parts(text))


def is_quarter_label(label: str) -> bool:
    """Whether a valid period label names a quarter (``2024-25-Q2``) rather than a year.

    For configuration keyed by period, checked at load; unlike :func:`parse_period` it is not
    the job's own period being parsed, so it is not counted.

    >>> is_quarter_label("2024-25-Q2"), is_quarter_label("2024-25")
    (True, False)
    """
    return _parts(str(label).strip())[1] is not None


def _parts(text: str) -> tuple[int, int | None]:
    """A label's first calendar year and quarter, or the error naming the valid forms."""
    m = _PERIOD.fullmatch(text)
    if not m or (int(m["y1"]) + 1) % 100 != int(m["y2"]):
        raise ConfigError(
            f"period {text!r} is not valid: use a collection year such as '2024-25' or a "
            "quarter such as '2024-25-Q2' (Q1 ends 30 June, Q2 30 September, Q3 31 December, "
            "Q4 31 March)"
        )
    return int(m["y1"]), int(m["q"]) if m["q"] else None


def year_period(collection_year: str) -> Period:
    """The whole collection year a return or a figure covers (``"2024-25"``).

    >>> year_period("2024-25").end
    datetime.date(2025, 3, 31)
    """
    m = _PERIOD.fullmatch(collection_year)
    if not m or m["q"] or year_label(int(m["y1"])) != collection_year:
        raise ConfigError(f"{collection_year!r} is not a collection year such as '2024-25'")
    return _make(int(m["y1"]), None)


def _make(y1: int, quarter: int | None) -> Period:
    ends = {1: date(y1, 6, 30), 2: date(y1, 9, 30), 3: date(y1, 12, 31), 4: date(y1 + 1, 3, 31)}
    end = ends[quarter or 4]
    label = year_label(y1) + (f"-Q{quarter}" if quarter else "")
    return Period(
        label=label,
        collection_year=year_label(y1),
        quarter=quarter,
        start=minus_months(end, 12) + timedelta(days=1),
        end=end,
    )


def latest_complete_period(today: date, quarterly: bool = False) -> Period:
    """The latest period whose end is before ``today`` (for scheduled runs).

    >>> latest_complete_period(date(2026, 11, 22)).label
    '2025-26'
    >>> latest_complete_period(date(2026, 11, 22), quarterly=True).label
    '2026-27-Q2'
    """
    y = today.year if today.month > 3 else today.year - 1
    if not quarterly:
        return _make(y - 1, None)
    candidates = [_make(yy, q) for yy in (y - 1, y) for q in (1, 2, 3, 4)]
    return max((p for p in candidates if p.end < today), key=lambda p: p.end)


# How often each period's text was parsed in this process. A job's period is parsed once,
# on the command line, and passed on inside its run spec; a test holds a job to that.
PARSED: dict[str, int] = {}
