"""The DfE 903 XML return (pipeline/read/xml903.py) reads into the same tables as the CSV form.

The module promises: one CHILD element gives a Header row and a row of each nested table,
CHILDID and PL become CHILD and PLACE, every row names the line its element starts on,
elements not in the year's return are ignored with one warning, a file that is not XML or
not a 903 return says so, and the file is streamed in bounded memory.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from pipeline.clean.history import build_history
from pipeline.problems import Problem
from pipeline.read.returns import SOURCE_FILE, SOURCE_ROW, YEAR, read_history, read_year
from pipeline.read.xml903 import read_xml_return
from pipeline.spec.period import parse_period
from tests.conftest import tree_hashes, xml_form

KEY = b"formats-test-key-0123"
PERIOD = "2025-26"
INTERNAL = [SOURCE_FILE, SOURCE_ROW, YEAR]


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    """A year's tables as read from its CSV files, with the pipeline's own reader."""
    return read_year(folder, folder.name).tables


def _cells(df: pd.DataFrame) -> pd.DataFrame:
    cols = sorted(c for c in df.columns if c not in INTERNAL)
    return df[cols].sort_values(cols).reset_index(drop=True)


def test_xml_return_reads_cell_for_cell_like_the_csv_tables(csv_form, tmp_path):
    xml_root = xml_form(csv_form, tmp_path)
    before = tree_hashes(xml_root)
    for year_dir in sorted((csv_form / "Z01").iterdir()):
        want = _tables(year_dir)
        got = read_year(xml_root / "Z01" / year_dir.name, year_dir.name)
        assert [p for p in got.problems if p.severity == "error"] == []
        for name, table in want.items():
            if name == "Header":
                # A care leaver's CHILD element is a Header row too (DOB only).
                leavers = set(want["OC3"]["CHILD"]) - set(table["CHILD"])
                extra = got.tables[name][got.tables[name]["CHILD"].isin(leavers)]
                assert len(extra) == len(leavers)
                assert (extra["SEX"] == "").all()
                got_t = got.tables[name][~got.tables[name]["CHILD"].isin(leavers)]
            else:
                got_t = got.tables[name]
            pd.testing.assert_frame_equal(
                _cells(got_t), _cells(table), obj=f"{year_dir.name} {name}"
            )
    assert tree_hashes(xml_root) == before


def test_xml_rows_name_the_line_their_element_starts_on(csv_form, tmp_path):
    xml_root = xml_form(csv_form, tmp_path)
    year = xml_root / "Z01" / PERIOD
    path = next(year.glob("*.xml"))
    lines = path.read_text().splitlines()
    episodes = read_year(year, PERIOD).tables["Episodes"]
    assert episodes[SOURCE_FILE].iloc[0] == f"Z01/{PERIOD}/{path.name}"
    for line in episodes[SOURCE_ROW].iloc[:20]:
        assert lines[line - 1].strip() == "<EPISODE>"


def test_the_xml_forms_care_leaver_headers_change_no_trend_figure(csv_form, tmp_path):
    """A care leaver's HEADER of OC3 fields only has a blank sex and ethnicity; a blank in a
    later return must not erase what earlier returns said (clean.FIXED_FACTS)."""
    from pipeline.measures.registry import compute_trend

    def trend(root):
        h = build_history(read_history(root / "Z01", PERIOD), KEY)
        tables = {**h.tables, "attainment": h.attainment}
        return compute_trend(tables, parse_period(PERIOD), 5, earliest=h.years[0])

    want = trend(csv_form).reset_index(drop=True)
    got = trend(xml_form(csv_form, tmp_path)).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)


def test_the_validator_fake_xml_reads_every_element(shared, tmp_path):
    folder = tmp_path / "999" / "2017-18"
    folder.mkdir(parents=True)
    src = shared / "fixtures" / "ssda903_validator_fake" / "fake_903.xml"
    shutil.copy(src, folder)
    r = read_year(folder, "2017-18")
    # Counted independently from the file with ElementTree.
    root = ET.parse(src).getroot()
    children = root.findall("CHILD")
    assert len(r.tables["Header"]) == len(children)
    assert len(r.tables["Episodes"]) == len(root.findall("CHILD/EPISODE"))
    assert len(r.tables["Reviews"]) == len(root.findall("CHILD/HEADER/AREVIEW"))
    assert len(r.tables["Missing"]) == len(root.findall("CHILD/HEADER/AMISSING"))
    assert len(r.tables["OC2"]) == len(root.findall("CHILD/HEADER/OC2"))
    assert len(r.tables["PrevPerm"]) == len(root.findall("CHILD/HEADER/PERMANENCE"))
    assert len(r.tables["PlacedAdoption"]) == len(root.findall("CHILD/HEADER/AD_PLACED"))
    in_touch = [c for c in children if (c.findtext("HEADER/IN_TOUCH") or "").strip()]
    assert len(r.tables["OC3"]) == len(in_touch)
    first = children[0]
    head = r.tables["Header"].iloc[0]
    assert head["CHILD"] == first.findtext("HEADER/CHILDID")
    assert head["DOB"] == first.findtext("HEADER/DOB")
    assert head["MOTHER"] == ""  # <MOTHER /> is a blank
    ep = r.tables["Episodes"].iloc[0]
    assert ep["PLACE"] == first.findtext("EPISODE/PL")
    assert ep["CHILD"] == head["CHILD"]
    assert [p for p in r.problems if p.severity == "error"] == []


@pytest.mark.parametrize(
    "content, expected",
    [
        (
            b"<?xml version='1.0'?>\n<EXPSSDA903>\n<CHILD><HEADER><CHILDID>1</CHILDID>\n"
            b"<DOB>01/01/2010</DOB></CHILD>\n</EXPSSDA903>\n",
            "ERROR: 806/2024-25/r.xml: the XML cannot be read: Opening and ending tag mismatch: "
            "HEADER line 3 and CHILD at line 4, column 30. Export the return again, or correct "
            "the file at that place",
        ),
        (
            b"<?xml version='1.0'?><Workbook><Row>1</Row></Workbook>",
            "WARNING: 806/2024-25/r.xml: an XML file whose root element is Workbook, not "
            "EXPSSDA903: not a 903 return, so it was skipped",
        ),
    ],
)
def test_xml_that_cannot_be_read_says_where(tmp_path, content, expected):
    folder = tmp_path / "806" / "2024-25"
    folder.mkdir(parents=True)
    (folder / "r.xml").write_bytes(content)
    assert [str(p) for p in read_year(folder, "2024-25").problems] == [expected]


_MEMORY_SCRIPT = r"""
import sys
from pathlib import Path
from pipeline.read.xml903 import read_xml_return
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child started by a large
# process (pytest) would start at its parent's peak and a growth would not show.
def hwm():
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
    return int(line.split()[1])
