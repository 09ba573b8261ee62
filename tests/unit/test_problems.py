"""Problems say where (file, column, rows or lines) and what, on one line."""

from __future__ import annotations

from pipeline.problems import InputError, Problem, quote


def test_a_problem_names_file_column_and_the_first_ten_rows():
    p = Problem("warning", "806/2024-25/episodes.csv", "not a date", "DECOM", tuple(range(2, 14)))
    assert str(p) == (
        "WARNING: 806/2024-25/episodes.csv, column DECOM, rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 "
        "and 2 more: not a date"
    )


def test_an_xml_returns_rows_are_its_lines():
    p = Problem("error", "806/2024-25/return.xml", "no CHILD", None, (7,))
    assert str(p) == "ERROR: 806/2024-25/return.xml, line 7: no CHILD"


def test_a_file_name_cannot_forge_a_line_of_output():
    assert quote("a\nERROR: b.csv") == "'a\\nERROR: b.csv'"
    assert "\n" not in str(Problem("error", "a\nERROR: b.csv", "bad"))


def test_an_input_error_holds_every_problem_one_per_line():
    err = InputError([Problem("error", "a.csv", "x"), Problem("error", "b.csv", "y")])
    assert str(err).splitlines() == ["ERROR: a.csv: x", "ERROR: b.csv: y"]
