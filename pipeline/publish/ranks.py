"""Where an authority's figure stands among every authority's: rank and quartile.

Ranks are DfE's and LAIT's kind: competition ranking ("1224"), so authorities with the same
figure share the best rank among them and the next rank is skipped. Rank 1 is the best
figure by the measure's polarity (the highest where higher is better, the lowest where
lower is better); a measure with no better direction is ranked from the highest. Authorities
with no published figure (c, x, z or no row) are not ranked and do not count in "of n".
Quartile 1 holds ranks up to a quarter of n: the best quarter, or the highest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipeline.numerals import ordinal

# Fewer authorities than this have no quarters to speak of.
MIN_FOR_QUARTILE = 4


@dataclass(frozen=True)
class Standing:
    """One figure's place: ``rank`` of ``of`` authorities, and its quartile (or None)."""

    rank: int
    of: int
    quartile: int | None


def standing(value: float | None, others: list[float], polarity: str) -> Standing | None:
    """The place of ``value`` among ``value`` and ``others`` (the other authorities' figures).

    >>> standing(70, [80, 70, 60], "higher")
    Standing(rank=2, of=4, quartile=2)
    >>> standing(70, [80, 70, 60], "lower")  # 60 is better; 70 ties with one other
    Standing(rank=2, of=4, quartile=2)
    >>> standing(60, [80, 70, 60, 60], "neither")  # ranked from the highest; 3 above it
    Standing(rank=3, of=5, quartile=3)
    >>> standing(None, [1, 2], "higher") is None
    True
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if polarity == "lower":
        above = sum(o < value for o in others)
    else:
        above = sum(o > value for o in others)
    n = len(others) + 1
    rank = above + 1
    quartile = math.ceil(4 * rank / n) if n >= MIN_FOR_QUARTILE else None
    return Standing(rank, n, quartile)


def _ends(polarity: str) -> tuple[str, str]:
    return ("lowest", "highest") if polarity == "lower" else ("highest", "lowest")


def rank_words(s: Standing, polarity: str) -> str:
    """A rank as a member reads it: "6th highest of 151", "lowest of 12".

    >>> rank_words(Standing(6, 151, 1), "neither"), rank_words(Standing(1, 12, 1), "lower")
    ('6th highest of 151', 'lowest of 12')
    """
    first, _ = _ends(polarity)
    place = first if s.rank == 1 else f"{ordinal(s.rank)} {first}"
    return f"{place} of {s.of}"


def quartile_words(quartile: int, polarity: str) -> str:
    """Quartile 1 to 4 in words, from the end rank 1 is at.

    >>> [quartile_words(q, "higher") for q in (1, 2, 3, 4)]
    ['highest quartile', 'second highest quartile', 'second lowest quartile', 'lowest quartile']
    >>> quartile_words(1, "lower")
    'lowest quartile'
    """
    first, last = _ends(polarity)
    return {
        1: f"{first} quartile",
        2: f"second {first} quartile",
        3: f"second {last} quartile",
        4: f"{last} quartile",
    }[quartile]
