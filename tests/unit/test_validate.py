"""Data checks: every check fails on a tiny hand-made bad row and passes on a good one.

Each case is worked by hand from the check's definition (and the DfE rule it mirrors): rows
marked ``True`` must be the exact rows the check flags (by spreadsheet row number), rows
marked ``False`` must pass. The real suites in ``expectations/`` run through Great
Expectations; nothing is mocked.
"""

from __future__ import annotations

import atexit
import csv
import json
import shutil
import tempfile
from dataclasses import asdict
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from pipeline import schema
from pipeline.checks import validate
from pipeline.clean.history import as_returned, build_history, pseudonymise
from pipeline.read.returns import SOURCE_FILE, SOURCE_ROW, YearReturn, read_history
from pipeline.spec.period import parse_period

YEAR = "2025-26"  # S = 01/04/2025, E = 31/03/2026
KEY = b"validate-test-key-0123"

HEADER = {"CHILD": "1", "SEX": "M", "DOB": "01/06/2012", "ETHNIC": "WBRI", "UPN": "A123456789012"}
EPISODE = {
    "CHILD": "1",
    "DECOM": "01/05/2025",
    "RNE": "S",
    "LS": "C2",
    "CIN": "N1",
    "PLACE": "U4",
    "PLACE_PROVIDER": "PR1",
}


def frame(table: str, rows: list[dict], year: str = YEAR) -> pd.DataFrame:
    """A table as the reader gives it: text, every column, file and spreadsheet row."""
    cols = schema.tables_for_year(year).get(table, schema.ALL_TABLES[table]).columns
    df = pd.DataFrame(
        [{c: r.get(c, "") for c in cols} for r in rows], columns=list(cols), dtype=str
    )
    df[SOURCE_FILE] = f"{table}.csv"
    df[SOURCE_ROW] = range(2, 2 + len(df))
    return df


def checked_frame(table: str, tables: dict[str, list[dict]], year: str, extra: dict):
    """``table`` of a one-year return as stage 20 checks it."""
    ret = YearReturn(year, {n: frame(n, rows, year) for n, rows in tables.items()})
    df = validate.year_data(as_returned([ret], KEY)[0]).frames[table]
    for col, values in extra.items():  # derived from the stitched history in a real run
        df[col] = df["CHILD"].isin(set(pseudonymise(pd.Series(list(values), dtype=str), KEY)))
    return df


def flagged(check_id: str, tables: dict[str, list[dict]], year: str = YEAR, **extra) -> set:
    """Spreadsheet rows that ``check_id`` flags in its own table of a one-year return."""
    table = next(c for c in validate.checks_for_all(year) if c.id == check_id).table
    df = checked_frame(table, tables, year, extra)
    found = validate.run_suite(table, year, df, root=one_check(check_id, table, year))
    assert [f.check for f in found] == [check_id]
    rows = set(found[0].rows.get(f"{table}.csv", []))
    assert found[0].failing == len(rows) or not rows
    return rows


@cache
def one_check(check_id: str, table: str, year: str) -> Path:
    """A folder of kept suites holding only ``check_id``'s expectation, as the kept suite has it.

    Great Expectations checks each expectation on its own, so this one finds what the whole
    suite finds for it (``test_one_check_finds_what_the_whole_suite_finds``) at a fraction
    of the cost: the whole suite per case was most of this module's time.
    """
    spec = json.loads(validate.suite_path(table, year).read_text())
    spec["expectations"] = [e for e in spec["expectations"] if e["meta"]["check"] == check_id]
    spec["name"] += f" / {check_id}"  # a context holds each suite name once
    root = Path(tempfile.mkdtemp(prefix="corpar-one-check-"))
    atexit.register(shutil.rmtree, root, True)
    path = validate.suite_path(table, year, root)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(spec))
    return root


def expect(check_id, table, marked, year=YEAR, others=None, **extra):
    """Rows of ``table`` marked True must be exactly those flagged."""
    rows = [r for r, _ in marked]
    want = {i + 2 for i, (_, bad) in enumerate(marked) if bad}
    tables = {"Header": [HEADER], **(others or {}), table: rows}
    assert flagged(check_id, tables, year, **extra) == want, check_id


COVERED: set[str] = set()


def case(check_id, table, marked, year=YEAR, others=None, **extra):
    return pytest.param(check_id, table, marked, year, others or {}, extra, id=check_id)


def ep(**kw) -> dict:
    return {**EPISODE, **kw}


def hd(**kw) -> dict:
    return {**HEADER, **kw}


def sw(**kw) -> dict:
    """A social worker episode, every field given (each case blanks what it tests)."""
    return {"CHILD": "1", "SW_ID": "SW1", "SW_DECOM": "01/06/2023", "SW_REASON": "MANAGE", **kw}


