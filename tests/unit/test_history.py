"""Cleaning and stitching: dates, codes, several years' returns, pseudonyms, rejected rows."""

from __future__ import annotations

import pandas as pd

from pipeline import schema
from pipeline.clean.history import build_history, clean_table, parse_dates
from pipeline.read.returns import read_history
from tests.conftest import minimal_return, write_csv

KEY = b"0123456789abcdef-test"
EP = schema.ALL_TABLES["Episodes"]


def ep(child, decom, rne="S", dec="", rec="", place="U4", ls="C2"):
    return [
        child,
        decom,
        rne,
        ls,
        "N1",
        place,
        "PR1",
        dec,
        rec,
        "",
        "ZX1 1AA",
        "ZX2 2BB",
        "1000001",
    ]


def test_date_formats_from_excel_round_trips_are_read_and_reported():
    r = parse_dates(
        pd.Series(
            ["05/01/2024", "2024-01-05", "05/01/24", "45296", "2024-01-05 00:00:00", "5/1/2024", ""]
        )
    )
    # 45296 days after 30 Dec 1899 is 5 Jan 2024 (1 Jan 2024 is Excel's 45292).
    assert [d.strftime("%Y-%m-%d") for d in r.values.dropna()] == ["2024-01-05"] * 6
    assert r.formats.tolist() == [
        "dd/mm/yyyy",
        "yyyy-mm-dd",
        "dd/mm/yy",
        "Excel serial number",
        "yyyy-mm-dd hh:mm:ss",
        "dd/mm/yyyy",
        "",
    ]
    assert not r.bad.any()


def test_impossible_date_in_a_key_rejects_the_row_and_names_it(tmp_path):
    folder = tmp_path / "806" / "2024-25"
    minimal_return(
        folder,
        episode_rows=[
            ep("001", "01/05/2024"),
            ep("002", "31/02/2024"),
            ep("003", "01/06/2024", dec="31/13/2024"),
        ],
    )
    write_csv(
        folder / "header.csv",
        list(schema.ALL_TABLES["Header"].columns),
        [[c, "1", "01/06/2015", "WBRI", "", "", ""] for c in ("001", "002", "003")],
    )
    h = build_history(read_history(tmp_path / "806", "2024-25"), KEY)
    assert len(h.tables["Episodes"]) == 2  # 001 and 003 (003's DEC becomes blank)
    assert h.rejected["_reason"].tolist() == ["DECOM is not a readable date"]
    assert h.rejected["_source_row"].tolist() == [3]
    msgs = [str(p) for p in h.problems]
    assert (
        "WARNING: 806/2024-25/episodes.csv, column DECOM, row 3: not a date that can be "
        "read (dd/mm/yyyy expected): these rows are not used"
    ) in msgs
    assert (
        "WARNING: 806/2024-25/episodes.csv, column DEC, row 4: not a date that can be "
        "read (dd/mm/yyyy expected): treated as blank"
    ) in msgs


def test_two_digit_years_are_reported_not_silently_guessed():
    df = pd.DataFrame(
        {
            "CHILD": ["1"],
            "DOB": ["01/02/10"],
            "MISSING": ["M"],
            "MIS_START": ["02/02/2025"],
            "MIS_END": [""],
            "_source_row": [2],
            "_source_file": ["m.csv"],
        }
    )
    c = clean_table(schema.ALL_TABLES["Missing"], df)
    assert c.table["DOB"].iloc[0] == pd.Timestamp("2010-02-01")
    assert [str(p) for p in c.problems] == [
        "WARNING: m.csv, column DOB, row 2: dates written as dd/mm/yy (not dd/mm/yyyy) were "
        "read as such; check them"
    ]


def test_sex_codes_of_both_eras_map_to_one_form(tmp_path):
    minimal_return(
        tmp_path / "806" / "2023-24",
        header_rows=[
            ["001", "1", "01/06/2015", "WBRI", "", "", ""],
            ["002", "2", "01/06/2015", "WBRI", "", "", ""],
        ],
    )
    minimal_return(
        tmp_path / "806" / "2024-25",
        header_rows=[
            ["003", "F", "01/06/2015", "WBRI", "", "", ""],
            ["004", "U", "01/06/2015", "WBRI", "", "", ""],
        ],
    )
    h = build_history(read_history(tmp_path / "806", "2024-25"), KEY)
    assert sorted(h.tables["Header"]["SEX"]) == ["F", "F", "M", "U"]


