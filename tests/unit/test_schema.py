"""The 903 specification per collection year: a base year plus each year's changes."""

from __future__ import annotations

from pipeline import schema


def codes(year: str, table: str, column: str) -> frozenset[str]:
    return schema.tables_for_year(year)[table].codes[column]


def test_tables_arrive_in_their_year():
    assert "SWEpisodes" not in schema.tables_for_year("2022-23")
    assert "SWEpisodes" in schema.tables_for_year("2023-24")
    assert "DoLo" not in schema.tables_for_year("2025-26")
    assert "DoLo" in schema.tables_for_year("2026-27")


def test_placement_codes_follow_each_years_changes():
    # 2023-24 adds K3; 2024-25 retires H5 and P2; 2025-26 splits Z1 into Z11-Z14.
    assert {"H5", "P2", "Z1"} <= codes("2022-23", "Episodes", "PLACE")
    assert "K3" not in codes("2022-23", "Episodes", "PLACE")
    assert {"K3", "H5", "P2"} <= codes("2023-24", "Episodes", "PLACE")
    assert not {"H5", "P2"} & codes("2024-25", "Episodes", "PLACE")
    later = codes("2025-26", "Episodes", "PLACE")
    assert "Z1" not in later and {"Z11", "Z12", "Z13", "Z14"} <= later
    # A change carries forward to every later year until another replaces it.
    assert codes("2026-27", "Episodes", "PLACE") == later


def test_sex_codes_change_in_2024_25():
    assert codes("2023-24", "Header", "SEX") == {"1", "2"}
    assert codes("2024-25", "Header", "SEX") == {"M", "F", "U"}
    assert schema.SEX_TO_STANDARD["1"] == "M" and schema.SEX_TO_STANDARD["2"] == "F"


def test_custody_and_no_fixed_abode_are_never_suitable_accommodation_codes():
    assert not {"S1", "X1"} & schema.ACCOM
    assert {"S2", "X2", "0", "B1", "Z2"} <= schema.ACCOM
    assert len(schema.ACCOM) == 16 * 2 - 2 + 1


def test_historic_activity_codes_are_not_codes():
    assert not {"F3", "P3"} & schema.ACTIV