OC2_BASE = {"CHILD": "1", "DOB": "01/06/2012"}
CASES = [
    # -- Episodes -------------------------------------------------------------------------
    case(
        "Episodes.DEC.after_DECOM",
        "Episodes",
        [
            (ep(DEC="30/04/2025", REC="E13"), True),
            (ep(CHILD="2", DEC="01/05/2025", REC="E13"), False),
        ],
    ),
    case(
        "Episodes.DEC.previous_ended",
        "Episodes",
        [
            (ep(), True),
            (ep(DECOM="01/06/2025", RNE="P"), False),
            (ep(CHILD="2", DEC="01/06/2025", REC="X1"), False),
            (ep(CHILD="2", DECOM="01/06/2025", RNE="P"), False),
        ],
    ),
    # DfE 142: every episode but a child's last has DEC and REC.
    case(
        "Episodes.REC.previous_ended",
        "Episodes",
        [
            (ep(DEC="01/06/2025"), True),
            (ep(DECOM="01/06/2025", RNE="P"), False),
            (ep(CHILD="2", DEC="01/06/2025", REC="X1"), False),
            (ep(CHILD="2", DECOM="01/06/2025", RNE="P"), False),
            (ep(CHILD="3", DEC="01/06/2025"), False),  # the last episode: 148's row only
        ],
    ),
    case(
        "Episodes.REC.with_DEC",
        "Episodes",
        [(ep(DEC="01/06/2025"), True), (ep(CHILD="2", DEC="01/06/2025", REC="E13"), False)],
    ),
    case(
        "Episodes.DEC.with_REC",
        "Episodes",
        [(ep(REC="E13"), True), (ep(CHILD="2"), False)],
    ),
    case(
        "Episodes.DEC.in_year",
        "Episodes",
        [
            (ep(DEC="01/04/2026", REC="E13"), True),
            (ep(CHILD="2", DEC="31/03/2026", REC="E13"), False),
        ],
    ),
    case(
        "Episodes.DECOM.in_year",
        "Episodes",
        [
            (ep(DECOM="01/04/2026"), True),
            (ep(CHILD="2", DECOM="13/10/1991"), True),
            (ep(CHILD="3", DECOM="14/10/1991"), False),
        ],
    ),
    case(
        "Episodes.continuation.same_day",
        "Episodes",
        [
            (ep(DEC="01/06/2025", REC="X1"), False),
            (ep(DECOM="02/06/2025", RNE="P"), True),
            (ep(CHILD="2", DEC="01/06/2025", REC="X1"), False),
            (ep(CHILD="2", DECOM="01/06/2025", RNE="P"), False),
            (ep(CHILD="3", DEC="01/06/2025", REC="E13"), False),
            (ep(CHILD="3", DECOM="01/09/2025", RNE="S"), False),
        ],
    ),
    # Placements DfE names as having no provider: 526 and 178 T0-T4 and Z1 until 2024-25;
    # from 2025-26 526 and 213 T0-T4 and Z11-Z14, 178 T0-T3 and Z11-Z14.
    case(
        "Episodes.PLACE_PROVIDER.required",
        "Episodes",
        [
            (ep(PLACE_PROVIDER=""), True),
            (ep(CHILD="2", PLACE="T1", PLACE_PROVIDER=""), False),
            (ep(CHILD="3", PLACE="Z11", PLACE_PROVIDER=""), False),
        ],
    ),
    case(
        "Episodes.PLACE_PROVIDER.required",
        "Episodes",
        [
            (ep(PLACE_PROVIDER=""), True),
            (ep(CHILD="2", PLACE="Z1", PLACE_PROVIDER=""), False),
        ],
        year="2024-25",
    ),
    case(
        "Episodes.PLACE_PROVIDER.not_for_temporary",
        "Episodes",
        [
            (ep(PLACE="T1"), True),
            (ep(CHILD="2", PLACE="T1", PLACE_PROVIDER=""), False),
            (ep(CHILD="3", PLACE="Z12", PLACE_PROVIDER="PR4"), True),
            (ep(CHILD="4", PLACE="T4", PLACE_PROVIDER="PR4"), True),
        ],
    ),
    case(
        "Episodes.PLACE_PROVIDER.not_for_temporary",
        "Episodes",
        [(ep(PLACE="T0"), True), (ep(CHILD="2", PLACE="Z1"), False)],
        year="2024-25",
    ),
    case(
        "Episodes.PLACE_PROVIDER.not_for_place",
        "Episodes",
        [
            (ep(PLACE="T3"), True),
            (ep(CHILD="2", PLACE="Z13"), True),
            (ep(CHILD="3", PLACE="T4"), False),  # 213's row
            (ep(CHILD="4"), False),
            (ep(CHILD="5", PLACE="Z14", PLACE_PROVIDER=""), False),
        ],
    ),
    case(
        "Episodes.PLACE_PROVIDER.not_for_place",
        "Episodes",
        [
            (ep(PLACE="Z1", PLACE_PROVIDER="PR4"), True),
            (ep(CHILD="2", PLACE="T4"), True),
            (ep(CHILD="3"), False),
        ],
        year="2024-25",
    ),
    case(
        "Episodes.PLACE_PROVIDER.PR0_place",
        "Episodes",
        [
            (ep(PLACE_PROVIDER="PR0"), True),
            (ep(CHILD="2", PLACE="P1", PLACE_PROVIDER="PR0"), False),
        ],
    ),
    case(
        "Episodes.PLACE_PROVIDER.PR1_place",
        "Episodes",
        [(ep(PLACE="R2"), True), (ep(CHILD="2"), False)],
    ),
    case(
        "Episodes.PLACE_PROVIDER.PR2_place",
        "Episodes",
        [
            (ep(PLACE="R5", PLACE_PROVIDER="PR2"), True),
            (ep(CHILD="2", PLACE_PROVIDER="PR2"), False),
        ],
    ),
    case(
        "Episodes.PLACE_PROVIDER.PR3_place",
        "Episodes",
        [
            (ep(PLACE="K1", PLACE_PROVIDER="PR3"), True),
            (ep(CHILD="2", PLACE="R1", PLACE_PROVIDER="PR3"), False),
        ],
    ),
    case(
        "Episodes.PLACE_PROVIDER.PR4_place",
        "Episodes",
        [
            (ep(PLACE="P1", PLACE_PROVIDER="PR4"), True),
            (ep(CHILD="2", PLACE_PROVIDER="PR4"), False),
        ],
    ),
    case(
        "Episodes.PLACE_PROVIDER.PR5_place",
        "Episodes",
        [
            (ep(PLACE="P1", PLACE_PROVIDER="PR5"), True),
            (ep(CHILD="2", PLACE_PROVIDER="PR5"), False),
        ],
    ),
    case(
        "Episodes.PLACE.not_temporary_at_start",
        "Episodes",
        [(ep(PLACE="T1", PLACE_PROVIDER=""), True), (ep(CHILD="2", RNE="P", PLACE="T1"), False)],
    ),
    case(
        "Episodes.PLACE.not_temporary_at_end",
        "Episodes",
        [
            (ep(RNE="P", PLACE="T1", DEC="01/06/2025", REC="E13"), True),
            (ep(CHILD="2", RNE="P", PLACE="T1", DEC="01/06/2025", REC="X1"), False),
        ],
    ),
    case(
        "Episodes.PLACE.short_break_not_temporary",
        "Episodes",
        [(ep(LS="V3", PLACE="T2"), True), (ep(CHILD="2", PLACE="T2"), False)],
    ),
    case(
        "Episodes.PLACE.short_break_not_long_term_foster",
        "Episodes",
        [(ep(LS="V4", PLACE="U1"), True), (ep(CHILD="2", LS="V3", PLACE="U3"), False)],
    ),
    case(
        "Episodes.LS.placed_with_parents_not_V2",
        "Episodes",
        [(ep(LS="V2", PLACE="P1"), True), (ep(CHILD="2", PLACE="P1"), False)],
    ),
    case(
        "Episodes.RNE.adoption_by_foster_carers",
        "Episodes",
        [(ep(RNE="P", PLACE="A3"), True), (ep(CHILD="2", RNE="T", PLACE="A5"), False)],
    ),
    case(
        "Episodes.PLACE.K3_from_date",
        "Episodes",
        [
            (ep(DECOM="27/10/2023", PLACE="K3"), True),
            (ep(CHILD="2", DECOM="28/10/2023", PLACE="K3"), False),
        ],
        year="2023-24",
    ),
    case(
        "Episodes.PLACE.H5_P2_until_date",
        "Episodes",
        [
            (ep(DECOM="28/10/2023", PLACE="P2"), True),
            (ep(CHILD="2", DECOM="27/10/2023", PLACE="H5"), False),
        ],
        year="2023-24",
    ),
    case(
        "Episodes.PLACE.Z1_until_date",
        "Episodes",
        [
            (ep(DECOM="01/04/2025", PLACE="Z1"), True),
            (ep(CHILD="2", DECOM="31/03/2025", PLACE="Z1"), False),
        ],
    ),
    case(
        "Episodes.LS.D1_until_2005",
        "Episodes",
        [
            (ep(DECOM="01/01/2006", LS="D1"), True),
            (ep(CHILD="2", DECOM="01/12/2005", LS="D1"), False),
        ],
    ),
    # Ages: child 1 is born 01/06/2012 (Header); child 2's DOB is given per case.
    case(
        "Episodes.age.started_under_18",
        "Episodes",
        [(ep(CHILD="2", DECOM="01/06/2025"), True), (ep(), False)],
        others={"Header": [HEADER, hd(CHILD="2", DOB="01/06/2007")]},
    ),
    # DfE 371: at least 14 in H5 until 2022-23; at least 16 from 2023-24 (H5, and K3).
    case(
        "Episodes.age.supported_accommodation",
        "Episodes",
        [(ep(PLACE="K3"), True), (ep(CHILD="2", DECOM="01/06/2025", PLACE="K3"), False)],
        others={"Header": [HEADER, hd(CHILD="2", DOB="01/06/2009")]},
    ),
    case(
        "Episodes.age.supported_accommodation",
        "Episodes",
        [
            (ep(CHILD="2", DECOM="01/05/2022", PLACE="H5"), True),  # 13
            (ep(CHILD="3", DECOM="01/05/2022", PLACE="H5"), False),  # 14 that day
            (ep(CHILD="4", DECOM="01/05/2022", PLACE="H5"), False),  # 14
        ],
        year="2022-23",
        others={
            "Header": [
                hd(CHILD="2", DOB="01/06/2008"),
                hd(CHILD="3", DOB="01/05/2008"),
                hd(CHILD="4", DOB="01/06/2007"),
            ]
        },
    ),
    case(
        "Episodes.age.supported_accommodation",
        "Episodes",
        [
            (ep(CHILD="2", DECOM="01/05/2023", PLACE="H5"), True),  # 14
            (ep(CHILD="2", DECOM="01/11/2023", PLACE="K3"), True),  # 15
            (ep(CHILD="3", DECOM="01/05/2023", PLACE="H5"), False),  # 16 that day
        ],
        year="2023-24",
        others={"Header": [hd(CHILD="2", DOB="01/06/2008"), hd(CHILD="3", DOB="01/05/2007")]},
    ),
    case(
        "Episodes.age.school_4",
        "Episodes",
        [(ep(CHILD="2", PLACE="S1"), True), (ep(PLACE="S1"), False)],
        others={"Header": [HEADER, hd(CHILD="2", DOB="02/05/2021")]},
    ),
    case(
        "Episodes.age.residential_employment_14",
        "Episodes",
        [(ep(PLACE="P3"), True), (ep(CHILD="2", PLACE="P3"), False)],
        others={"Header": [HEADER, hd(CHILD="2", DOB="01/05/2011")]},
    ),
    case(
        "Episodes.age.custody_10",
        "Episodes",
        [(ep(CHILD="2", PLACE="R5"), True), (ep(PLACE="R5"), False)],
        others={"Header": [HEADER, hd(CHILD="2", DOB="02/05/2015")]},
    ),
    case(
        "Episodes.age.independent_living_14",
        "Episodes",
        [
            (ep(DEC="31/05/2026", REC="E5"), True),
            (ep(CHILD="2", DEC="31/05/2025", REC="E6"), False),
        ],
        others={"Header": [HEADER, hd(CHILD="2", DOB="31/05/2011")]},
    ),
    case(
        "Episodes.age.adult_services_16",
        "Episodes",
        [
            (ep(DEC="01/06/2025", REC="E7"), True),
            (ep(CHILD="2", DEC="01/06/2025", REC="E7"), False),
        ],
        others={"Header": [HEADER, hd(CHILD="2", DOB="01/06/2009")]},
    ),
    case(
        "Episodes.age.stayed_put_18",
        "Episodes",
        [
            (ep(CHILD="2", DEC="31/05/2025", REC="E17"), True),
            (ep(CHILD="3", DEC="01/06/2025", REC="E17"), False),
        ],
        others={
            "Header": [HEADER, hd(CHILD="2", DOB="01/06/2007"), hd(CHILD="3", DOB="01/06/2007")]
        },
    ),
    case(
        "Episodes.age.adopted_under_18",
        "Episodes",
        [
            (ep(CHILD="2", DEC="01/06/2025", REC="E11"), True),
            (ep(CHILD="2", DEC="31/05/2025", REC="E12"), False),
        ],
        others={"Header": [HEADER, hd(CHILD="2", DOB="01/06/2007")]},
    ),
    case(
        "Episodes.DECOM.after_birth",
        "Episodes",
        [(ep(DECOM="31/05/2012"), True), (ep(CHILD="2", DECOM="01/06/2012"), False)],
        others={"Header": [HEADER, hd(CHILD="2")]},  # both born 01/06/2012
    ),
    case("Episodes.header.present", "Episodes", [(ep(CHILD="9"), True), (ep(), False)]),
    # -- Header ---------------------------------------------------------------------------
    case(
        "Header.UPN.format",
        "Header",
        [(hd(UPN="A12345678901"), True), (hd(CHILD="2", UPN="UN3"), False), (hd(CHILD="3"), False)],
    ),
    case(
        "Header.UPN.format",
        "Header",
        [(hd(UPN="UN6"), True), (hd(CHILD="2", UPN="UN5"), False)],
    ),
    # DfE's UPN letters are A-Z less I, O and S: as the check letter and as a temporary
    # UPN's last character.
    case(
        "Header.UPN.format",
        "Header",
        [
            (hd(UPN="I123456789012"), True),
            (hd(CHILD="2", UPN="O123456789012"), True),
            (hd(CHILD="3", UPN="S123456789012"), True),
            (hd(CHILD="4", UPN="X12345678901S"), True),
            (hd(CHILD="5", UPN="X12345678901A"), False),
        ],
    ),
    # Check letters worked by hand: characters 2-13 times weights 2-13, sum mod 23, in
    # A-Z less I, O, S (A = 0). 123456789012: 368 = 16 x 23, so A. 801200005001: 93 =
    # 4 x 23 + 1, so B. 12345678901A (the A counts 0): 342 = 14 x 23 + 20, so X.
    case(
        "Header.UPN.check_letter",
        "Header",
        [
            (hd(UPN="B123456789012"), True),
            (hd(CHILD="2"), False),  # A123456789012
            (hd(CHILD="3", UPN="B801200005001"), False),
            (hd(CHILD="4", UPN="A801200005001"), True),
            (hd(CHILD="5", UPN="X12345678901A"), False),
            (hd(CHILD="6", UPN="Y12345678901A"), True),
            (hd(CHILD="7", UPN="UN2"), False),
            (hd(CHILD="8", UPN="A12345678901"), False),  # the format check's rows
            (hd(CHILD="10", UPN="I123456789012"), False),
            (hd(CHILD="9", UPN=""), False),
        ],
    ),
    case("Header.UPN.not_blank", "Header", [(hd(UPN=""), True), (hd(CHILD="2"), False)]),
    case(
        "Header.DOB.not_after_year",
        "Header",
        [(hd(DOB="01/04/2026"), True), (hd(CHILD="2", DOB="31/03/2026"), False)],
    ),
    case(
        "Header.DOB.under_25",
        "Header",
        [(hd(DOB="01/04/1999"), True), (hd(CHILD="2", DOB="02/04/1999"), False)],
    ),
    case(
        "Header.MC_DOB.mother",
        "Header",
        [
            (hd(SEX="F", MOTHER="1"), True),
            (hd(CHILD="2", SEX="F", MOTHER="1", MC_DOB="01/01/2026"), False),
        ],
    ),
    case(
        "Header.MC_DOB.not_mother",
        "Header",
        [
            (hd(SEX="F", MOTHER="0", MC_DOB="01/01/2026"), True),
            (hd(CHILD="2", SEX="F", MOTHER="0"), False),
        ],
    ),
    case(
        "Header.MC_DOB.male",
        "Header",
        [(hd(MC_DOB="01/01/2026"), True), (hd(CHILD="2", SEX="F", MC_DOB="01/01/2026"), False)],
    ),
    case(
        "Header.MC_DOB.after_DOB",
        "Header",
        [
            (hd(SEX="F", MC_DOB="01/01/2010"), True),
            (hd(CHILD="2", SEX="F", MC_DOB="01/01/2026"), False),
        ],
    ),
    case(
        "Header.OC2.present_for_cohort",
        "Header",
        [(hd(), True), (hd(CHILD="2"), False), (hd(CHILD="3"), False)],
        others={"OC2": [{**OC2_BASE, "CHILD": "2"}]},
        _cla12={"1", "2"},
    ),
    # -- OC2 (E = 31/03/2026) -------------------------------------------------------------
    # DfE 190: outside the 12-month cohort, one of the eight cohort items filled in (the
    # SDQ is not one of them).
    case(
        "OC2.child.in_cohort",
        "OC2",
        [
            ({**OC2_BASE, "CONVICTED": "0"}, True),
            ({**OC2_BASE, "CHILD": "2", "CONVICTED": "0"}, False),
            ({**OC2_BASE, "CHILD": "3", "SDQ_SCORE": "10"}, False),
        ],
        _cla12={"2"},
    ),
    case(
        "OC2.SDQ_SCORE.range",
        "OC2",
        [
            ({**OC2_BASE, "SDQ_SCORE": "41"}, True),
            ({**OC2_BASE, "CHILD": "2", "SDQ_SCORE": "40"}, False),
        ],
    ),
    case(
        "OC2.SDQ_SCORE.readable",
        "OC2",
        [
            ({**OC2_BASE, "SDQ_SCORE": "abc"}, True),
            ({**OC2_BASE, "CHILD": "2", "SDQ_SCORE": "0"}, False),
        ],
    ),
    case(
        "OC2.SDQ_SCORE.under_4",
        "OC2",
        [
            ({"CHILD": "1", "DOB": "01/04/2022", "SDQ_SCORE": "10"}, True),
            ({"CHILD": "2", "DOB": "31/03/2022", "SDQ_SCORE": "10"}, False),
        ],
    ),
    case(
        "OC2.SDQ_SCORE.over_16",
        "OC2",
        [
            ({"CHILD": "1", "DOB": "01/04/2008", "SDQ_SCORE": "10"}, True),
            ({"CHILD": "2", "DOB": "02/04/2008", "SDQ_SCORE": "10"}, False),
        ],
    ),
    # DfE 189: aged 17 or over at the beginning of the year (S = 01/04/2025).
    case(
        "OC2.SDQ_REASON.over_16",
        "OC2",
        [
            ({"CHILD": "1", "DOB": "01/04/2008", "SDQ_REASON": "SDQ1"}, True),
            ({"CHILD": "2", "DOB": "02/04/2008", "SDQ_REASON": "SDQ1"}, False),
            ({"CHILD": "3", "DOB": "01/04/2008"}, False),
        ],
    ),
    case(
        "OC2.SDQ_SCORE.due",
        "OC2",
        [(OC2_BASE, True), ({**OC2_BASE, "CHILD": "2", "SDQ_REASON": "SDQ1"}, False)],
    ),
    case(
        "OC2.SDQ_REASON.with_score",
        "OC2",
        [
            ({**OC2_BASE, "SDQ_SCORE": "10", "SDQ_REASON": "SDQ1"}, True),
            ({**OC2_BASE, "CHILD": "2", "SDQ_SCORE": "10"}, False),
        ],
    ),
    case(
        "OC2.CONVICTED.under_10",
        "OC2",
        [
            ({"CHILD": "1", "DOB": "01/04/2016", "CONVICTED": "0"}, True),
            ({"CHILD": "2", "DOB": "31/03/2016", "CONVICTED": "0"}, False),
        ],
    ),
    case(
        "OC2.CONVICTED.due",
        "OC2",
        [(OC2_BASE, True), ({**OC2_BASE, "CHILD": "2", "CONVICTED": "0"}, False)],
        _cla12={"1", "2"},
    ),
    case(
        "OC2.HEALTH_CHECK.under_5",
        "OC2",
        [
            ({"CHILD": "1", "DOB": "01/04/2021"}, True),
            ({"CHILD": "2", "DOB": "01/04/2021", "HEALTH_CHECK": "1"}, False),
        ],
        _cla12={"1", "2"},
    ),
    # DfE 546: 5 or over at 31 March and in the 12-month cohort (child 3 is 5, not in it).
    case(
        "OC2.HEALTH_CHECK.over_5",
        "OC2",
        [
            ({"CHILD": "1", "DOB": "31/03/2021", "HEALTH_CHECK": "0"}, True),
            ({"CHILD": "2", "DOB": "01/04/2021", "HEALTH_CHECK": "0"}, False),
            ({"CHILD": "3", "DOB": "31/03/2021", "HEALTH_CHECK": "1"}, False),
        ],
        _cla12={"1", "2"},
    ),
    case(
        "OC2.INTERVENTION_RECEIVED.substance_misuse",
        "OC2",
        [
            ({**OC2_BASE, "SUBSTANCE_MISUSE": "1"}, True),
            (
                {**OC2_BASE, "CHILD": "2", "SUBSTANCE_MISUSE": "1", "INTERVENTION_RECEIVED": "0"},
                False,
            ),
        ],
    ),
    case(
        "OC2.INTERVENTION_RECEIVED.no_substance_misuse",
        "OC2",
        [
            ({**OC2_BASE, "SUBSTANCE_MISUSE": "0", "INTERVENTION_RECEIVED": "0"}, True),
            ({**OC2_BASE, "CHILD": "2", "SUBSTANCE_MISUSE": "0"}, False),
        ],
    ),
    case(
        "OC2.INTERVENTION_OFFERED.received",
        "OC2",
        [
            ({**OC2_BASE, "INTERVENTION_RECEIVED": "1", "INTERVENTION_OFFERED": "0"}, True),
            ({**OC2_BASE, "CHILD": "2", "INTERVENTION_RECEIVED": "1"}, False),
        ],
    ),
    case(
        "OC2.INTERVENTION_OFFERED.not_received",
        "OC2",
        [
            ({**OC2_BASE, "INTERVENTION_RECEIVED": "0"}, True),
            (
                {
                    **OC2_BASE,
                    "CHILD": "2",
                    "INTERVENTION_RECEIVED": "0",
                    "INTERVENTION_OFFERED": "1",
                },
                False,
            ),
        ],
    ),
    case("OC2.header.present", "OC2", [({**OC2_BASE, "CHILD": "9"}, True), (OC2_BASE, False)]),
    # -- OC3 ------------------------------------------------------------------------------
    case(
        "OC3.age.17_to_21",
        "OC3",
        [
            ({"CHILD": "1", "DOB": "01/04/2009"}, True),  # 16 at E
            ({"CHILD": "2", "DOB": "31/03/2004"}, True),  # 22 at E
            ({"CHILD": "3", "DOB": "31/03/2009"}, False),  # 17 on E
        ],
    ),
    case(
        "OC3.child.was_looked_after",
        "OC3",
        [({"CHILD": "1"}, True), ({"CHILD": "2"}, False)],
        _ever_looked_after={"2"},
    ),
    case(
        "OC3.ACTIV.blank_when_died_or_home",
        "OC3",
        [
            ({"CHILD": "1", "IN_TOUCH": "DIED", "ACTIV": "F1"}, True),
            ({"CHILD": "2", "IN_TOUCH": "DIED"}, False),
        ],
    ),
    case(
        "OC3.ACCOM.blank_when_died_or_home",
        "OC3",
        [
            ({"CHILD": "1", "IN_TOUCH": "RHOM", "ACCOM": "B1"}, True),
            ({"CHILD": "2", "IN_TOUCH": "RHOM"}, False),
        ],
    ),
    case(
        "OC3.ACTIV.known_when_in_touch",
        "OC3",
        [
            ({"CHILD": "1", "IN_TOUCH": "YES", "ACTIV": "0"}, True),
            ({"CHILD": "2", "IN_TOUCH": "NO", "ACTIV": "0"}, False),
        ],
    ),
    case(
        "OC3.ACCOM.known_when_in_touch",
        "OC3",
        [
            ({"CHILD": "1", "IN_TOUCH": "YES", "ACCOM": "0"}, True),
            ({"CHILD": "2", "IN_TOUCH": "YES", "ACCOM": "B1"}, False),
        ],
    ),
    # DfE 132/133 list neither historic ACTIV F3/P3 nor ACCOM S1/X1 (no fixed abode and
    # custody are never suitable).
    case(
        "OC3.ACTIV.valid_code",
        "OC3",
        [
            ({"CHILD": "1", "IN_TOUCH": "YES", "ACTIV": "F3"}, True),
            ({"CHILD": "2", "IN_TOUCH": "YES", "ACTIV": "P3"}, True),
            ({"CHILD": "3", "IN_TOUCH": "YES", "ACTIV": "F2"}, False),
        ],
    ),
    case(
        "OC3.ACCOM.valid_code",
        "OC3",
        [
            ({"CHILD": "1", "IN_TOUCH": "YES", "ACCOM": "X1"}, True),
            ({"CHILD": "2", "IN_TOUCH": "YES", "ACCOM": "S1"}, True),
            ({"CHILD": "3", "IN_TOUCH": "YES", "ACCOM": "X2"}, False),
            ({"CHILD": "4", "IN_TOUCH": "YES", "ACCOM": "S2"}, False),
        ],
    ),
    # -- Reviews (child 1 looked after from 01/05/2025) ------------------------------------
    case(
        "Reviews.REVIEW.in_care",
        "Reviews",
        [
            ({"CHILD": "1", "REVIEW": "30/04/2025", "REVIEW_CODE": "PN1"}, True),
            ({"CHILD": "1", "REVIEW": "01/05/2025", "REVIEW_CODE": "PN1"}, False),
        ],
        others={"Episodes": [ep()]},
    ),
    case(
        "Reviews.REVIEW_CODE.under_4",
        "Reviews",
        [
            ({"CHILD": "2", "REVIEW": "01/06/2025", "REVIEW_CODE": "PN1"}, True),
            ({"CHILD": "2", "REVIEW": "01/07/2025", "REVIEW_CODE": "PN0"}, False),
        ],
        others={"Header": [HEADER, hd(CHILD="2", DOB="02/06/2021")]},
    ),
    case(
        "Reviews.REVIEW_CODE.over_4",
        "Reviews",
        [
            ({"CHILD": "2", "REVIEW": "02/06/2025", "REVIEW_CODE": "PN0"}, True),
            ({"CHILD": "2", "REVIEW": "01/06/2025", "REVIEW_CODE": "PN0"}, False),
        ],
        others={"Header": [HEADER, hd(CHILD="2", DOB="02/06/2021")]},
    ),
    # -- Missing (child 1 looked after 01/05/2025 to 01/06/2025) ---------------------------
    case(
        "Missing.MISSING.with_start",
        "Missing",
        [
            ({"CHILD": "1", "MIS_START": "10/05/2025"}, True),
            ({"CHILD": "1", "MIS_START": "11/05/2025", "MISSING": "M"}, False),
        ],
    ),
    case(
        "Missing.MIS_END.after_start",
        "Missing",
        [
            (
                {"CHILD": "1", "MISSING": "M", "MIS_START": "10/05/2025", "MIS_END": "09/05/2025"},
                True,
            ),
            (
                {"CHILD": "1", "MISSING": "M", "MIS_START": "11/05/2025", "MIS_END": "11/05/2025"},
                False,
            ),
        ],
    ),
    case(
        "Missing.MIS_START.in_year",
        "Missing",
        [
            ({"CHILD": "1", "MISSING": "M", "MIS_START": "01/04/2026"}, True),
            ({"CHILD": "1", "MISSING": "M", "MIS_START": "31/03/2026"}, False),
        ],
    ),
    case(
        "Missing.MIS_START.after_care_started",
        "Missing",
        [
            ({"CHILD": "1", "MISSING": "M", "MIS_START": "30/04/2025"}, True),
            ({"CHILD": "1", "MISSING": "M", "MIS_START": "01/05/2025"}, False),
        ],
        others={"Episodes": [ep(DEC="01/06/2025", REC="E13")]},
    ),
    case(
        "Missing.MIS_START.before_care_ended",
        "Missing",
        [
            (
                {"CHILD": "1", "MISSING": "M", "MIS_START": "02/06/2025", "MIS_END": "03/06/2025"},
                True,
            ),
            (
                {"CHILD": "1", "MISSING": "M", "MIS_START": "01/06/2025", "MIS_END": "01/06/2025"},
                False,
            ),
        ],
        others={"Episodes": [ep(DEC="01/06/2025", REC="E13")]},
    ),
    case(
        "Missing.MIS_END.when_care_ended",
        "Missing",
        [
            ({"CHILD": "1", "MISSING": "M", "MIS_START": "10/05/2025"}, True),
            (
                {"CHILD": "1", "MISSING": "A", "MIS_START": "11/05/2025", "MIS_END": "12/05/2025"},
                False,
            ),
        ],
        others={"Episodes": [ep(DEC="01/06/2025", REC="E13")]},
    ),
    # -- Other tables ---------------------------------------------------------------------
    case(
        "UASC.DUC.by_18",
        "UASC",
        [
            ({"CHILD": "1", "SEX": "M", "DOB": "01/06/2007", "DUC": "02/06/2025"}, True),
            ({"CHILD": "2", "SEX": "M", "DOB": "01/06/2007", "DUC": "01/06/2025"}, False),
        ],
    ),
    case(
        "PlacedAdoption.DATE_PLACED_CEASED.after_placed",
        "PlacedAdoption",
        [
            (
                {
                    "CHILD": "1",
                    "DATE_PLACED": "01/06/2025",
                    "DATE_PLACED_CEASED": "31/05/2025",
                    "REASON_PLACED_CEASED": "RD1",
                },
                True,
            ),
            (
                {
                    "CHILD": "2",
                    "DATE_PLACED": "01/06/2025",
                    "DATE_PLACED_CEASED": "01/06/2025",
                    "REASON_PLACED_CEASED": "RD1",
                },
                False,
            ),
        ],
    ),
    case(
        "PlacedAdoption.REASON_PLACED_CEASED.with_date",
        "PlacedAdoption",
        [
            ({"CHILD": "1", "DATE_PLACED": "01/06/2025", "DATE_PLACED_CEASED": "01/07/2025"}, True),
            ({"CHILD": "2", "DATE_PLACED": "01/06/2025"}, False),
        ],
    ),
    case(
        "AD1.DATE_MATCH.after_decision",
        "AD1",
        [
            ({"CHILD": "1", "DATE_INT": "01/06/2025", "DATE_MATCH": "31/05/2025"}, True),
            ({"CHILD": "2", "DATE_INT": "01/06/2025", "DATE_MATCH": "01/06/2025"}, False),
        ],
    ),
    case(
        "SWEpisodes.SW_ID.format",
        "SWEpisodes",
        [
            ({"CHILD": "1", "SW_ID": "AB12"}, True),
            ({"CHILD": "1", "SW_ID": "SW12"}, False),
            ({"CHILD": "1", "SW_ID": "XX"}, False),
        ],
    ),
    case(
        "SWEpisodes.SW_DEC.after_start",
        "SWEpisodes",
        [
            (
                {"CHILD": "1", "SW_ID": "SW1", "SW_DECOM": "01/06/2025", "SW_DEC": "31/05/2025"},
                True,
            ),
            (
                {"CHILD": "1", "SW_ID": "SW2", "SW_DECOM": "01/06/2025", "SW_DEC": "01/06/2025"},
                False,
            ),
        ],
    ),
    # Social worker episodes complete, as DfE's rules of each year say: 2023-24 SW03STG1
    # (all three, every episode); 2024-25 SW01a/bSTG1 (SW_REASON from 1 April 2023); from
    # 2025-26 SW13STG1 (SW_REASON from 1 April 2023) and SW02STG1 (a blank SW_ID).
    *[
        case(f"SWEpisodes.{col}.complete", "SWEpisodes", marked, year="2023-24")
        for col, marked in {
            "SW_ID": [
                (sw(SW_ID=""), True),
                (sw(SW_DECOM="01/07/2023"), False),
            ],
            "SW_DECOM": [
                (sw(SW_DECOM=""), True),
                (sw(SW_ID="SW2", SW_DECOM="31/02/2024"), False),  # unreadable: SW04STG1's
                (sw(SW_ID="SW3"), False),
            ],
            "SW_REASON": [
                (sw(SW_DECOM="01/03/2023", SW_REASON=""), True),
                (sw(SW_ID="SW2"), False),
            ],
        }.items()
    ],
    case(
        "SWEpisodes.SW_ID.complete_before_april_2023",
        "SWEpisodes",
        [
            (sw(SW_ID="", SW_DECOM="31/03/2023"), True),
            (sw(SW_ID="", SW_DECOM="01/04/2023"), False),  # the next check's
            (sw(SW_DECOM="31/03/2023"), False),
        ],
        year="2024-25",
    ),
    case(
        "SWEpisodes.SW_ID.complete",
        "SWEpisodes",
        [
            (sw(SW_ID="", SW_DECOM="01/04/2023"), True),
            (sw(SW_ID="", SW_DECOM="31/03/2023"), False),
            (sw(SW_DECOM="01/06/2024"), False),
        ],
        year="2024-25",
    ),
    case(
        "SWEpisodes.SW_DECOM.complete",
        "SWEpisodes",
        [(sw(SW_DECOM=""), True), (sw(SW_ID="SW2", SW_DECOM="01/06/2024"), False)],
        year="2024-25",
    ),
    case(
        "SWEpisodes.SW_REASON.complete",
        "SWEpisodes",
        [
            (sw(SW_DECOM="01/04/2023", SW_REASON=""), True),
            (sw(SW_ID="SW2", SW_DECOM="31/03/2023", SW_REASON=""), False),
            (sw(SW_ID="SW3", SW_DECOM="01/06/2024"), False),
        ],
        year="2024-25",
    ),
    case(
        "SWEpisodes.SW_ID.complete",
        "SWEpisodes",
        [(sw(SW_ID=""), True), (sw(SW_ID="XX01"), False)],
    ),
    case(
        "SWEpisodes.SW_REASON.complete",
        "SWEpisodes",
        [
            (sw(SW_DECOM="01/04/2023", SW_REASON=""), True),
            (sw(SW_ID="SW2", SW_DECOM="31/03/2023", SW_REASON=""), False),
            (sw(SW_ID="SW3", SW_DECOM="01/06/2025"), False),
        ],
    ),
    case(
        "DoLo.DOLO_END.after_start",
        "DoLo",
        [
            ({"CHILD": "1", "DOLO_START": "01/06/2026", "DOLO_END": "31/05/2026"}, True),
            ({"CHILD": "2", "DOLO_START": "01/06/2026", "DOLO_END": "01/06/2026"}, False),
        ],
        year="2026-27",
    ),
]


