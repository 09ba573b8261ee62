"""Builders for the hand-worked indicator cases (tests/unit/test_<theme>.py).

Period 2024-25 throughout: S = 1 April 2024, E = 31 March 2025.
"""

from __future__ import annotations

import pandas as pd

from pipeline.measures.registry import compute_all
from pipeline.spec.period import parse_period

P = parse_period("2024-25")
T = pd.Timestamp


def eps(rows):
    """rows: child, DECOM, RNE, PLACE, URN, DEC, REC (LS C2, CIN N1)."""
    df = pd.DataFrame(rows, columns=["CHILD", "DECOM", "RNE", "PLACE", "URN", "DEC", "REC"])
    df["DECOM"] = pd.to_datetime(df["DECOM"])
    df["DEC"] = pd.to_datetime(df["DEC"].replace("", None))
    return df.assign(LS="C2", CIN="N1")


def header(dobs: dict[str, str]):
    """Header rows: one child per date of birth (SEX M, ETHNIC WBRI)."""
    return pd.DataFrame(
        {
            "CHILD": list(dobs),
            "SEX": "M",
            "ETHNIC": "WBRI",
            "DOB": pd.to_datetime(list(dobs.values())),
        }
    )


def value(tables, ind, period=P):
    """The total row of one indicator: (value, numerator, denominator)."""
    r = compute_all(tables, period, ids=[ind])
    r = r[r["breakdown"] == ""].iloc[0]
    return r["value"], r["numerator"], r["denominator"]
