"""How numbers are rounded and said: one rule for each, shared by every room.

The measures round confidence intervals, disclosure control rounds published figures and
the report's words say "19th birthday" with these, so a figure rounds the same way wherever
it is made.
"""

from __future__ import annotations

import math


def round_half_up(x: float, dp: int = 0) -> float:
    """Round halves away from zero, as DfE's published figures do (not banker's rounding).

    >>> round_half_up(66.5), round_half_up(2.25, 1), round_half_up(67.49), round_half_up(-0.5)
    (67.0, 2.3, 67.0, -1.0)
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return float("nan")
    q = 10**dp
    return math.floor(abs(x) * q + 0.5) / q * (1 if x >= 0 else -1)


def ordinal(n: int) -> str:
    """An ordinal number as written: 1st, 2nd, 3rd, 4th, 11th, 21st.

    >>> " ".join(ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 17, 18, 21, 22, 101, 111))
    '1st 2nd 3rd 4th 11th 12th 13th 17th 18th 21st 22nd 101st 111th'
    """
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"