def _generic_cases():
    """The checks every table gets from the schema, one case each, worked from the schema."""
    out = []
    for year in (YEAR, "2026-27"):
        for name, t in schema.tables_for_year(year).items():
            if year != YEAR and name != "DoLo":
                continue
            base = {"CHILD": "1"}
            out.append(
                case(f"{name}.CHILD.not_blank", name, [({"CHILD": ""}, True), (base, False)], year)
            )
            for col in t.dates:
                out.append(
                    case(
                        f"{name}.{col}.readable",
                        name,
                        [
                            ({"CHILD": "1", col: "31/02/2025"}, True),
                            ({"CHILD": "2", col: "28/02/2025"}, False),
                        ],
                        year,
                    )
                )
            for col, codes in t.codes.items():
                out.append(
                    case(
                        f"{name}.{col}.valid_code",
                        name,
                        [
                            ({"CHILD": "1", col: "ZZZ"}, True),
                            ({"CHILD": "2", col: sorted(codes)[0]}, False),
                        ],
                        year,
                    )
                )
                if any(c.id == f"{name}.{col}.not_blank" for c in validate.checks_for(name, year)):
                    out.append(
                        case(
                            f"{name}.{col}.not_blank",
                            name,
                            [
                                ({"CHILD": "1", col: ""}, True),
                                ({"CHILD": "2", col: sorted(codes)[0]}, False),
                            ],
                            year,
                        )
                    )
            ids = {c.id for c in validate.checks_for(name, year)}
            if f"{name}.CHILD.unique" in ids:
                out.append(
                    case(
                        f"{name}.CHILD.unique",
                        name,
                        [(base, True), (base, True), ({"CHILD": "2"}, False)],
                        year,
                    )
                )
            if f"{name}.key.unique" in ids:
                key = {k: ("01/05/2025" if k in t.dates else "X") for k in t.key if k != "CHILD"}
                out.append(
                    case(
                        f"{name}.key.unique",
                        name,
                        [
                            ({**base, **key}, True),
                            ({**base, **key}, True),
                            ({"CHILD": "2", **key}, False),
                        ],
                        year,
                    )
                )
    return out


