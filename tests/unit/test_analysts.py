"""The analysts' files (pipeline/publish/analysts.py): indicators.csv in DfE's tidy form,
and the formatted workbook.

Every expected cell is worked from the rows written here and the column meanings: the
figures are the published ones, suppressed; the time and geography columns are DfE's.
"""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.measures.gaps import COLUMNS as GAP_INPUT
from pipeline.publish import analysts, published
from pipeline.read.reference import load_comparators
from pipeline.spec.runspec import build_run_spec
from tests.conftest import write_csv
from tests.unit.test_published import GEO, write_stability
from tests.unit.test_published import la_row as _la

CONTRACT = ["indicator", "breakdown", "value", "display", "numerator", "denominator",
            "england", "region", "stat_neighbours", "target", "rating"]  # fmt: skip


def _spec(tmp_path, period):
    cfg = tmp_path / "config"
    cfg.mkdir(exist_ok=True)
    (cfg / "authorities.yml").write_text(
        'authorities:\n  "Z09":\n    name: Testshire\n    region: North East\n'
        '    neighbours: ["Y01", "Y02"]\n    targets:\n'
        "      placements_3plus_pct: {value: 10, tolerance: 2}\n"
    )
    ref = tmp_path / "ref"
    write_stability(ref)
    # The authority's own names and codes, as any DfE table gives them.
    write_csv(
        ref / "numbers.csv",
        GEO + ["population_type", "children_count"],
        [_la("Z09", "Testshire Council", "E06000099") + ["Children looked after", "1191"]],
    )
    out, processed = str(tmp_path / "out"), str(tmp_path / "p")
    return build_run_spec("Z09", period, config_dir=str(cfg), reference_dir=str(ref),
                          output_dir=out, processed_dir=processed)  # fmt: skip


def _frame(rows, period=None):
    f = pd.DataFrame(rows, columns=["indicator", "breakdown", "numerator", "denominator", "value"])
    return f if period is None else f.assign(period=period)


def _publication(spec, current, trend):
    comp = load_comparators(spec.paths.reference, "Z09", spec.authority.neighbours, "North East")
    gaps = pd.DataFrame(columns=GAP_INPUT)
    return published.build(spec, current, trend, gaps, comp)


ANNUAL_NOW = [
    ["placements_3plus_pct", "", 12, 100, 12.0],
    ["cla_at_end", "", 1191, None, 1191.0],
    ["cla_at_end", "Sex: Female", 4, 1191, 4.0],  # 4 children: c
    ["cla_at_end", "Sex: Male", 1187, 1191, 1187.0],  # c too: it would give the 4 away
    ["sdq_average", "", None, 347, 14.04],  # one decimal place
]
ANNUAL_BEFORE = [
    ["placements_3plus_pct", "", 13, 100, 13.0],
    ["cla_at_end", "", 1100, None, 1100.0],
    ["cla_at_end", "Sex: Female", 3, 1100, 3.0],
    ["cla_at_end", "Sex: Male", 1097, 1100, 1097.0],
]


@pytest.fixture
def annual(tmp_path):
    spec = _spec(tmp_path, "2024-25")
    old = [["placements_3plus_pct", "", 20, 100, 20.0]]  # two years back: not "previous"
    trend = pd.concat(
        [_frame(old, "2022-23"), _frame(ANNUAL_BEFORE, "2023-24"), _frame(ANNUAL_NOW, "2024-25")],
        ignore_index=True,
    )
    pub = _publication(spec, _frame(ANNUAL_NOW), trend)
    analysts.write_published(spec, pub)
    return spec


