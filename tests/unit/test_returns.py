"""Reading raw 903 folders: recognition by columns, encodings, Excel damage, bad input."""

from __future__ import annotations

import pytest

from pipeline import schema
from pipeline.read.returns import InputError, read_csv_file, read_history, read_year
from tests.conftest import minimal_return, tree_hashes, write_csv

EPISODE_COLS = list(schema.ALL_TABLES["Episodes"].columns)


def test_table_recognised_by_columns_whatever_the_file_name(tmp_path):
    folder = tmp_path / "806" / "2024-25"
    write_csv(
        folder / "903 Missing 2025 (final) v2.CSV",
        ["child", " Dob ", "MISSING", "mis start", "MIS_END"],
        [["001", "01/01/2010", "M", "02/02/2025", ""]],
    )
    r = read_year(folder, "2024-25")
    assert list(r.tables) == ["Missing"]
    assert r.tables["Missing"]["CHILD"].tolist() == ["001"]  # leading zero kept
    assert r.problems == []


def test_bom_and_cp1252_are_read(tmp_path):
    folder = tmp_path / "806" / "2024-25"
    write_csv(
        folder / "a.csv",
        ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
        [["001", "01/01/2006", "YES", "F2", "U1"]],
        encoding="utf-8-sig",
    )
    write_csv(
        folder / "b.csv",
        ["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
        [["Zoë", "01/01/2010", "Z1", "", ""]],
        encoding="cp1252",
    )
    r = read_year(folder, "2024-25")
    assert set(r.tables) == {"OC3", "PrevPerm"}
    assert r.tables["PrevPerm"]["CHILD"].tolist() == ["Zoë"]
    assert [str(p) for p in r.problems] == [
        "WARNING: 806/2024-25/b.csv: not UTF-8; read as cp1252 (Excel's Windows encoding). "
        "Check accented names read correctly"
    ]


def test_mixed_encodings_in_one_file_are_read_line_by_line_and_the_lines_named(tmp_path):
    # A UTF-8 export with two rows pasted in from a Windows-1252 file: reading the whole
    # file as cp1252 would garble the UTF-8 names ("ZoÃ«"), so each line is read in its own.
    path = tmp_path / "p.csv"
    path.write_bytes(
        b"CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM\r\n"
        + "Zoë,01/01/2010,Z1,,\r\n".encode()
        + "Renée,01/01/2011,Z1,,\r\n".encode("cp1252")
        + "Łukasz,01/01/2012,Z1,,\r\n".encode()
        + "Chloé,01/01/2013,Z1,,\r\n".encode("cp1252")
    )
    before = path.read_bytes()
    df, encoding, problems = read_csv_file(path, "p.csv")
    assert df["CHILD"].tolist() == ["Zoë", "Renée", "Łukasz", "Chloé"]
    assert df["_source_row"].tolist() == [2, 3, 4, 5]
    assert encoding == "utf-8, some lines cp1252"
    assert [str(p) for p in problems] == [
        "WARNING: p.csv, rows 3, 5: mixed encodings: the file is UTF-8 but these lines are "
        "not; they were read as cp1252 (Excel's Windows encoding). Check accented names on them"
    ]
    assert path.read_bytes() == before


def test_excel_trailing_blank_rows_and_columns_are_dropped_with_row_numbers_kept(tmp_path):
    folder = tmp_path / "806" / "2024-25"
    path = folder / "m.csv"
    path.parent.mkdir(parents=True)
    path.write_text(
        "CHILD,DOB,MISSING,MIS_START,MIS_END,,\n"
        "001,01/01/2010,M,02/02/2025,,,\n"
        ",,,,,,\n"
        "002,01/01/2011,A,03/02/2025,,,\n"
        ",,,,,,\n"
    )
    r = read_year(folder, "2024-25")
    df = r.tables["Missing"]
    assert df["CHILD"].tolist() == ["001", "002"]
    assert df["_source_row"].tolist() == [2, 4]  # spreadsheet rows, header = row 1


def test_truncated_last_line_is_reported_with_its_row(tmp_path):
    folder = tmp_path / "806" / "2024-25"
    path = folder / "m.csv"
    path.parent.mkdir(parents=True)
    path.write_text("CHILD,DOB,MISSING,MIS_START,MIS_END\n001,01/01/2010,M,02/02/2025,\n002,01")
    df, _, problems = read_csv_file(path, "m.csv")
    assert df["CHILD"].tolist() == ["001", "002"]
    assert [str(p) for p in problems] == [
        "WARNING: m.csv, row 3: these rows have fewer values than there are columns (a "
        "truncated or damaged line); the missing values are read as blank"
    ]


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "ERROR: x.csv: the file is empty: export the table again"),
        (
            b"PK\x03\x04rest-of-a-zip",
            "ERROR: x.csv: this is not a CSV file, it looks like a zip "
            "archive or an Excel .xlsx workbook: open it and save each 903 table as 'CSV (comma "
            "delimited)'",
        ),
        (
            b"\x00\x01\x02binary",
            "ERROR: x.csv: this is not a text CSV file (it contains binary "
            "data): export the table as 'CSV (comma delimited)'",
        ),
        (
            b"CHILD,DOB,CHILD\n1,2,3\n",
            "ERROR: x.csv, column CHILD: the same column heading "
            "appears more than once: CHILD. Remove the duplicate column",
        ),
    ],
)
def test_unreadable_files_get_one_clear_error(tmp_path, content, expected):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    df, _, problems = read_csv_file(path, "x.csv")
    assert df is None
    assert [str(p) for p in problems] == [expected]