ALL_CASES = CASES + _generic_cases()


@pytest.mark.parametrize(("check_id", "table", "marked", "year", "others", "extra"), ALL_CASES)
def test_check_flags_exactly_the_bad_rows(check_id, table, marked, year, others, extra):
    expect(check_id, table, marked, year, others, **extra)


def _first_case_per_table() -> list:
    seen, out = set(), []
    for p in ALL_CASES:
        check_id, table, marked, year = p.values[:4]
        if (table, year) not in seen and any(bad for _, bad in marked):
            seen.add((table, year))
            out.append(p)
    return out


@pytest.mark.parametrize(
    ("check_id", "table", "marked", "year", "others", "extra"), _first_case_per_table()
)
def test_one_check_finds_what_the_whole_suite_finds(check_id, table, marked, year, others, extra):
    tables = {"Header": [HEADER], **others, table: [r for r, _ in marked]}
    df = checked_frame(table, tables, year, extra)
    whole = [f for f in validate.run_suite(table, year, df) if f.check == check_id]
    alone = validate.run_suite(table, year, df, root=one_check(check_id, table, year))
    assert alone == whole and alone[0].failing > 0


def test_every_check_has_a_case():
    ids = {p.values[0] for p in ALL_CASES} | {"history", "columns"}
    checks = {c.id for y in (YEAR, "2023-24", "2026-27") for c in validate.checks_for_all(y)}
    missing = {
        c
        for c in checks
        if c not in ids and not c.startswith("history.") and not c.endswith(".columns")
    }
    assert missing == set()


