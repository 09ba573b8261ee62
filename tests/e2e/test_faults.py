"""Fault injection: the mistakes a hurried analyst or a scheduler makes, one test each.

Every case asserts what the user meets: the exact message, the exit code, the raw files'
hashes unchanged, and the published folder holding only complete editions (or the previous
ones). ``docs/security.md`` lists each fault with what corpar does and the test here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from filelock import FileLock

from pipeline import io, schema
from pipeline.clean.history import clean_table, parse_dates
from pipeline.problems import ConfigError
from pipeline.read.returns import SOURCE_FILE, SOURCE_ROW, read_history, read_year
from pipeline.spec.runspec import build_run_spec
from tests.conftest import corpar, fill_return, minimal_return, tree_hashes, write_csv

PERIOD = "2025-26"
KEY = "test-key-not-secret-0123456789"
OTHER_KEY = "another-test-key-9876543210abcdef"


def _dirs(tmp_path: Path, **over) -> list[str]:
    d = {
        "raw": tmp_path / "raw",
        "reference": tmp_path / "ref",
        "processed": tmp_path / "p",
        "output": tmp_path / "out",
    }
    d.update(over)
    return [
        "--raw-dir", str(d["raw"]), "--reference-dir", str(d["reference"]),
        "--processed-dir", str(d["processed"]), "--output-dir", str(d["output"]),
    ]  # fmt: skip


def _one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


# --- folders that overlap -------------------------------------------------------------------


@pytest.mark.parametrize(
    "over, words",
    [
        ({"output": "raw"}, "the raw folder and the output folder are the same folder"),
        ({"processed": "raw"}, "the raw folder and the processed folder are the same folder"),
        ({"processed": "out"}, "the processed folder and the output folder are the same folder"),
        ({"output": "raw/published"}, "the output folder {t}/raw/published is inside the raw"),
        ({"processed": "out/internal"}, "the processed folder {t}/out/internal is inside the "),
        ({"reference": "p/ref"}, "the reference folder {t}/p/ref is inside the processed"),
        ({"raw": "out/.."}, "the reference folder {t}/ref is inside the raw folder {t}:"),
    ],
)
def test_overlapping_folders_are_refused_before_anything_is_read(tmp_path, over, words):
    minimal_return(tmp_path / "raw" / "999" / PERIOD)
    before = tree_hashes(tmp_path)
    dirs = _dirs(tmp_path, **{k: tmp_path / v for k, v in over.items()})
    proc = corpar("run", "--la", "999", "--period", PERIOD, *dirs)
    assert proc.returncode == 2
    line = _one_line(proc.stderr)
    assert line.startswith("corpar: " + words.format(t=tmp_path)), line
    assert "none inside another" in line
    assert tree_hashes(tmp_path) == before  # nothing read into, written or deleted


def test_the_demo_refuses_overlapping_folders_before_writing_its_files(tmp_path):
    proc = corpar("demo", *_dirs(tmp_path, output=tmp_path / "raw"))
    assert proc.returncode == 2
    assert "the raw folder and the output folder are the same folder" in proc.stderr
    assert not (tmp_path / "raw").exists()


# --- authority codes, keys ------------------------------------------------------------------


def test_an_authority_code_with_a_trailing_newline_is_refused(tmp_path):
    proc = corpar("run", "--la", "Z02\n", "--period", PERIOD, *_dirs(tmp_path))
    assert proc.returncode == 2
    assert _one_line(proc.stderr).startswith("corpar: authority code 'Z02\\n' is not valid")
    assert not (tmp_path / "p").exists() and not (tmp_path / "out").exists()


def test_a_key_file_that_does_not_exist_is_named(tmp_path):
    missing = tmp_path / "keys" / "corpar.key"
    proc = corpar(
        "validate", "--la", "999", "--period", PERIOD, *_dirs(tmp_path),
        env_extra={"CORPAR_PSEUDONYM_KEY": "", "CORPAR_KEY_FILE": str(missing)},
    )  # fmt: skip
    assert proc.returncode == 2
    assert _one_line(proc.stderr) == (
        f"corpar: CORPAR_KEY_FILE names {missing}, which is not a file: check the path "
        "(the key file is never created by corpar)"
    )


@pytest.mark.parametrize("key", [" " * 20, "0" * 32, "short-key"])
def test_a_blank_or_trivial_key_is_refused(tmp_path, key):
    proc = corpar(
        "validate", "--la", "999", "--period", PERIOD, *_dirs(tmp_path),
        env_extra={"CORPAR_PSEUDONYM_KEY": key},
    )  # fmt: skip
    assert proc.returncode == 2
    assert _one_line(proc.stderr).startswith(
        "corpar: CORPAR_PSEUDONYM_KEY: the pseudonymisation key is too short or too simple"
    )


def test_key_check_reveals_nothing_and_notices_a_change(tmp_path):
    spec = build_run_spec("999", PERIOD, None, tmp_path / "raw", tmp_path / "ref",
                          tmp_path / "p", tmp_path / "out")  # fmt: skip
    io.check_key(spec, KEY.encode())
    stored = (tmp_path / "p" / "999" / ".key-check").read_text()
    assert KEY not in stored and len(stored.strip()) == 64
    io.check_key(spec, KEY.encode())  # the same key: fine
    with pytest.raises(ConfigError, match="is not the one 999's processed files were made with"):
        io.check_key(spec, OTHER_KEY.encode())
    io.check_key(spec, OTHER_KEY.encode(), rekey=True)
    io.check_key(spec, OTHER_KEY.encode())


@pytest.mark.slow
def test_a_changed_key_stops_the_run_until_rekey(tmp_path):
    minimal_return(tmp_path / "raw" / "999" / PERIOD)
    args = ("validate", "--la", "999", "--period", PERIOD, *_dirs(tmp_path))
    assert corpar(*args).returncode == 0
    proc = corpar(*args, env_extra={"CORPAR_PSEUDONYM_KEY": OTHER_KEY})
    assert proc.returncode == 1
    assert "999 2025-26: the pseudonymisation key is not the one 999's processed files were " in (
        proc.stderr
    )
    assert "run with --rekey" in proc.stderr
    proc = corpar(*args, "--rekey", env_extra={"CORPAR_PSEUDONYM_KEY": OTHER_KEY})
    assert proc.returncode == 0, proc.stderr


# --- one run at a time ----------------------------------------------------------------------


def test_a_second_run_of_the_same_job_exits_with_a_message(tmp_path):
    raw = tmp_path / "raw" / "999" / PERIOD
    minimal_return(raw)
    lock = tmp_path / "p" / "999" / f".{PERIOD}.lock"
    lock.parent.mkdir(parents=True)
    with FileLock(lock):
        proc = corpar("validate", "--la", "999", "--period", PERIOD, *_dirs(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0] == (
        f"999 2025-26: another corpar run of this authority and period is in progress "
        f"(lock {lock}); wait for it to finish, then run again"
    )
    assert not (tmp_path / "p" / "999" / PERIOD).exists()  # it read and wrote nothing


# --- operating faults: messages, not tracebacks ---------------------------------------------


def test_an_output_folder_that_cannot_be_written_is_a_message(tmp_path):
    # Tests run as root, for whom read-only modes do not apply: a file where the output
    # folder should be fails the same way (mkdir raises), and is what a typo produces.
    minimal_return(tmp_path / "raw" / "999" / PERIOD)
    (tmp_path / "out").write_text("not a folder")
    proc = corpar("validate", "--la", "999", "--period", PERIOD, *_dirs(tmp_path))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first.startswith("999 2025-26: cannot read or write ") and "Check the folder" in first


def test_a_file_name_holding_a_newline_cannot_forge_a_message_line(tmp_path):
    folder = tmp_path / "806" / PERIOD
    minimal_return(folder)
    write_csv(folder / "x\nERROR: all is well.csv", ["Name"], [["a"]])
    problems = read_year(folder, PERIOD).problems
    said = [str(p) for p in problems]
    assert len(said) == 1 and "\n" not in said[0]
    assert said[0].startswith("WARNING: '806/2025-26/x\\nERROR: all is well.csv': not a 903")


# --- no values in messages ------------------------------------------------------------------


@pytest.mark.slow
def test_a_header_without_its_heading_row_leaks_nothing_into_the_published_page(tmp_path):
    folder = tmp_path / "raw" / "999" / PERIOD
    minimal_return(folder)
    header = next(folder.glob("*eader*"))
    header.write_text(header.read_text().split("\n", 1)[1])  # the first row is now a child
    before = tree_hashes(tmp_path / "raw")
    proc = corpar("validate", "--la", "999", "--period", PERIOD, *_dirs(tmp_path))
    assert proc.returncode == 1
    page = (tmp_path / "out" / "999" / PERIOD / "data_quality.html").read_text()
    # Its 7 fields, two of them blank (MOTHER, MC_DOB): 5 columns with a heading.
    cells = 'header.csv</td><td></td><td class="num"></td><td>'
    assert cells + "not a 903 table: none of its 5 columns has a 903 heading" in page
    for value in ("001", "01/06/2015", "WBRI", "A123456789012"):
        assert value not in page and value not in proc.stderr + proc.stdout
    assert tree_hashes(tmp_path / "raw") == before


def test_unexpected_columns_are_named_by_position_unless_they_are_903_headings(tmp_path):
    folder = tmp_path / "806" / PERIOD
    minimal_return(folder)
    cols = list(schema.ALL_TABLES["Episodes"].columns)
    write_csv(folder / "episodes.csv", cols + ["02000117", "MIS_START"], [[""] * (len(cols) + 2)])
    msg = [str(p) for p in read_year(folder, PERIOD).problems]
    assert len(msg) == 1 and "02000117" not in msg[0]
    assert (
        f"it has unexpected MIS_START; 1 other column(s), at position(s) {len(cols) + 1} (not "
        "shown: they are not 903 headings)" in msg[0]
    )


# --- dates that Excel rewrote ---------------------------------------------------------------


def _episodes(decs: list[str]) -> pd.DataFrame:
    cols = schema.ALL_TABLES["Episodes"].columns
    rows = [
        {c: "" for c in cols}
        | {"CHILD": f"{i:03d}", "DECOM": "01/04/2024", "RNE": "S", "DEC": d, "REC": "E11"}
        for i, d in enumerate(decs)
    ]
    df = pd.DataFrame(rows)
    df[SOURCE_FILE], df[SOURCE_ROW] = "806/2025-26/episodes.csv", range(2, 2 + len(rows))
    return df


def test_excel_month_name_dates_are_read_and_reported():
    r = parse_dates(pd.Series(["31-Mar-25", "31-Mar-2025", "31 March 2025", "1 Apr 2024"]))
    assert [d.date().isoformat() for d in r.values] == ["2025-03-31"] * 3 + ["2024-04-01"]
    out = clean_table(schema.ALL_TABLES["Episodes"], _episodes(["31-Mar-25", "", "30/09/2025"]))
    assert str(out.table["DEC"].iloc[0].date()) == "2025-03-31"
    assert [str(p) for p in out.problems] == [
        "WARNING: 806/2025-26/episodes.csv, column DEC, row 2: dates written as dd-Mon-yy (not "
        "dd/mm/yyyy) were read as such; check them"
    ]


def test_a_date_column_mostly_unreadable_is_an_error_naming_the_shape():
    # 03/31/2025 (month first) cannot be read as dd/mm/yyyy: 2 of 3 end dates unreadable.
    out = clean_table(
        schema.ALL_TABLES["Episodes"], _episodes(["03/31/2025", "02/28/2025", "01/03/2025"])
    )
    errors = [str(p) for p in out.problems if p.severity == "error"]
    assert errors == [
        "ERROR: 806/2025-26/episodes.csv, column DEC, rows 2, 3: 2 of 3 Episodes DEC values "
        "are not dates corpar can read (shapes found, 9 for a digit and A for a letter: "
        "99/99/9999 (2)); more than 1% unreadable means the column was saved in another "
        "format, and every figure using it would be wrong. Save the dates as dd/mm/yyyy and "
        "run again"
    ]
    assert "03/31/2025" not in errors[0]


def test_one_unreadable_date_in_many_stays_a_warning():
    decs = ["31/03/2025"] * 199 + ["31/13/2025"]
    out = clean_table(schema.ALL_TABLES["Episodes"], _episodes(decs))
    assert [p.severity for p in out.problems] == ["warning"]  # 1 of 200 is 0.5%


@pytest.mark.slow
def test_validate_and_run_stop_on_unreadable_end_dates(tmp_path):
    folder = tmp_path / "raw" / "999" / PERIOD
    minimal_return(folder)
    eps = next(folder.glob("*pisode*"))
    head, row = eps.read_text().splitlines()[:2]
    cells = row.split(",")
    cells[7], cells[8] = "03/31/2025", "E11"  # DEC month first
    eps.write_text(head + "\n" + ",".join(cells) + "\n")
    for command in ("validate", "run"):
        proc = corpar(command, "--la", "999", "--period", PERIOD, *_dirs(tmp_path))
        assert proc.returncode == 1, command
        assert "1 of 1 Episodes DEC values are not dates corpar can read" in proc.stderr
    assert sorted(p.name for p in (tmp_path / "out" / "999" / PERIOD).iterdir()) == [
        "data_quality.html"
    ]


# --- holes in the history -------------------------------------------------------------------


def _history(tmp_path: Path, years: list[str]) -> Path:
    la = tmp_path / "806"
    for y in years:
        minimal_return(la / y)
    return la


def _errors(la: Path) -> list[str]:
    return [str(p) for r in read_history(la, PERIOD) for p in r.problems if p.severity == "error"]


def test_a_year_missing_from_the_middle_of_the_history_is_an_error(tmp_path):
    la = _history(tmp_path, ["2022-23", "2023-24", PERIOD])
    assert _errors(la) == [
        "ERROR: 806/2024-25: no folder for collection year 2024-25, between 2022-23 and "
        "2025-26: the multi-year figures (stability, the trend) need every year. Put that "
        "year's return in 806/2024-25, or move the years before it out of 806"
    ]


def test_a_misnamed_year_folder_is_named(tmp_path):
    la = _history(tmp_path, ["2023-24", "2024_25", PERIOD])
    assert _errors(la) == [
        "ERROR: 806/2024_25: this folder looks like collection year 2024-25 but is not named "
        "2024-25, so it was not read: rename it 2024-25"
    ]
    (la / "2024_25").rename(la / "2024-25")
    assert _errors(la) == []


def test_an_empty_year_folder_is_an_error(tmp_path):
    la = _history(tmp_path, ["2024-25", PERIOD])
    for f in (la / "2024-25").iterdir():
        f.unlink()
    assert _errors(la) == [
        "ERROR: 806/2024-25: the folder is empty: put that year's return in it, or remove the "
        "folder (and the years before it)"
    ]


def test_an_earlier_return_without_its_header_is_an_error(tmp_path):
    la = _history(tmp_path, ["2024-25", PERIOD])
    next((la / "2024-25").glob("*eader*")).unlink()
    assert _errors(la) == [
        "ERROR: 806/2024-25: no file holds the Header table (columns "
        + ", ".join(schema.ALL_TABLES["Header"].columns)
        + "): it is required"
    ]


# --- rows that are not children -------------------------------------------------------------


def _header(rows: list[list[str]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(schema.ALL_TABLES["Header"].columns))
    df[SOURCE_FILE], df[SOURCE_ROW] = "806/2025-26/header.csv", range(2, 2 + len(rows))
    return df


def test_a_totals_row_is_not_read_as_a_child():
    out = clean_table(
        schema.ALL_TABLES["Header"],
        _header([["001", "1", "01/06/2015", "WBRI", "A123456789012", "", ""],
                 ["Total: 430", "", "", "", "", "", ""]]),
    )  # fmt: skip
    assert list(out.table["CHILD"]) == ["001"]
    assert list(out.rejected["_reason"]) == ["a totals row, not a child"]
    assert [str(p) for p in out.problems] == [
        "WARNING: 806/2025-26/header.csv, column CHILD, row 3: a totals row (CHILD says "
        "'total'), not a child: not used. Export the table without summary rows"
    ]


def test_blank_dates_of_birth_are_counted_and_the_rule_stated():
    out = clean_table(
        schema.ALL_TABLES["Header"],
        _header([["001", "1", "", "WBRI", "A123456789012", "", ""],
                 ["002", "2", "01/06/2015", "WBRI", "A123456789013", "", ""],
                 ["003", "2", " ", "WBRI", "A123456789014", "", ""]]),
    )  # fmt: skip
    assert len(out.table) == 3  # still counted as looked after
    assert [str(p) for p in out.problems] == [
        "WARNING: 806/2025-26/header.csv, column DOB, rows 2, 4: DOB is blank for 2 child(ren): "
        "they are counted as looked after, but left out of every measure that needs an age "
        "(age profile, long-term stability, SDQ, care leavers). Fill in DOB"
    ]


# --- pages that tell the truth about the run ------------------------------------------------


@pytest.mark.slow
def test_a_fixed_run_replaces_the_failure_page_and_clears_leftover_staging(tmp_path):
    folder = tmp_path / "raw" / "999" / PERIOD
    minimal_return(folder)
    args = ("run", "--la", "999", "--period", PERIOD, *_dirs(tmp_path))
    assert corpar(*args).returncode == 0
    out = tmp_path / "out" / "999" / PERIOD
    good = json.loads((out / "run.json").read_text())
    eps = next(folder.glob("*pisode*"))
    original = eps.read_bytes()
    head, row = original.decode().splitlines()[:2]
    cells = row.split(",")
    cells[7], cells[8] = "30/04/2024", "E13"  # ends before it starts: a critical check
    eps.write_text(head + "\n" + ",".join(cells) + "\n")
    assert corpar(*args).returncode == 1
    failed_page = (out / "data_quality.html").read_text()
    assert "The run stopped at the data checks, so no report was published" in failed_page
    assert "No errors" not in failed_page
    eps.write_bytes(original)  # fixed: the inputs are the good run's again
    killed = tmp_path / "out" / f".staging-999-{PERIOD}-killed"
    (killed / "999" / PERIOD).mkdir(parents=True)
    (killed / "999" / PERIOD / "indicators.csv").write_text("half a report")
    proc = corpar(*args)
    assert proc.returncode == 0, proc.stderr
    assert "skipped" not in proc.stdout  # the folder no longer matched its manifest
    page = (out / "data_quality.html").read_text()
    assert "No errors: the data can support the report" in page and "stopped" not in page
    assert json.loads((out / "run.json").read_text())["fingerprint"] == good["fingerprint"]
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]
    proc = corpar(*args)
    assert "999 2025-26: unchanged since the last run, skipped" in proc.stdout


def test_an_oc3_row_for_someone_never_looked_after_is_not_a_care_leaver(tmp_path):
    from pipeline.clean.history import NEVER_LOOKED_AFTER, build_history

    la = _history(tmp_path, ["2024-25", PERIOD])
    # 001 has an episode (minimal_return's); 777 has none, and the returns read (from
    # 1 April 2024) cover 777 from their 16th birthday (1 May 2024): not a care leaver.
    # 888 turned 16 in 2020, before the returns start: nothing can be said, so kept.
    write_csv(la / PERIOD / "oc3.csv", list(schema.ALL_TABLES["OC3"].columns), [
        ["001", "01/06/2006", "YES", "F1", "B1"],
        ["777", "01/05/2008", "YES", "F1", "B1"],
        ["888", "01/05/2004", "YES", "F1", "B1"],
    ])  # fmt: skip
    h = build_history(read_history(la, PERIOD), KEY.encode())
    assert len(h.tables["OC3"]) == 2
    assert list(h.rejected["_reason"]) == [NEVER_LOOKED_AFTER]
    assert [str(p) for p in h.problems if "OC3" in p.message] == [
        "WARNING: 806/2025-26/oc3.csv, column CHILD, row 3: 1 OC3 row(s) for young people with "
        "no episode of care in any return read, though the returns cover them from age 16: not "
        "care leavers, so left out of the care-leaver measures. Check CHILD"
    ]


# --- returns as DfE XML and Excel workbooks (pipeline/read/readers.py, read/xml903.py) ---

_XML_CHILD = (
    "<CHILD><HEADER><CHILDID>001</CHILDID><UPN>A123456789012</UPN><SEX>M</SEX>"
    "<DOB>{dob}</DOB><ETHNIC>WBRI</ETHNIC><MOTHER /><MC_DOB /></HEADER>\n"
    "<EPISODE><DECOM>01/04/2025</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL>"
    "<PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC>{dec}</DEC><REC>{rec}</REC>"
    "<REASON_PLACE_CHANGE /><HOME_POST /><PL_POST /><URN /></EPISODE></CHILD>\n"
)


def _xml_return(folder: Path, dob="01/06/2015", dec="", rec="", prolog="") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "return.xml"
    body = _XML_CHILD.format(dob=dob, dec=dec, rec=rec)
    path.write_text(
        f"<?xml version='1.0' encoding='utf-8'?>\n{prolog}<EXPSSDA903>\n{body}</EXPSSDA903>\n"
    )
    return path


@pytest.mark.slow
def test_a_truncated_xml_return_stops_with_its_line_and_publishes_only_the_page(tmp_path):
    """A copy interrupted half way: the run says where the file breaks off."""
    path = _xml_return(tmp_path / "raw" / "806" / PERIOD)
    text = path.read_text()
    path.write_text(text[: text.index("<EPISODE>") + 30])
    before = tree_hashes(tmp_path / "raw")
    proc = corpar("run", "--la", "806", "--period", PERIOD, *_dirs(tmp_path),
                  env_extra={"CORPAR_PSEUDONYM_KEY": KEY})  # fmt: skip
    assert proc.returncode == 1
    assert "806/2025-26/return.xml: the XML cannot be read:" in proc.stderr
    assert "at line 4, column" in proc.stderr
    assert tree_hashes(tmp_path / "raw") == before
    assert sorted(p.name for p in (tmp_path / "out" / "806" / PERIOD).iterdir()) == [
        "data_quality.html"
    ]


def test_an_xml_entity_is_never_resolved(tmp_path):
    """An external entity in a return must not read a file of the machine into the data."""
    secret = tmp_path / "secret.txt"
    secret.write_text("NOT-FOR-THE-REPORT")
    prolog = f'<!DOCTYPE EXPSSDA903 [<!ENTITY e SYSTEM "file://{secret}">]>\n'
    path = _xml_return(tmp_path / "806" / PERIOD, prolog=prolog)
    path.write_text(path.read_text().replace("<ETHNIC>WBRI</ETHNIC>", "<ETHNIC>&e;</ETHNIC>"))
    r = read_year(tmp_path / "806" / PERIOD, PERIOD)
    cells = pd.concat([t.astype(str) for t in r.tables.values()], ignore_index=True)
    assert not cells.apply(lambda s: s.str.contains("NOT-FOR-THE-REPORT")).any().any()


def test_an_xml_return_with_excel_month_dates_is_read_and_reported(tmp_path):
    _xml_return(tmp_path / "806" / PERIOD, dec="31-Mar-26", rec="E11")
    (ret,) = read_history(tmp_path / "806", PERIOD)
    out = clean_table(schema.ALL_TABLES["Episodes"], ret.tables["Episodes"])
    assert str(out.table["DEC"].iloc[0].date()) == "2026-03-31"
    assert [str(p) for p in out.problems] == [
        # Line 1 is the declaration, 2 the root, 3 CHILD and HEADER, 4 the EPISODE.
        "WARNING: 806/2025-26/return.xml, column DEC, line 4: dates written as dd-Mon-yy (not "
        "dd/mm/yyyy) were read as such; check them"
    ]


def test_a_blank_date_of_birth_in_xml_is_counted_like_csv(tmp_path):
    _xml_return(tmp_path / "806" / PERIOD, dob="")
    (ret,) = read_history(tmp_path / "806", PERIOD)
    out = clean_table(schema.ALL_TABLES["Header"], ret.tables["Header"])
    assert [p.message.split(":")[0] for p in out.problems] == ["DOB is blank for 1 child(ren)"]
    assert [p.rows for p in out.problems] == [(3,)]  # the HEADER element's line


def test_a_hidden_header_sheet_is_why_the_header_table_is_missing(tmp_path):
    import openpyxl

    folder = minimal_return(tmp_path / "806" / PERIOD)
    header = (folder / "header.csv").read_text().splitlines()
    (folder / "header.csv").unlink()
    wb = openpyxl.Workbook()
    wb.active.title = "Header"
    for line in header:
        wb.active.append(line.split(","))
    wb.active.sheet_state = "hidden"
    wb.create_sheet("Notes")["A1"] = "see the Header sheet"
    wb.save(folder / "return.xlsx")
    errors = [str(p) for p in read_history(tmp_path / "806", PERIOD)[-1].problems
              if p.severity == "error"]  # fmt: skip
    assert len(errors) == 1
    assert errors[0].startswith("ERROR: 806/2025-26: no file holds the Header table")
    assert errors[0].endswith(
        "Not used in that year: 806/2025-26/return.xlsx (a hidden sheet: it was not read. "
        "Unhide it if it holds a 903 table)"
    )


def test_an_xml_return_in_a_file_named_csv_is_read_by_content(tmp_path):
    path = _xml_return(tmp_path / "806" / PERIOD)
    path.rename(path.with_name("episodes.csv"))
    r = read_year(tmp_path / "806" / PERIOD, PERIOD)
    assert [str(p) for p in r.problems] == []
    assert r.tables["Episodes"]["PLACE"].tolist() == ["U4"]
    assert r.files[0].encoding == "DfE 903 XML"


def test_a_return_whose_episodes_have_headings_and_no_rows_is_an_error(tmp_path):
    """An export that failed half way: 0 children looked after must not be published."""
    folder = minimal_return(tmp_path / "806" / PERIOD)
    eps = folder / "episodes.csv"
    eps.write_text(eps.read_text().splitlines()[0] + "\n")
    errors = [str(p) for p in read_history(tmp_path / "806", PERIOD)[-1].problems
              if p.severity == "error"]  # fmt: skip
    assert errors == [
        "ERROR: 806/2025-26/episodes.csv: the Episodes table has its headings but no rows: the "
        "export from the case-management system may have failed. Export it again"
    ]


@pytest.mark.slow
def test_validate_never_removes_or_belies_the_last_runs_reports(tmp_path):
    """corpar validate after a run: the run's reports stay, whatever the checks find."""
    minimal_return(tmp_path / "raw" / "806" / PERIOD)
    out = tmp_path / "out" / "806" / PERIOD
    out.mkdir(parents=True)
    (out / "806_2025-26_council.html").write_text("the last run's report")
    (out / "run.json").write_text("{}")
    proc = corpar("validate", "--la", "806", "--period", PERIOD, *_dirs(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("1 of 1 job(s) passed the data checks in ")
    assert sorted(p.name for p in out.iterdir()) == [
        "806_2025-26_council.html", "data_quality.html", "run.json"
    ]  # fmt: skip
    eps = next((tmp_path / "raw" / "806" / PERIOD).glob("episodes*"))
    lines = eps.read_text().splitlines()
    fields = lines[1].split(",")
    fields[1], fields[7] = "01/05/2025", "01/04/2025"  # DEC before DECOM: critical
    eps.write_text("\n".join([lines[0], ",".join(fields), *lines[2:]]) + "\n")
    proc = corpar("validate", "--la", "806", "--period", PERIOD, *_dirs(tmp_path))
    assert proc.returncode == 1
    assert (out / "806_2025-26_council.html").read_text() == "the last run's report"
    page = (out / "data_quality.html").read_text()
    assert "corpar validate stopped at the data checks: no report can be made from this" in page
    assert "so no report was published" not in page


@pytest.mark.parametrize("how", ["file left out", "hidden sheet"])
def test_a_return_missing_one_table_is_an_error_not_zero_figures(tmp_path, how):
    """Missing left out (or hidden in the workbook): missing_pct would be 0%, with exit 0."""
    import openpyxl

    la = _history(tmp_path, [PERIOD])
    year = la / PERIOD
    fill_return(year, PERIOD)  # every other table, with no rows: its headings alone
    missing = year / "missing.csv"
    expected_tail = ""
    if how == "hidden sheet":
        wb = openpyxl.Workbook()
        wb.active.title = "Missing"
        for line in missing.read_text(encoding="utf-8-sig").splitlines():
            wb.active.append(line.split(","))
        wb.active.sheet_state = "hidden"
        wb.create_sheet("Notes")["A1"] = "exported 1 April"
        wb.active = 1
        wb.save(year / "missing.xlsx")
        expected_tail = (
            ". Not used in that year: 806/2025-26/missing.xlsx (a hidden sheet: it was not "
            "read. Unhide it if it holds a 903 table)"
        )
    missing.unlink()
    n = len(schema.tables_for_year(PERIOD))
    assert _errors(la) == [
        f"ERROR: 806/2025-26: the 2025-26 return holds {n - 1} of its {n} tables: no file "
        "holds Missing. Export every table (one with no rows as its headings alone): "
        "without it, its measures would count nobody" + expected_tail
    ]