def test_episode_open_in_older_return_is_superseded_by_the_later_return(tmp_path):
    # 2023-24: the episode is open. 2024-25: the same episode (CHILD, DECOM), now closed.
    minimal_return(tmp_path / "806" / "2023-24", episode_rows=[ep("001", "01/05/2023")])
    minimal_return(
        tmp_path / "806" / "2024-25",
        episode_rows=[ep("001", "01/05/2023", dec="10/10/2024", rec="E13")],
    )
    h = build_history(read_history(tmp_path / "806", "2024-25"), KEY)
    e = h.tables["Episodes"]
    assert len(e) == 1
    assert (e["DEC"].iloc[0], e["REC"].iloc[0], e["_year"].iloc[0]) == (
        pd.Timestamp("2024-10-10"),
        "E13",
        "2024-25",
    )


def test_old_open_episodes_are_closed_by_the_rules(tmp_path):
    minimal_return(
        tmp_path / "806" / "2023-24",
        episode_rows=[
            ep("001", "01/05/2023"),  # next episode continues care -> DEC = next DECOM, X1
            ep("002", "01/06/2023"),  # child re-enters later -> day before, capped at 31 Mar
            ep("003", "01/07/2023"),  # child absent from the later return -> 31 Mar 2024
        ],
    )
    minimal_return(
        tmp_path / "806" / "2024-25",
        episode_rows=[
            ep("001", "01/08/2023", rne="P"),  # the later return starts from a corrected episode
            ep("002", "01/09/2024", rne="S"),
        ],
    )
    h = build_history(read_history(tmp_path / "806", "2024-25"), KEY)
    e = h.tables["Episodes"].sort_values("DECOM")
    first = e.groupby("CHILD").head(1).set_index("DECOM")
    assert first.loc["2023-05-01", ["DEC", "REC"]].tolist() == [pd.Timestamp("2023-08-01"), "X1"]
    assert first.loc["2023-06-01", ["DEC", "REC"]].tolist() == [pd.Timestamp("2024-03-31"), ""]
    assert first.loc["2023-07-01", ["DEC", "REC"]].tolist() == [pd.Timestamp("2024-03-31"), ""]
    assert (first["_fix"] != "").all()
    # The latest return's open episodes stay open.
    assert e.loc[e["DECOM"] == "2024-09-01", "DEC"].isna().all()


def test_duplicate_key_in_one_return_keeps_the_later_row_and_counts_the_other(tmp_path):
    folder = tmp_path / "806" / "2024-25"
    minimal_return(
        folder,
        episode_rows=[ep("001", "01/05/2024", place="U4"), ep("001", "01/05/2024", place="K2")],
    )
    h = build_history(read_history(tmp_path / "806", "2024-25"), KEY)
    assert h.tables["Episodes"]["PLACE"].tolist() == ["K2"]
    assert len(h.rejected) == 1 and h.rejected["_source_row"].tolist() == [2]


def test_pseudonyms_join_across_tables_and_hide_the_id(tmp_path):
    folder = tmp_path / "806" / "2024-25"
    minimal_return(
        folder,
        header_rows=[["000123", "1", "01/06/2015", "WBRI", "A123456789012", "", ""]],
        episode_rows=[ep("000123", "01/05/2024")],
    )
    h = build_history(read_history(tmp_path / "806", "2024-25"), KEY)
    pid = h.tables["Header"]["CHILD"].iloc[0]
    assert pid == h.tables["Episodes"]["CHILD"].iloc[0]
    assert "000123" not in pid and "A123456789012" not in h.tables["Header"]["UPN"].iloc[0]
    other = build_history(read_history(tmp_path / "806", "2024-25"), b"another-key-0123456")
    assert other.tables["Header"]["CHILD"].iloc[0] != pid


def test_postcodes_are_not_kept_in_processed_tables(tmp_path):
    minimal_return(tmp_path / "806" / "2024-25")
    h = build_history(read_history(tmp_path / "806", "2024-25"), KEY)
    assert not {"HOME_POST", "PL_POST"} & set(h.tables["Episodes"].columns)
