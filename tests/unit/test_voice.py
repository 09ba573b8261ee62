"""Voice of the child: hand-worked cases (docs/indicators.md).

Period 2024-25 throughout: S = 1 April 2024, E = 31 March 2025. The comment beside each
child works its result out from the definition in shared docs/indicators.md.
"""

from __future__ import annotations

import pandas as pd
from pytest import approx

from tests.unit.cases import value


# ---------------------------------------------------------------- voice of the child
def test_review_participation_counts_reviews_not_children():
    r = pd.DataFrame(
        {
            "CHILD": ["a"] * 8,
            "REVIEW_CODE": ["PN0", "PN1", "PN3", "PN6", "PN7", "PN7", "PN1", "PN2"],
            "REVIEW": pd.to_datetime(
                [
                    "2024-05-01",
                    "2024-05-01",
                    "2024-06-01",
                    "2024-07-01",
                    "2024-08-01",
                    "2024-09-01",
                    "2024-03-31",
                    "2025-03-31",
                ]
            ),
        }
    )
    # in S..E excluding PN0: PN1 PN3 PN6 PN7 PN7 PN2 = 6; took part: 4 -> 66.7 -> 67
    assert value({"Reviews": r}, "review_participation_pct") == (approx(400 / 6), 4, 6)