def test_table_missing_a_column_is_critical():
    df = frame("Episodes", [EPISODE]).drop(columns=["URN"])
    ret = YearReturn(YEAR, {"Header": frame("Header", [HEADER]), "Episodes": df})
    found = validate.run_suite("Episodes", YEAR, validate.year_data(ret).frames["Episodes"])
    bad = [f for f in found if f.failing]
    assert [(f.check, f.severity) for f in bad] == [("Episodes.columns", "critical")]
    ok = validate.year_data(YearReturn(YEAR, {"Episodes": frame("Episodes", [EPISODE])}))
    cols = [
        f
        for f in validate.run_suite("Episodes", YEAR, ok.frames["Episodes"])
        if f.check == "Episodes.columns"
    ]
    assert cols[0].failing == 0


def history_flags(rows: list[dict], first_year: str = "2024-25") -> dict[str, set]:
    eps = frame("Episodes", rows)
    for c in ("DECOM", "DEC"):
        eps[c] = pd.to_datetime(eps[c], format="%d/%m/%Y")
    found = validate.run_suite("Episodes", "history", validate.history_frame(eps, first_year))
    return {f.check: set(f.rows.get("Episodes.csv", [])) for f in found}


def test_history_checks_overlap_dates_and_first_episode():
    got = history_flags(
        [
            ep(DEC="01/07/2025", REC="X1"),  # row 2: ends after the next starts
            ep(DECOM="01/06/2025", RNE="P"),  # row 3: starts before row 2 ends (DfE 501)
            ep(CHILD="2", DEC="01/06/2025", REC="X1"),  # row 4: next starts the same day: fine
            ep(CHILD="2", DECOM="01/06/2025", RNE="P"),
            ep(CHILD="3", DEC="30/04/2025", REC="E13"),  # row 6: ends before it starts
            ep(CHILD="4", RNE="P"),  # row 7: first episode in the returns read, not S
            ep(CHILD="5", DECOM="01/03/2024", RNE="P"),  # row 8: began before them: not flagged
            ep(CHILD="6", DEC="01/08/2025", REC="X1"),  # row 9
            ep(CHILD="6", DECOM="01/07/2025", RNE="P"),  # row 10: open, starts inside row 9
        ]
    )
    # DfE 501, "A new episode has started before the end date of the previous episode":
    # the new episode is the one named.
    assert got["history.Episodes.no_overlap"] == {3, 10}
    assert got["history.Episodes.DEC.after_DECOM"] == {6}
    assert got["history.Episodes.first_is_S"] == {7}


