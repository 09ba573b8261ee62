"""Care leavers: hand-worked cases (docs/indicators.md).

Period 2024-25 throughout: S = 1 April 2024, E = 31 March 2025. The comment beside each
child works its result out from the definition in shared docs/indicators.md.
"""

from __future__ import annotations

import pandas as pd
from pytest import approx

from tests.unit.cases import value

# ---------------------------------------------------------------- care leavers (OC3)
OC3 = pd.DataFrame(
    [
        ["C1", "2007-04-01", "YES", "F2", "U1"],  # 17th birthday on S -> 17-18
        ["C2", "2007-03-31", "NO", "0", "0"],  # 18th birthday on E -> 17-18
        ["C3", "2004-01-01", "YES", "G5", "G1"],  # 21 -> 19-21; gone abroad: not in accom
        ["C4", "2005-06-01", "DIED", "0", "0"],  # excluded
        ["C5", "2006-01-01", "YES", "P4", "B2"],  # 19 -> 19-21
        ["C6", "2003-06-01", "RHOM", "0", "0"],  # excluded
        ["C7", "2002-06-01", "YES", "F1", "U1"],  # 22: outside both groups
    ],
    columns=["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
).assign(DOB=lambda d: pd.to_datetime(d["DOB"]), _year="2024-25")


def test_care_leavers_17_18():
    t = {"OC3": OC3}
    assert value(t, "care_leavers_in_touch_pct_17_18") == (50, 1, 2)
    assert value(t, "care_leavers_eet_pct_17_18") == (50, 1, 2)  # ACTIV 0 stays in
    assert value(t, "care_leavers_suitable_accom_pct_17_18") == (50, 1, 2)  # "0" not G/H/R


def test_care_leavers_19_21():
    t = {"OC3": OC3}
    assert value(t, "care_leavers_in_touch_pct_19_21") == (100, 2, 2)
    assert value(t, "care_leavers_eet_pct_19_21") == (50, 1, 2)
    assert value(t, "care_leavers_suitable_accom_pct_19_21") == (0, 0, 1)


def test_custody_and_no_fixed_abode_are_never_counted_as_suitable():
    # 17-18 group: U1 suitable; X1 and S1 are not codes (DfE 133), so not known: they stay
    # in the denominator and out of the numerator. 1 suitable of 3 = 33.3%.
    t = {
        "OC3": pd.DataFrame(
            [
                ["C1", "2007-04-01", "YES", "F2", "U1"],
                ["C2", "2007-05-01", "YES", "F2", "X1"],
                ["C3", "2007-06-01", "YES", "F2", "S1"],
            ],
            columns=["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
        ).assign(DOB=lambda d: pd.to_datetime(d["DOB"]), _year="2024-25")
    }
    assert value(t, "care_leavers_suitable_accom_pct_17_18") == (approx(100 / 3), 1, 3)


def test_oc3_uses_the_periods_return_not_an_older_one():
    older = OC3.assign(_year="2023-24", IN_TOUCH="NO")
    t = {"OC3": pd.concat([older, OC3])}
    assert value(t, "care_leavers_in_touch_pct_19_21") == (100, 2, 2)