before = hwm()
read = read_xml_return(Path(sys.argv[1]), "big.xml", "2025-26")
print(sum(len(p.frame) for p in read.parts), (hwm() - before) // 1024)
"""


def test_a_large_xml_return_is_read_in_bounded_memory(tmp_path):
    """20,000 children with 10 episodes each (40 MB).

    Parsing the whole tree takes about 8 times the file (320 MB with ElementTree, 530 MB
    with lxml, measured); streaming keeps about the tables it makes (90 MB).
    """
    path = tmp_path / "big.xml"
    episode = (
        "<EPISODE><DECOM>01/04/2025</DECOM><RNE>P</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL>"
        "<PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC /><REC /><REASON_PLACE_CHANGE />"
        "<HOME_POST /><PL_POST /><URN /></EPISODE>\n"
    )
    with open(path, "w") as f:
        f.write("<?xml version='1.0' encoding='utf-8'?>\n<EXPSSDA903>\n")
        for i in range(20_000):
            f.write(
                f"<CHILD><HEADER><CHILDID>{i:07d}</CHILDID><SEX>M</SEX><DOB>01/01/2012</DOB>"
                "<ETHNIC>WBRI</ETHNIC><UPN /><MOTHER /><MC_DOB /></HEADER>\n"
            )
            f.write(episode * 10)
            f.write("</CHILD>\n")
        f.write("</EXPSSDA903>\n")
    size_mb = path.stat().st_size / 2**20
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    rows, grew_mb = int(out[0]), int(out[1])
    assert rows == 20_000 * 11
    assert grew_mb < 3 * size_mb, f"reading {size_mb:.0f} MB of XML took {grew_mb} MB more"


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "r.xml"
    path.write_text("<?xml version='1.0'?>\n<EXPSSDA903>\n" + text + "</EXPSSDA903>\n")
    return path


def test_elements_not_in_the_return_are_ignored_with_one_warning(tmp_path):
    # Two children each with an unknown HEADER field, one with an unknown nested element
    # whose one field (PET_NAME) belongs to no 903 table: one warning naming both, sorted.
    path = _write(
        tmp_path,
        "<CHILD><HEADER><CHILDID>1</CHILDID><DOB>01/06/2015</DOB><FAVOURITE>blue</FAVOURITE>"
        "</HEADER><PETS><PET_NAME>Rex</PET_NAME></PETS></CHILD>\n"
        "<CHILD><HEADER><CHILDID>2</CHILDID><DOB>02/07/2016</DOB><FAVOURITE>red</FAVOURITE>"
        "</HEADER></CHILD>\n",
    )
    read = read_xml_return(path, "r.xml", PERIOD)
    assert read.problems == [
        Problem(
            "warning",
            "r.xml",
            f"element(s) that are not part of the {PERIOD} return were ignored: FAVOURITE, PETS",
        )
    ]
    header = next(p.frame for p in read.parts if p.table == "Header")
    assert header["CHILD"].tolist() == ["1", "2"]
    assert "FAVOURITE" not in header.columns
    values = {v for p in read.parts for v in p.frame.astype(str).to_numpy().ravel()}
    assert not values & {"blue", "red", "Rex"}


def test_each_row_names_the_line_its_own_element_starts_on(tmp_path):
    path = _write(
        tmp_path,
        "<CHILD>\n"  # line 3
        "<HEADER><CHILDID>1</CHILDID><SEX>1</SEX><DOB>01/06/2015</DOB>\n"  # 4: Header row
        "<AREVIEW><REVIEW>01/05/2025</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW>\n"  # 5
        "</HEADER>\n"  # 6
        "<EPISODE><DECOM>01/04/2025</DECOM><PL>U4</PL></EPISODE>\n"  # 7
        "<EPISODE><DECOM>01/09/2025</DECOM><PL>U1</PL></EPISODE>\n"  # 8
        "</CHILD>\n"  # 9
        "<CHILD><HEADER><CHILDID>2</CHILDID><SEX>2</SEX></HEADER></CHILD>\n",  # 10
    )
    read = read_xml_return(path, "r.xml", PERIOD)
    assert read.problems == []
    t = {p.table: p.frame for p in read.parts}
    assert t["Header"][["CHILD", SOURCE_ROW]].values.tolist() == [["1", 4], ["2", 10]]
    # A nested row takes its child's HEADER fields (CHILD, DOB) and its own line.
    assert t["Reviews"][["CHILD", "DOB", "REVIEW", SOURCE_ROW]].values.tolist() == [
        ["1", "01/06/2015", "01/05/2025", 5]
    ]
    assert t["Episodes"][["CHILD", "PLACE", SOURCE_ROW]].values.tolist() == [
        ["1", "U4", 7],
        ["1", "U1", 8],
    ]
    assert set(t["Episodes"][SOURCE_FILE]) == {"r.xml"}