def test_suites_on_disk_are_the_generated_ones():
    on_disk = {
        p.relative_to(validate.EXPECTATIONS_DIR): p.read_text()
        for p in validate.EXPECTATIONS_DIR.rglob("*.json")
    }
    assert on_disk == validate.all_suites(), "run: python -m pipeline.checks.validate"
    suite = json.loads((validate.EXPECTATIONS_DIR / YEAR / "Episodes.json").read_text())
    assert suite["name"] == f"ssda903.{YEAR}.Episodes"
    assert all(
        e["meta"]["check"] and e["severity"] in {"critical", "warning"}
        for e in suite["expectations"]
    )


def test_dfe_rules_tagged():
    rules = {
        c.rule for y in validate.collection_years() for c in validate.checks_for_all(y) if c.rule
    }
    assert len(rules) >= 60
    assert {"101", "102", "141", "168", "190", "356", "501", "526", "213", "391"} <= rules


def test_critical_failure_stops_with_file_column_and_rows(tmp_path):
    folder = tmp_path / "999" / YEAR
    folder.mkdir(parents=True)
    frame("Header", [HEADER]).drop(columns=[SOURCE_FILE, SOURCE_ROW]).to_csv(
        folder / "header.csv", index=False
    )
    frame("Episodes", [ep(DEC="30/04/2025", REC="E13")]).drop(
        columns=[SOURCE_FILE, SOURCE_ROW]
    ).to_csv(folder / "episodes.csv", index=False)
    returns = read_history(tmp_path / "999", YEAR)
    history = build_history(returns, KEY)
    result = validate.validate(as_returned(returns, KEY), history.tables)
    assert [(f.check, f.year) for f in result.critical] == [
        ("Episodes.DEC.after_DECOM", YEAR),
        ("history.Episodes.DEC.after_DECOM", "history"),
    ]
    err = validate.ValidationError("999", YEAR, result.critical)
    assert "999/2025-26/episodes.csv row 2." in str(err)
    assert "the episode ends (DEC) before it starts (DECOM): 1 row(s)" in str(err)
    rows = validate.findings_rows(result)
    assert "1" not in set(rows["child"])  # pseudonymised
    assert set(rows.loc[rows["column"] == "DOB", "value"]) <= {"(withheld)"}


