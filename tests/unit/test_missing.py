"""Missing from care: hand-worked cases (docs/indicators.md).

Period 2024-25 throughout: S = 1 April 2024, E = 31 March 2025. The comment beside each
child works its result out from the definition in shared docs/indicators.md.
"""

from __future__ import annotations

import pandas as pd
from pytest import approx

from tests.unit.cases import eps, value

# ---------------------------------------------------------------- missing
MISSING_EPISODES = eps(
    [
        ["M1", "2020-01-01", "S", "U4", "x", "", ""],
        ["M2", "2020-01-01", "S", "U4", "x", "", ""],
        ["M3", "2024-06-01", "S", "U4", "x", "2024-09-01", "E13"],
        ["M4", "2020-01-01", "S", "U4", "x", "2023-05-01", "E13"],  # not looked after in S..E
    ]
)
MISSING = pd.DataFrame(
    [
        ["M1", "M", "2024-04-01"],
        ["M1", "M", "2024-06-01"],
        ["M1", "A", "2024-07-01"],
        ["M2", "M", "2024-03-31"],
        ["M2", "A", "2025-03-31"],
        ["M4", "M", "2024-05-01"],
    ],
    columns=["CHILD", "MISSING", "MIS_START"],
).assign(MIS_START=lambda d: pd.to_datetime(d["MIS_START"]))


def test_missing_and_away():
    tables = {"Episodes": MISSING_EPISODES, "Missing": MISSING}
    assert value(tables, "missing_pct") == (approx(100 / 3), 1, 3)  # M1 of M1 M2 M3
    assert value(tables, "away_pct") == (approx(200 / 3), 2, 3)  # M1 and M2 (on E)
    assert value(tables, "missing_incidents")[0] == 2  # M1's two; M2's was before S
