"""Sentences with numbers in them, written from the published (disclosure-controlled) figures.

No number in a report's prose is typed by hand: every one comes from here, and every one
comes from the suppressed table, so a sentence can never show what a table hides.
"""

from __future__ import annotations

import math
from datetime import date


def long_date(d: date) -> str:
    """A date as written in a council report.

    >>> long_date(date(2026, 3, 31))
    '31 March 2026'
    """
    return f"{d.day} {d:%B %Y}"


def _missing(v: float | None) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def number(v: float | None, display: str | None = None) -> str:
    """A figure in prose: suppressed or missing values are said in words.

    >>> number(1438.0), number(None, "c"), number(None, "x")
    ('1,438', 'a small number (suppressed to protect privacy)', 'not available')
    """
    if display == "c":
        return "a small number (suppressed to protect privacy)"
    if _missing(v):
        return "not available"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def change(now: float | None, before: float | None, unit: str = "") -> str:
    """How a figure moved, in words.

    >>> change(97, 104, " children"), change(70, 70), change(5, None)
    ('down by 7 children', 'unchanged', '')
    """
    if _missing(now) or _missing(before):
        return ""
    diff = now - before
    if diff == 0:
        return "unchanged"
    word = "up" if diff > 0 else "down"
    return f"{word} by {number(abs(diff))}{unit}"


def compare(value: float | None, other: float | None, other_name: str) -> str:
    """Where a rate stands against a comparator.

    >>> compare(82, 67, "England"), compare(60, 67, "England"), compare(67, 67, "England")
    ('higher than England (67)', 'lower than England (67)', 'the same as England (67)')
    """
    if _missing(value) or _missing(other):
        return ""
    if round(value) == round(other):
        return f"the same as {other_name} ({number(other)})"
    side = "higher" if value > other else "lower"
    return f"{side} than {other_name} ({number(other)})"


def trend_title(
    name: str, what: str, first: tuple[str, float | None], last: tuple[str, float | None]
) -> str:
    """An active chart title that states the finding.

    >>> trend_title("Eastbridge", "rate of children looked after", ("2021-22", 90), ("2025-26", 80))
    "Eastbridge's rate of children looked after fell from 90 in 2021-22 to 80 in 2025-26"
    """
    (p0, v0), (p1, v1) = first, last
    if _missing(v0) or _missing(v1):
        return f"{name}'s {what}, {p0} to {p1}"
    verb = "rose" if v1 > v0 else "fell" if v1 < v0 else "stayed at"
    if verb == "stayed at":
        return f"{name}'s {what} stayed at {number(v1)} from {p0} to {p1}"
    return f"{name}'s {what} {verb} from {number(v0)} in {p0} to {number(v1)} in {p1}"