def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def fake_return(shared, tmp_path):
    """The DfE validator's fake data as a 2017-18 return (its error list file left out)."""
    folder = tmp_path / "999" / "2017-18"
    shutil.copytree(shared / "fixtures" / "ssda903_validator_fake", folder)
    (folder / "placed_for_adoption_errors.csv").unlink()
    returns = read_history(tmp_path / "999", "2017-18")
    return folder, returns, build_history(returns, KEY)


@pytest.mark.shared
def test_validator_fake_data_runs_end_to_end(shared, tmp_path):
    folder, returns, history = fake_return(shared, tmp_path)
    result = validate.validate(as_returned(returns, KEY), history.tables)
    counts = {f.check: f.failing for f in result.findings}
    assert result.summary()["checks_run"] == len(result.findings) > 100
    # Worked out from the files with the csv module, from each rule's wording.
    eps = rows(folder / "episodes.csv")
    assert counts["Episodes.PLACE_PROVIDER.PR0_place"] == sum(
        r["PLACE_PROVIDER"] == "PR0" and r["PLACE"] not in ("", "P1") for r in eps
    )
    assert counts["Episodes.DEC.with_REC"] == sum(r["REC"] != "" and r["DEC"] == "" for r in eps)
    assert counts["Episodes.PLACE_PROVIDER.not_for_temporary"] == sum(
        r["PLACE"] in ("T0", "T1", "T2", "T3", "T4") and r["PLACE_PROVIDER"] != "" for r in eps
    )
    header = rows(folder / "header.csv")
    assert counts["Header.SEX.valid_code"] == sum(r["SEX"] not in ("1", "2", "") for r in header)
    assert counts["Header.CHILD.unique"] == 0 == len(header) - len({r["CHILD"] for r in header})
    assert counts["Episodes.columns"] == 0
    # Overlapping episodes are in the fake data: the run would stop, naming them.
    assert [f.check for f in result.critical] == ["history.Episodes.no_overlap"]


