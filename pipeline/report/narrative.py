"""Sentences with numbers in them, written from the published (disclosure-controlled) figures.

No number in a report's prose is typed by hand: every one comes from here, and every one
comes from the suppressed table, so a sentence can never show what a table hides.
"""

from __future__ import annotations

import math
from datetime import date

from pipeline.numerals import round_half_up


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


def plural(n: float, one: str, many: str) -> str:
    """A number with its noun, singular or plural.

    >>> plural(1, "child", "children"), plural(7, "child", "children"), plural(0, "day", "days")
    ('1 child', '7 children', '0 days')
    """
    return f"{number(n)} {one if n == 1 else many}"


def change(now: float | None, before: float | None, noun: tuple[str, str] | None = None) -> str:
    """How a figure moved, in words; ``noun`` is (singular, plural).

    >>> change(97, 104, ("child", "children")), change(85, 84, ("child", "children"))
    ('down by 7 children', 'up by 1 child')
    >>> change(70, 70), change(5, None), change(72.5, 70)
    ('unchanged', '', 'up by 2.5')
    """
    if _missing(now) or _missing(before):
        return ""
    diff = now - before
    if diff == 0:
        return "unchanged"
    word = "up" if diff > 0 else "down"
    return f"{word} by {plural(abs(diff), *noun) if noun else number(abs(diff))}"


def join(parts: list[str]) -> str:
    """Join phrases as a sentence does.

    >>> join(["a"]), join(["a", "b"]), join(["a", "b", "c"]), join([])
    ('a', 'a and b', 'a, b and c', '')
    """
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def standing(
    value: float | None, comparators: list[tuple[str, float | None]], unit: str = ""
) -> str:
    """Where a figure stands against several comparators, grouped by side.

    >>> standing(85, [("England", 71), ("North East", 81), ("neighbours", 90)])
    'higher than England (71) and North East (81), and lower than neighbours (90)'
    >>> standing(85, [("England", None)]), standing(88, [("England", 94)], unit="%")
    ('', 'lower than England (94%)')
    """
    if _missing(value):
        return ""
    groups: dict[str, list[str]] = {"higher than": [], "lower than": [], "the same as": []}
    for name, other in comparators:
        if _missing(other):
            continue
        # Whole numbers, rounded half up as the published figures are.
        same = round_half_up(value) == round_half_up(other)
        side = "the same as" if same else "higher than" if value > other else "lower than"
        groups[side].append(f"{name} ({number(other)}{unit})")
    said = [f"{side} {join(names)}" for side, names in groups.items() if names]
    return ", and ".join(said)


def trend_title(name: str, what: str, points: list[tuple[str, float | None]]) -> str:
    """An active chart title stating the finding.

    The last year is set against the one before, and against the start of the trend.

    >>> trend_title("Eastbridge", "rate", [("2021-22", 90), ("2024-25", 70), ("2025-26", 80)])
    "Eastbridge's rate rose to 80 in 2025-26 from 70 a year earlier (90 in 2021-22)"
    >>> trend_title("Eastbridge", "rate", [("2024-25", 80), ("2025-26", 80)])
    "Eastbridge's rate stayed at 80 in 2025-26"
    >>> trend_title("Eastbridge", "rate", [("2023-24", 90), ("2024-25", None), ("2025-26", 80)])
    "Eastbridge's rate fell to 80 in 2025-26 from 90 in 2023-24"
    """
    known = [(p, v) for p, v in points if not _missing(v)]
    if not known:
        return f"{name}'s {what}, {points[0][0]} to {points[-1][0]}"
    p1, v1 = known[-1]
    if len(known) == 1:
        return f"{name}'s {what} was {number(v1)} in {p1}"
    p0, v0 = known[-2]
    # "A year earlier" only when it was: a missing or suppressed year between says its own.
    labels = [p for p, _ in points]
    adjacent = labels.index(p0) == labels.index(p1) - 1
    verb = "rose to" if v1 > v0 else "fell to" if v1 < v0 else "stayed at"
    text = f"{name}'s {what} {verb} {number(v1)} in {p1}"
    if verb != "stayed at":
        text += f" from {number(v0)} " + ("a year earlier" if adjacent else f"in {p0}")
    elif not adjacent:
        text += f", as in {p0}"
    if len(known) > 2:
        text += f" ({number(known[0][1])} in {known[0][0]})"
    return text


