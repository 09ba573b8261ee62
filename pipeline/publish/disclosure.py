"""Disclosure control for published outputs: pure functions, no I/O.

Policy (the project's indicator catalogue; for readers, ``docs/security.md``, "Disclosure
control"): counts of 1 to 5 are shown as ``c``, and so are rates whose numerator or
denominator is 1 to 5. Then secondary suppression: where a suppressed cell could be
recovered from a total and the other cells, the next smallest cell is suppressed as well.
Zero stays 0. ``x`` = not available, ``z`` = not applicable. The thresholds come from
configuration (defaults 1 and 5).
"""

from __future__ import annotations

import math

import pandas as pd

from pipeline.numerals import round_half_up

SUPPRESSED, NOT_AVAILABLE, NOT_APPLICABLE = "c", "x", "z"


def is_small(n: float | None, lo: int = 1, hi: int = 5) -> bool:
    """True when ``n`` is a count that must not be published (``lo`` to ``hi``).

    >>> [is_small(n) for n in (0, 1, 5, 6, None, float("nan"))]
    [False, True, True, False, False, False]
    """
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return False
    return lo <= n <= hi


def primary(numerator: float | None, denominator: float | None, lo: int = 1, hi: int = 5) -> bool:
    """Primary suppression: a small numerator or a small denominator.

    >>> primary(3, 40), primary(30, 4), primary(0, 40), primary(30, 40)
    (True, True, False, False)
    """
    return is_small(numerator, lo, hi) or is_small(denominator, lo, hi)


def secondary(counts: list[float], suppressed: list[bool], total_shown: bool = True) -> list[bool]:
    """Add secondary suppression to cells that sum to a (published) total.

    If exactly one cell is suppressed, it could be worked out from the total and the others,
    so the smallest other non-zero, unsuppressed cell is suppressed too. Zero cells stay
    shown (a zero reveals nothing more). Returns the new mask.

    >>> secondary([3, 10, 0, 40], [True, False, False, False])
    [True, True, False, False]
    >>> secondary([3, 4, 40], [True, True, False])
    [True, True, False]
    >>> secondary([3, 10], [True, False], total_shown=False)
    [True, False]
    """
    mask = list(suppressed)
    if not total_shown or sum(mask) != 1:
        return mask
    candidates = [
        (c, i)
        for i, (c, s) in enumerate(zip(counts, mask, strict=True))
        if not s and c and not (isinstance(c, float) and math.isnan(c))
    ]
    if candidates:
        mask[min(candidates)[1]] = True
    return mask


def fmt_number(v: float | None, dp: int = 0) -> str:
    """A number for display with thousands separators; missing gives ``x``.

    >>> fmt_number(1234.0), fmt_number(66.64, 1), fmt_number(None), fmt_number(float("nan"))
    ('1,234', '66.6', 'x', 'x')
    """
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return NOT_AVAILABLE
    return f"{v:,.{dp}f}"


def publish(
    table: pd.DataFrame,
    lo: int = 1,
    hi: int = 5,
    units: dict[str, str] | None = None,
    partitions: tuple[tuple[str, ...], ...] = (),
    dps: dict[str, int] | None = None,
) -> pd.DataFrame:
    """Apply the policy to a tidy indicator table; add ``display`` and ``suppressed``.

    ``dps`` maps indicator ids to the decimal places they are shown with, so a mean of
    exactly 14 reads "14.0" beside last year's "14.2"; without an entry a whole number is
    shown with none and any other with one.

    ``units`` maps indicator ids to their unit: rows of ``count`` indicators (and their
    breakdowns) are suppressed on the count alone, so a zero stays 0 whatever its total;
    every other row (rates, percentages, means) is suppressed when its numerator or its
    denominator is small. Indicators missing from ``units`` are treated as rates, the
    stricter rule. ``partitions`` are groups of indicators whose numerators split one total
    (secondary suppression applies across each group). Rows are grouped by indicator and
    breakdown dimension (the text before
    ``": "``); each group's cells sum to the indicator's total row, which is published when
    not itself suppressed, so secondary suppression applies within each group. Suppressed
    rows have numerator, denominator and value blanked.

    >>> t = pd.DataFrame({"indicator": ["n"] * 4, "breakdown": ["", "Sex: Male", "Sex: Female",
    ...     "Sex: Unknown"], "numerator": [50, 42, 6, 2], "denominator": [None, 50, 50, 50],
    ...     "value": [50, 42, 6, 2]})
    >>> publish(t, units={"n": "count"})["display"].tolist()
    ['50', '42', 'c', 'c']
    >>> m = pd.DataFrame({"indicator": ["m"], "breakdown": [""], "numerator": [140],
    ...     "denominator": [10], "value": [14.0]})
    >>> publish(m, dps={"m": 1})["display"].tolist(), publish(m)["display"].tolist()
    (['14.0'], ['14'])
    """
    out = table.copy()
    units = units or {}
    sup = [
        is_small(n, lo, hi) if units.get(ind) == "count" else primary(n, d, lo, hi)
        for ind, n, d in zip(out["indicator"], out["numerator"], out["denominator"], strict=True)
    ]
    # Worked by position: looking rows up by label, or masking the whole table for each
    # group, was slow enough to matter to every report (docs/performance.md, "Suppression").
    numerators = out["numerator"].tolist()
    breakdown = out["breakdown"].fillna("")
    totals = (breakdown == "").to_numpy()
    # An indicator's total is shown when it has exactly one total row and that row is not
    # suppressed; secondary suppression never changes a total row (its dimension is "").
    indicators = out["indicator"].to_numpy()
    total_rows: dict = {}
    for i in totals.nonzero()[0]:
        total_rows.setdefault(indicators[i], []).append(sup[i])
    dims = breakdown.str.split(": ", n=1).str[0]
    for (ind, dim), at in out.groupby([out["indicator"], dims], sort=False).indices.items():
        if dim == "":
            continue
        rows = total_rows.get(ind, [])
        new = secondary(
            [numerators[i] for i in at], [sup[i] for i in at], len(rows) == 1 and not rows[0]
        )
        for i, s in zip(at, new, strict=True):
            sup[i] = s
    # Separate indicators that split one total (e.g. the SDQ bands): one hidden share could
    # be worked out from the others, so the next smallest is hidden too.
    for group in partitions:
        at = [i for i in range(len(out)) if totals[i] and indicators[i] in group]
        if len(at) == len(group):
            new = secondary([numerators[i] for i in at], [sup[i] for i in at])
            for i, s in zip(at, new, strict=True):
                sup[i] = s
    out["suppressed"] = sup
    out["suppressed"] = out["suppressed"].astype(bool)
    dps = dps or {}
    # Figures arrive at full precision and are rounded here, once: the published value and
    # its display agree, and nothing rounded twice drifts.
    places = [
        dps.get(ind, 0 if v is None or pd.isna(v) or float(v).is_integer() else 1)
        for ind, v in zip(out["indicator"], out["value"], strict=True)
    ]
    out["value"] = [
        v if v is None or pd.isna(v) else round_half_up(float(v), dp)
        for v, dp in zip(out["value"], places, strict=True)
    ]
    out["display"] = [
        SUPPRESSED
        if s
        else fmt_number(v, dp)
        if v is not None and not (isinstance(v, float) and math.isnan(v))
        else NOT_AVAILABLE
        for s, v, dp in zip(out["suppressed"], out["value"], places, strict=True)
    ]
    out.loc[out["suppressed"], ["numerator", "denominator", "value"]] = float("nan")
    return out