@pytest.mark.shared
def test_fast_path_finds_what_great_expectations_own_engine_finds(shared, tmp_path, monkeypatch):
    """The fast path (every check pass/fail only, then the failed ones again for their rows,
    each row condition filtered once per batch) against Great Expectations' stock pandas
    engine in a single COMPLETE run, on data where dozens of checks fail."""
    from copy import copy

    from great_expectations.core import ExpectationSuite

    _, returns, history = fake_return(shared, tmp_path)
    engine = validate._gx()[2].data_asset.datasource.execution_engine_override
    before = engine.filters_run
    fast = validate.validate(as_returned(returns, KEY), history.tables)
    filters = engine.filters_run - before

    stock = validate._gx()[0].get_context(mode="ephemeral").data_sources.add_pandas("stock")
    stock_batch = stock.add_dataframe_asset("t").add_batch_definition_whole_dataframe("w")
    suites = []

    def one_complete_pass(definition, frame):
        batch = stock_batch.get_batch(batch_parameters={"dataframe": frame.reset_index(drop=True)})
        assert type(batch.data.execution_engine).__name__ == "PandasExecutionEngine"
        suites.append(definition.suite)
        suite = ExpectationSuite(
            name=definition.suite.name,
            expectations=[copy(e) for e in definition.suite.expectations],
        )
        return batch.validate(suite, result_format=validate.complete_format(frame)).results

    monkeypatch.setattr(validate, "_results", one_complete_pass)
    complete = validate.validate(as_returned(returns, KEY), history.tables)
    assert sum(f.failing > 0 for f in fast.findings) > 20  # the second pass had work to do
    assert [asdict(f) for f in fast.findings] == [asdict(f) for f in complete.findings]
    # Each suite's distinct row conditions, filtered once in each of the two passes at most
    # (Great Expectations' own engine filters three to twelve times per condition).
    distinct = sum(
        len(
            {
                json.dumps(c, default=str)
                for e in s.expectations
                if (c := getattr(e, "row_condition", None))
            }
        )
        for s in suites
    )
    assert 0 < filters <= 2 * distinct


def test_no_oc2_row_is_due_in_a_year_still_running(tmp_path):
    """A year-to-date extract (2026-27 seen on 22 November 2026) has no 31 March cohort yet;
    the same child in the finished 2025-26 return is in it (in care since 01/05/2024)."""
    returns = []
    for year in ("2025-26", "2026-27"):
        folder = tmp_path / "999" / year
        folder.mkdir(parents=True)
        frame("Header", [HEADER]).drop(columns=[SOURCE_FILE, SOURCE_ROW]).to_csv(
            folder / "header.csv", index=False
        )
        frame("Episodes", [ep(DECOM="01/05/2024")]).drop(columns=[SOURCE_FILE, SOURCE_ROW]).to_csv(
            folder / "episodes.csv", index=False
        )
    returns = read_history(tmp_path / "999", "2026-27")
    history = build_history(returns, KEY)
    # A quarterly run checks both: the extract and the annual return its health rows use.
    assert validate.years_checked(parse_period("2026-27-Q2")) == 2
    result = validate.validate(
        as_returned(returns, KEY, 2), history.tables, years=2, today=date(2026, 11, 22)
    )
    due = {f.year: f.failing for f in result.findings if f.check == "Header.OC2.present_for_cohort"}
    assert due == {"2025-26": 1, "2026-27": 0}


def test_the_data_check_stage_starts_the_history_at_the_first_year_read(tmp_path, monkeypatch):
    """The stage reads only the latest return for its table checks, but the history checks'
    first year (a child's first episode there must start a period of care) is the earliest
    year read: from read_report.json, or from the stitched tables when the report lacks it."""
    from corpar_synthetic import generator as synthetic
    from pipeline import io
    from pipeline.orchestrate import stages
    from pipeline.spec.runspec import build_run_spec

    monkeypatch.setenv("CORPAR_PSEUDONYM_KEY", "test-key-not-secret-0123456789")
    la = synthetic.SyntheticAuthority("Z91", "Stage Vale", "North East", "E12000001", 30, 50.0, 91)
    synthetic.write_authority(la, tmp_path / "raw")
    folders = sorted(p.name for p in (tmp_path / "raw" / "Z91").iterdir() if p.is_dir())
    spec = build_run_spec(
        "Z91",
        "2025-26",
        raw_dir=tmp_path / "raw",
        reference_dir=tmp_path / "reference",
        processed_dir=tmp_path / "processed",
        output_dir=tmp_path / "outputs",
    )
    seen = []
    real = validate.validate

    def spy(returns, *args, **kwargs):
        seen.append(([r.year for r in returns], kwargs["first_year"]))
        return real(returns, *args, **kwargs)

    monkeypatch.setattr(validate, "validate", spy)
    stages.clean(spec)
    first = min(y for y in folders if y <= "2025-26")
    assert first < "2025-26"  # the authority has earlier returns
    stages.validate(spec)
    report_file = io.processed_file(spec, "read_report.json")
    report = json.loads(report_file.read_text())
    del report["years_read"]
    report_file.write_text(json.dumps(report))
    stages.validate(spec)
    assert seen == [(["2025-26"], first), (["2025-26"], first)]


def test_a_critical_finding_names_xml_lines_once_each():
    """An XML return written on one line: seven elements, one line, said once."""
    f = validate.Finding(
        check="history.Episodes.no_overlap", rule="501", severity="critical",
        table="Episodes", year="history", column="_next_decom", message="overlapping",
        action="Correct DEC.", failing=7, checked=9, rows={"999/2017-18/r.xml": [2] * 7},
    )  # fmt: skip
    assert "; 999/2017-18/r.xml line 2. Correct DEC." in str(
        validate.ValidationError("999", "2017-18", [f])
    )


def test_a_critical_finding_says_a_worked_out_column_in_words():
    f = validate.Finding(
        check="history.Episodes.no_overlap", rule="501", severity="critical",
        table="Episodes", year="history", column="_next_decom", message="overlapping",
        action="Correct DEC.", failing=1, checked=9, rows={"999/2017-18/e.csv": [4]},
    )  # fmt: skip
    line = str(validate.ValidationError("999", "2017-18", [f])).splitlines()[1]
    assert line == (
        "    history Episodes, next DECOM (worked out): overlapping: 1 row(s); "
        "999/2017-18/e.csv row 4. Correct DEC."
    )