def test_a_table_missing_a_column_is_named(tmp_path):
    folder = tmp_path / "806" / "2024-25"
    minimal_return(folder)
    cols = [c for c in EPISODE_COLS if c != "URN"]
    write_csv(
        folder / "episodes.csv",
        cols,
        [["001", "01/05/2024", "S", "C2", "N1", "U4", "PR1", "", "", "", "", ""]],
    )
    r = read_year(folder, "2024-25")
    assert "Episodes" not in r.tables
    assert [str(p) for p in r.problems] == [
        "ERROR: 806/2024-25/episodes.csv, column URN: looks like the Episodes table but it "
        "lacks URN; the Episodes table needs exactly: " + ", ".join(EPISODE_COLS)
    ]


def test_a_file_that_is_not_a_903_table_is_skipped_with_a_warning(tmp_path):
    folder = tmp_path / "806" / "2024-25"
    minimal_return(folder)
    write_csv(folder / "notes.csv", ["Name", "Comment"], [["x", "y"]])
    r = read_year(folder, "2024-25")
    assert set(r.tables) == {"Header", "Episodes"}
    assert [str(p) for p in r.problems] == [
        "WARNING: 806/2024-25/notes.csv: not a 903 table: none of its 2 columns has a 903 "
        "heading (headings are not shown, in case the first row is data: a 903 file's first "
        "row must be its headings); the file was skipped"
    ]


def test_two_files_with_the_same_table_is_an_error(tmp_path):
    folder = tmp_path / "806" / "2024-25"
    minimal_return(folder)
    minimal_return(tmp_path / "copy")
    (folder / "zz header copy.csv").write_bytes((tmp_path / "copy" / "header.csv").read_bytes())
    r = read_year(folder, "2024-25")
    assert [str(p) for p in r.problems] == [
        "ERROR: 806/2024-25/zz header copy.csv: holds the Header table, and so does "
        "806/2024-25/header.csv: keep one file per table in each year's folder"
    ]


def test_missing_required_table_stops_with_its_name(tmp_path):
    folder = tmp_path / "806" / "2024-25"
    minimal_return(folder)
    (folder / "header.csv").unlink()
    returns = read_history(tmp_path / "806", "2024-25")
    assert [str(p) for p in returns[-1].problems] == [
        "ERROR: 806/2024-25: no file holds the Header table (columns CHILD, SEX, DOB, ETHNIC, "
        "UPN, MOTHER, MC_DOB): it is required"
    ]


def test_missing_year_folder_is_an_input_error(tmp_path):
    minimal_return(tmp_path / "806" / "2023-24")
    with pytest.raises(InputError, match="no folder of 903 files for collection year 2024-25"):
        read_history(tmp_path / "806", "2024-25")


def test_history_reads_earlier_years_only_up_to_the_period(tmp_path):
    for y in ("2022-23", "2023-24", "2024-25", "2025-26"):
        minimal_return(tmp_path / "806" / y)
    (tmp_path / "806" / "notes").mkdir()
    assert [r.year for r in read_history(tmp_path / "806", "2024-25")] == [
        "2022-23",
        "2023-24",
        "2024-25",
    ]


def test_reading_never_modifies_raw_files(tmp_path):
    folder = tmp_path / "806" / "2024-25"
    minimal_return(folder)
    write_csv(
        folder / "bad.csv",
        ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
        [["001", "31/02/2010", "M", "xx", ""]],
        encoding="cp1252",
    )
    before = tree_hashes(tmp_path)
    from pipeline.clean.history import build_history

    build_history(read_history(tmp_path / "806", "2024-25"), b"0123456789abcdef")
    assert tree_hashes(tmp_path) == before


def test_files_that_cannot_be_read_are_named_not_silently_skipped(tmp_path):
    folder = tmp_path / "806" / "2024-25"
    minimal_return(folder)
    (folder / "episodes 2025.xlsx").write_bytes(b"PK\x03\x04")
    (folder / ".DS_Store").write_bytes(b"\x00")
    r = read_year(folder, "2024-25")
    assert [str(p) for p in r.problems] == [
        "ERROR: 806/2024-25/episodes 2025.xlsx: this looks like an Excel workbook or zip "
        "archive but it cannot be opened (it may be damaged or still being copied): save it "
        "again"
    ]
