"""Permanence: hand-worked cases (docs/indicators.md).

Period 2024-25 throughout: S = 1 April 2024, E = 31 March 2025. The comment beside each
child works its result out from the definition in shared docs/indicators.md.
"""

from __future__ import annotations

import pandas as pd
from pytest import approx

from tests.unit.cases import eps, value

# ---------------------------------------------------------------- permanence
PERM_EPISODES = eps(
    [
        ["A1", "2022-01-01", "S", "A4", "x", "2024-10-01", "E11"],
        ["A2", "2023-01-01", "S", "U4", "x", "2023-06-01", "X1"],
        ["A2", "2023-06-01", "P", "A4", "y", "2025-03-31", "E12"],  # adopted on E
        ["A3", "2022-01-01", "S", "U1", "x", "2024-05-01", "E45"],
        ["A4", "2023-01-01", "S", "U4", "x", "2024-05-01", "E13"],
        ["A4", "2024-08-01", "S", "U4", "x", "2024-12-01", "E44"],  # last exit: historic SGO
        ["A5", "2022-01-01", "S", "A4", "x", "2024-03-31", "E11"],  # before S
        ["A6", "2022-01-01", "S", "U4", "x", "2024-09-01", "E4A"],
    ]
)
PLACED = pd.DataFrame(
    {
        "CHILD": ["A1", "A2", "A2"],
        "DATE_PLACED": pd.to_datetime(["2023-01-01", "2023-03-02", "2024-02-01"]),
    }
)
AD1 = pd.DataFrame(
    {
        "CHILD": ["D1", "D2", "D3"],
        "DATE_INT": pd.to_datetime(["2024-01-01", "2024-06-01", "2023-01-01"]),
        "DATE_MATCH": pd.to_datetime(["2024-04-01", "2025-03-31", "2024-03-31"]),
        "_year": "2024-25",
    }
)
PERM = {"Episodes": PERM_EPISODES, "PlacedAdoption": PLACED, "AD1": AD1}


def test_adoption_and_sgo_shares_of_children_leaving_care():
    # ceased in S..E: A1, A2, A3, A4, A6 = 5 (A4 once, by its last exit)
    assert value(PERM, "adopted_pct") == (40, 2, 5)  # A1, A2
    assert value(PERM, "sgo_pct") == (40, 2, 5)  # A3 (E45), A4 (E44)


def test_a_planned_return_home():
    # Of the same 5 leaving care, only A6's last exit is E4A: 1 of 5.
    assert value(PERM, "returned_home_planned_pct") == (20, 1, 5)
    # E4B (returned home, not as planned) is not counted; a child who left before S is not
    # in the cohort: R1, R3 of R1, R2, R3 -> 2 of 3.
    home = eps(
        [
            ["R1", "2023-01-01", "S", "U4", "x", "2024-06-01", "E4A"],
            ["R2", "2023-01-01", "S", "U4", "x", "2024-07-01", "E4B"],
            ["R3", "2024-01-01", "S", "U4", "x", "2025-03-31", "E4A"],  # on E: in
            ["R4", "2022-01-01", "S", "U4", "x", "2024-03-31", "E4A"],  # before S: out
        ]
    )
    assert value({"Episodes": home}, "returned_home_planned_pct") == (approx(200 / 3), 2, 3)


def test_adoption_timeliness():
    # A1: 1 Jan 2022 -> 1 Jan 2023 = 365 days; A2: period from 1 Jan 2023 (X1 chain), latest
    # DATE_PLACED on or before adoption 1 Feb 2024 = 396 days. Mean 380.5 (381 published).
    v, _, n = value(PERM, "adoption_entry_to_placed_days")
    assert (v, n) == (380.5, 2)
    # AD1 matched in S..E: D1 91 days (1 Jan -> 1 Apr 2024), D2 303 days; D3 before S.
    v, _, n = value(PERM, "adoption_decision_to_match_days")
    assert (v, n) == (197, 2)