def gap_sentence(
    title: str,
    cla: float | None,
    all_pupils: float | None,
    where: str,
    gap: float | None,
    low: float | None,
    high: float | None,
    significant: bool | None,
    moved: str | None,
    unit: str = "%",
) -> str:
    """The attainment gap at a key stage, in words, with its interval and movement.

    >>> gap_sentence("KS2 reading, writing and maths", 32.1, 62.0, "England", -29.9, -40.6,
    ...              -16.8, True, "widened")
    'KS2 reading, writing and maths: 32% of children looked after against 62% of all pupils in
    England, 29.9 points lower (95% confidence interval 16.8 to 40.6 points lower); the gap
    widened since last year.'
    >>> gap_sentence("KS2 reading", 50.0, 60.0, "Testshire", -10.0, -45.0, 25.0, False, None)
    'KS2 reading: 50% of children looked after against 60% of all pupils in Testshire, 10.0
    points lower (95% confidence interval from 45.0 lower to 25.0 higher: not statistically
    different from no gap).'
    >>> gap_sentence("KS4 Attainment 8", 20.0, 46.0, "England", -26.0, None, None, None, None,
    ...              unit="")
    'KS4 Attainment 8: 20.0 for children looked after against 46.0 for all pupils in England,
    26.0 lower (too few pupils for an interval).'
    """
    if _missing(cla) or _missing(all_pupils) or _missing(gap):
        return f"{title}: not available."
    pts = " points" if unit == "%" else ""
    side = "lower" if gap < 0 else "higher"
    # As printed (one decimal place): a gap that shows as 0.0 is no gap, not "0.0 higher".
    said = "no gap" if round_half_up(abs(gap), 1) == 0 else f"{abs(gap):.1f}{pts} {side}"
    if unit == "%":
        head = (
            f"{title}: {cla:.0f}% of children looked after against {all_pupils:.0f}% of "
            f"all pupils in {where}, {said}"
        )
    else:
        head = (
            f"{title}: {cla:.1f} for children looked after against {all_pupils:.1f} for "
            f"all pupils in {where}, {said}"
        )
    if low is None or _missing(low):
        head += " (too few pupils for an interval)"
    elif low < 0 < high:
        head += (
            f" (95% confidence interval from {abs(low):.1f} lower to {high:.1f} higher: "
            "not statistically different from no gap)"
        )
    else:
        lo, hi = sorted((abs(low), abs(high)))
        head += f" (95% confidence interval {lo:.1f} to {hi:.1f}{pts} {side})"
    if moved in ("narrowed", "widened", "unchanged"):
        head += f"; the gap {moved} since last year"
    elif moved:
        head += f" ({moved}, against last year)"
    return head + "."


def _pct(v: float, unit: str) -> str:
    return f"{number(v)}%" if unit == "percent" else number(v)


def movement_sentence(
    title: str, now: float, before: float, polarity: str, unit: str, of: str = ""
) -> str:
    """A change since last year, saying whether it is better or worse for the children.

    ``of`` gives the numbers behind a percentage of a small group, e.g. " (6 of 14 young
    people)".

    >>> movement_sentence("Dental checks", 74, 81, "higher", "percent")
    'Dental checks fell from 81% to 74% (worse).'
    >>> movement_sentence("Missing incidents", 170, 150, "lower", "count")
    'Missing incidents rose from 150 to 170 (worse).'
    >>> movement_sentence("EET", 43, 64, "higher", "percent", " (6 of 14 young people)")
    'EET fell from 64% to 43% (6 of 14 young people; worse).'
    """
    verb = "rose" if now > before else "fell"
    better = (now > before) == (polarity == "higher")
    judgement = "" if polarity == "neither" else "better" if better else "worse"
    said = "; ".join(x for x in (of.strip()[1:-1] if of else "", judgement) if x)
    return f"{title} {verb} from {_pct(before, unit)} to {_pct(now, unit)}" + (
        f" ({said})." if said else "."
    )


def against_sentence(
    title: str, value: float, other: float, where: str, polarity: str, of: str = ""
) -> str:
    """A percentage against a comparator's, saying whether that is better or worse.

    >>> against_sentence("Convictions", 12, 2, "England", "lower")
    'Convictions: 12% against 2% in England (worse).'
    >>> against_sentence("In touch", 90, 94, "England", "higher", " (18 of 20 young people)")
    'In touch: 90% against 94% in England (18 of 20 young people; worse).'
    """
    better = (value > other) == (polarity == "higher")
    judgement = "" if polarity == "neither" else "better" if better else "worse"
    said = "; ".join(x for x in (of.strip()[1:-1] if of else "", judgement) if x)
    return f"{title}: {number(value)}% against {number(other)}% in {where}" + (
        f" ({said})." if said else "."
    )