def _csv_rows(spec) -> dict[tuple[str, str], dict[str, str]]:
    with open(spec.output_dir / "indicators.csv", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == analysts.COLUMNS
        return {(r["indicator"], r["breakdown"]): r for r in reader}


def test_time_and_geography_come_first_as_in_dfe_tables_and_the_contract_keeps_its_columns():
    assert analysts.COLUMNS[: len(GEO)] == GEO
    assert [c for c in analysts.COLUMNS if c in CONTRACT] == CONTRACT  # in the contract's order


def test_a_year_row_reads_as_dfe_writes_it(annual):
    r = _csv_rows(annual)[("placements_3plus_pct", "")]
    assert {k: r[k] for k in GEO} == {
        "time_period": "2025", "time_identifier": "Reporting year",
        "geographic_level": "Local authority", "country_code": "E92000001",
        "country_name": "England", "region_code": "E12000001", "region_name": "North East",
        "old_la_code": "Z09", "la_name": "Testshire Council", "new_la_code": "E06000099",
    }  # fmt: skip
    assert (r["period"], r["period_end"]) == ("2024-25", "2025-03-31")
    assert (r["title"], r["unit"]) == ("Children with 3 or more placements in the year", "percent")
    # 12 of 100; a year earlier 13 (not 20, two years back); England 10, North East 11;
    # neighbours: Y01 9, Y02 suppressed by DfE, so 9 from 1 of 2; target 10 give or take 2.
    got = {k: r[k] for k in ("value", "display", "numerator", "denominator", "previous_period",
                             "previous_value", "previous_display", "england", "region",
                             "stat_neighbours", "stat_neighbours_n", "stat_neighbours_of",
                             "target", "tolerance", "rating")}  # fmt: skip
    assert got == {
        "value": "12", "display": "12", "numerator": "12", "denominator": "100",
        "previous_period": "2023-24", "previous_value": "13", "previous_display": "13",
        "england": "10", "region": "11", "stat_neighbours": "9", "stat_neighbours_n": "1",
        "stat_neighbours_of": "2", "target": "10", "tolerance": "2",
        "rating": "Within tolerance",
    }  # fmt: skip
    # Ranked (lower is better) among DfE's authorities with a figure: Y01's 9, then ours.
    assert (r["england_rank"], r["england_ranked"]) == ("2", "2")


def test_counts_are_whole_numbers_without_neighbour_averages(annual):
    r = _csv_rows(annual)[("cla_at_end", "")]
    assert (r["value"], r["display"], r["numerator"], r["denominator"]) == (
        "1191",
        "1,191",
        "1191",
        "",
    )
    assert (r["previous_period"], r["previous_value"]) == ("2023-24", "1100")
    assert (r["stat_neighbours"], r["stat_neighbours_n"], r["stat_neighbours_of"]) == ("", "", "")
    # 14.04 published to one place is 14.0: the value is the number 14, the display 14.0.
    mean = _csv_rows(annual)[("sdq_average", "")]
    assert (mean["value"], mean["display"]) == ("14", "14.0")


def test_suppressed_figures_are_c_now_and_before_with_no_number_anywhere(annual):
    rows = _csv_rows(annual)
    for sex in ("Sex: Female", "Sex: Male"):
        r = rows[("cla_at_end", sex)]
        assert (r["display"], r["value"], r["numerator"], r["denominator"]) == ("c", "", "", "")
    female = rows[("cla_at_end", "Sex: Female")]
    assert (female["previous_display"], female["previous_value"]) == ("c", "")


def test_a_quarter_names_each_figure_by_the_period_it_describes(tmp_path):
    spec = _spec(tmp_path, "2025-26-Q2")
    now = [["cla_at_end", "", 1200, None, 1200.0], ["health_assessment_pct", "", 90, 100, 90.0]]
    before = [["cla_at_end", "", 1150, None, 1150.0],
              ["health_assessment_pct", "", 80, 100, 80.0]]  # fmt: skip
    trend = pd.concat([_frame(before, "2024-25-Q2"), _frame(now, "2025-26-Q2")])
    analysts.write_published(spec, _publication(spec, _frame(now), trend))
    rows = _csv_rows(spec)
    q = rows[("cla_at_end", "")]
    # The 12 months to 30 September 2025, against the same quarter a year earlier.
    assert (q["time_period"], q["time_identifier"], q["period"], q["period_end"]) == (
        "202526", "Financial year Q2", "2025-26-Q2", "2025-09-30")  # fmt: skip
    assert (q["previous_period"], q["previous_value"]) == ("2024-25-Q2", "1150")
    # A yearly return's figure in a quarter is the latest year's (2024-25), and the one
    # before it is the year before (2023-24), which the 2024-25-Q2 run showed.
    y = rows[("health_assessment_pct", "")]
    assert (y["time_period"], y["time_identifier"], y["period"], y["period_end"]) == (
        "2025", "Reporting year", "2024-25", "2025-03-31")  # fmt: skip
    assert (y["previous_period"], y["previous_value"]) == ("2023-24", "80")


def test_the_workbook_is_formatted_for_analysts(annual):
    wb = load_workbook(annual.output_dir / "indicators.xlsx")
    assert wb.sheetnames == ["indicators", "definitions", "comparators", "about"]
    ws = wb["indicators"]
    assert [c.value for c in ws[1]] == analysts.COLUMNS
    for sheet in wb.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        (table,) = sheet.tables.values()  # filters, banding, a header row
        assert table.ref == sheet.dimensions, sheet.title
    col = {c.value: c.column_letter for c in ws[1]}
    rows = {(ws[f"{col['indicator']}{i}"].value, ws[f"{col['breakdown']}{i}"].value): i
            for i in range(2, ws.max_row + 1)}  # fmt: skip
    count, mean = rows[("cla_at_end", None)], rows[("sdq_average", None)]
    assert ws[f"{col['value']}{count}"].value == 1191  # a number, not text
    assert ws[f"{col['value']}{count}"].number_format == "#,##0"
    assert ws[f"{col['value']}{mean}"].number_format == "#,##0.0"
    assert ws.column_dimensions[col["title"]].width > len("Children with 3 or more placements")
    defs = wb["definitions"]
    dcol = {c.value: c.column_letter for c in defs[1]}
    assert defs[f"{dcol['definition']}2"].alignment.wrap_text
    # Each measure in plain words beside its exact method, for the analyst who explains it.
    d = {r[0]: r for r in defs.iter_rows(values_only=True)}
    assert d["indicator"] == ("indicator", "title", "unit", "polarity", "decimal_places",
                              "in_words", "cohort", "definition")  # fmt: skip
    assert d["cla_at_end"][5].startswith("The number of children the council looked after")
    assert "DECOM" in d["cla_at_end"][7]
    assert d["sdq_average"][4] == 1
    about = [r[0] for r in wb["about"].iter_rows(min_row=2, values_only=True)]
    assert [
        a.removeprefix("Column: ") for a in about if a.startswith("Column: ")
    ] == analysts.COLUMNS


def test_text_that_a_spreadsheet_would_run_is_neutralised(tmp_path):
    spec = _spec(tmp_path, "2024-25")
    now = [["cla_at_end", "", 100, None, 100.0], ["cla_at_end", "=cmd", 50, 100, 50.0]]
    analysts.write_published(spec, _publication(spec, _frame(now), _frame(now, "2024-25")))
    assert ("cla_at_end", "'=cmd") in _csv_rows(spec)
