"""Property-based tests (hypothesis): invariants every indicator keeps on any history.

Random small histories (1-10 children, chained and re-entering episodes, open and closed,
short breaks) are drawn; for each, the invariants below must hold. They are properties of the
definitions (docs/indicators.md), not values: a count is never negative, a numerator never
exceeds its denominator, a breakdown's parts add up to its total, and neither the order of
rows nor a child who only ever had short breaks changes any figure.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import parse_period
from pipeline.indicators import REGISTRY, compute_all

P = parse_period("2024-25")
POP = {2024: 10_000.0, 2023: 10_000.0}
LAST = date(2025, 3, 31)
EP_COLS = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC", "URN"]
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def histories(draw):
    """Header and Episodes for 1-10 children, as the clean stage writes them."""
    header, eps = [], []
    for i in range(draw(st.integers(1, 10))):
        child = f"c{i}"
        dob = date(2005, 1, 1) + timedelta(days=draw(st.integers(0, 7000)))
        header.append(
            [
                child,
                draw(st.sampled_from(["M", "F", "U"])),
                dob,
                draw(st.sampled_from(["WBRI", "MWBC", "APKN", "BAFR", "CHNE", "REFU"])),
            ]
        )
        decom = max(dob, date(2021, 1, 1)) + timedelta(days=draw(st.integers(0, 1400)))
        rne = "S"
        for j in range(draw(st.integers(1, 3))):
            if decom > LAST:
                break
            length = draw(st.one_of(st.none(), st.integers(1, 500)))
            dec = None if length is None else decom + timedelta(days=length)
            chained = dec is not None and draw(st.booleans())
            rec = (
                ""
                if dec is None
                else "X1"
                if chained
                else draw(st.sampled_from(["E13", "E11", "E2", "E4A", "E45"]))
            )
            eps.append(
                [
                    child,
                    decom,
                    rne,
                    draw(st.sampled_from(["C2", "V2", "E1", "C1"])),
                    draw(st.sampled_from(["N1", "N2", "N4"])),
                    draw(st.sampled_from(["U1", "U4", "K2", "T1", "P1", "R1", "A4"])),
                    dec,
                    rec,
                    str(j),
                ]
            )
            if dec is None:
                break
            decom = dec if chained else dec + timedelta(days=draw(st.integers(1, 300)))
            rne = "P" if chained else "S"
    return tables(header, eps)


def tables(header, eps) -> dict[str, pd.DataFrame]:
    h = pd.DataFrame(header, columns=["CHILD", "SEX", "DOB", "ETHNIC"])
    h["DOB"] = pd.to_datetime(h["DOB"])
    e = pd.DataFrame(eps, columns=EP_COLS)
    e["DECOM"] = pd.to_datetime(e["DECOM"])
    e["DEC"] = pd.to_datetime(e["DEC"])
    return {"Header": h, "Episodes": e}


def figures(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    out = compute_all(t, P, POP)
    return out.sort_values(["indicator", "breakdown"]).reset_index(drop=True)


@SETTINGS
@given(histories())
def test_counts_are_never_negative_and_numerators_never_exceed_denominators(t):
    out = figures(t)
    for r in out.itertuples():
        unit = REGISTRY[r.indicator].unit
        for v in (r.numerator, r.denominator):
            assert pd.isna(v) or v >= 0, (r.indicator, r.breakdown)
        # A blank numerator means "not available" (e.g. no SWEpisodes table): shown as x.
        if unit == "percent" and not pd.isna(r.denominator) and not pd.isna(r.numerator):
            assert r.numerator <= r.denominator, (r.indicator, r.breakdown)
            assert pd.isna(r.value) or 0 <= r.value <= 100
        if unit == "count":
            assert pd.isna(r.value) or r.value >= 0


@SETTINGS
@given(histories())
def test_breakdowns_of_a_count_add_up_to_its_total(t):
    out = figures(t)
    for ind, rows in out.groupby("indicator"):
        if REGISTRY[ind].unit != "count":
            continue
        total = rows.loc[rows["breakdown"] == "", "value"]
        if total.empty or pd.isna(total.iloc[0]):
            continue
        parts = rows[rows["breakdown"] != ""]
        for family, g in parts.groupby(parts["breakdown"].str.split(": ").str[0]):
            assert g["value"].sum() == total.iloc[0], (ind, family)


@SETTINGS
@given(histories(), st.randoms(use_true_random=False))
def test_the_order_of_rows_changes_nothing(t, rnd):
    shuffled = {}
    for name, df in t.items():
        order = list(df.index)
        rnd.shuffle(order)
        shuffled[name] = df.loc[order].reset_index(drop=True)
    pd.testing.assert_frame_equal(figures(t), figures(shuffled))


@SETTINGS
@given(histories())
def test_a_child_with_only_short_breaks_changes_nothing(t):
    extra = {
        "Header": pd.concat([t["Header"], pd.DataFrame(
            [["sb", "F", pd.Timestamp("2015-06-01"), "WBRI"]], columns=t["Header"].columns)],
            ignore_index=True),
        "Episodes": pd.concat([t["Episodes"], pd.DataFrame(
            [["sb", pd.Timestamp("2024-06-01"), "S", "V3", "N1", "U6",
              pd.Timestamp("2024-06-03"), "E13", "x"],
             ["sb", pd.Timestamp("2025-03-01"), "S", "V4", "N1", "U6", pd.NaT, "", "y"]],
            columns=EP_COLS)], ignore_index=True),
    }  # fmt: skip
    pd.testing.assert_frame_equal(figures(t), figures(extra))
