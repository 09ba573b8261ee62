"""Property-based tests (hypothesis): invariants every indicator keeps on any history.

Random small histories (1-10 children, chained and re-entering episodes, open and closed,
short breaks, with OC2, OC3 and attainment rows typed as the clean stage writes them) are
drawn; for each, the invariants below must hold. They are properties of the definitions
(docs/indicators.md), not values: no indicator raises, a count is never negative, a numerator
never exceeds its denominator, a value that cannot be computed says why (0 of 0, or not
available), a breakdown's parts add up to its total, and neither the order of rows, a child
who only ever had short breaks, nor a child's missing Header row changes a count of children.

Histories are drawn with empty sub-cohorts on purpose (no under-fives, no 10 to 17s, no care
leavers, no KS2 pupils), and with children whose episodes have no Header row: cases that
crashed stage 30 (issue 18) and that random ages and rows alone rarely give.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import schema
from pipeline.measures.registry import REGISTRY, compute_all
from pipeline.spec.period import parse_period

P = parse_period("2024-25")
POP = {2024: 10_000.0, 2023: 10_000.0}
LAST = date(2025, 3, 31)
EP_COLS = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC", "URN"]
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# A sub-cohort a history is drawn without: its children's ages (at E, 31 March 2025) or rows
# are kept out of it. None: nothing kept out.
EMPTY = (None, "under 5", "10 to 17", "care leavers", "KS2")
OC2_FLAGS = ("CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT",
             "SUBSTANCE_MISUSE")  # fmt: skip


def _dob(draw, empty):
    if empty == "under 5":  # 5 or over at E: born on or before 31 March 2020
        return date(2005, 1, 1) + timedelta(days=draw(st.integers(0, 5568)))
    if empty == "10 to 17":  # under 10 (born after 31 Mar 2015) or 18 and over at E
        return draw(st.sampled_from([date(2015, 4, 1), date(2005, 1, 1)])) + timedelta(
            days=draw(st.integers(0, 800))
        )
    return date(2005, 1, 1) + timedelta(days=draw(st.integers(0, 7000)))


@st.composite
def histories(draw):
    """Header, Episodes, OC2, OC3 and attainment for 1-10 children, as the clean stage writes.

    With an empty sub-cohort drawn from ``EMPTY``, and some children's Header rows left out
    (their episodes and other rows stay: a child in no Header of any return).
    """
    empty = draw(st.sampled_from(EMPTY))
    header, eps, oc2, oc3, att = [], [], [], [], []
    for i in range(draw(st.integers(1, 10))):
        child = f"c{i}"
        dob = _dob(draw, empty)
        if not draw(st.integers(0, 5)) == 0:  # one child in six has no Header row
            header.append(
                [
                    child,
                    draw(st.sampled_from(["M", "F", "U"])),
                    dob,
                    draw(st.sampled_from(["WBRI", "MWBC", "APKN", "BAFR", "CHNE", "REFU", ""])),
                ]
            )
        if draw(st.booleans()):
            flags = {c: draw(st.sampled_from(["1", "0", ""])) for c in OC2_FLAGS}
            sdq = draw(st.sampled_from(["", "0", "13", "14", "17", "40"]))
            oc2.append({"CHILD": child, "DOB": dob, "SDQ_SCORE": sdq, **flags})
        if empty != "care leavers" and draw(st.booleans()):
            oc3.append(
                {
                    "CHILD": child,
                    "DOB": dob,
                    "IN_TOUCH": draw(st.sampled_from(["YES", "NO", "DIED", "REFU", ""])),
                    "ACTIV": draw(st.sampled_from(["F1", "P2", "G4", "0", ""])),
                    "ACCOM": draw(st.sampled_from(["B1", "H2", "G1", "R1", "S2", ""])),
                }
            )
        if draw(st.booleans()):
            ks = "KS4" if empty == "KS2" else draw(st.sampled_from(["KS2", "KS4"]))
            measure = draw(st.sampled_from(["RWM_EXS", "READ_EXS"] if ks == "KS2" else
                                           ["ATT8", "EM4"]))  # fmt: skip
            value = draw(st.sampled_from(["0", "1", "", "x", "40"]))
            att.append([child, "", "2024/25", ks, measure, value])
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
    return tables(header, eps, oc2, oc3, att)


def _yearly(name: str, rows: list[dict]) -> pd.DataFrame:
    """A yearly table (OC2, OC3) of the 2024-25 return: text columns, dates as dates."""
    t = schema.ALL_TABLES[name]
    df = pd.DataFrame(rows, columns=list(t.columns), dtype=object).fillna("")
    for c in t.columns:
        df[c] = pd.to_datetime(df[c]) if c in t.dates else df[c].astype("str")
    if name == "OC2":
        df["SDQ_SCORE"] = pd.to_numeric(df["SDQ_SCORE"], errors="coerce")
    return df.assign(_year="2024-25")


def tables(header, eps, oc2=(), oc3=(), att=()) -> dict[str, pd.DataFrame]:
    h = pd.DataFrame(header, columns=["CHILD", "SEX", "DOB", "ETHNIC"])
    h["DOB"] = pd.to_datetime(h["DOB"])
    e = pd.DataFrame(eps, columns=EP_COLS)
    e["DECOM"] = pd.to_datetime(e["DECOM"])
    e["DEC"] = pd.to_datetime(e["DEC"])
    a = pd.DataFrame(list(att), columns=list(schema.ATTAINMENT_COLUMNS), dtype="str")
    return {
        "Header": h,
        "Episodes": e,
        "OC2": _yearly("OC2", list(oc2)),
        "OC3": _yearly("OC3", list(oc3)),
        "attainment": a,
    }


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
        # a value that cannot be computed says why: no one in the cohort, or not available
        if pd.isna(r.value):
            assert r.denominator == 0 or pd.isna(r.numerator), (r.indicator, r.breakdown)


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
        **t,
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


# Counts of children that do not need an age, sex or ethnicity: a child with episodes and no
# Header row is still counted in them (docs/validation.md, "Children missing from a table").
NOT_FROM_HEADER = ("cla_at_end", "cla_started", "cla_ceased", "cla_during_year",
                   "placements_3plus_pct", "missing_pct", "adopted_pct")  # fmt: skip


@SETTINGS
@given(histories(), st.randoms(use_true_random=False))
def test_a_child_without_a_header_row_is_still_counted(t, rnd):
    header = t["Header"]
    kept = header.loc[[rnd.random() < 0.5 for _ in range(len(header))]]
    fewer = figures({**t, "Header": kept.reset_index(drop=True)})
    full = figures(t)
    for ind in NOT_FROM_HEADER:
        a = full.loc[(full["indicator"] == ind) & (full["breakdown"] == "")]
        b = fewer.loc[(fewer["indicator"] == ind) & (fewer["breakdown"] == "")]
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
