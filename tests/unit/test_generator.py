"""The synthetic generator: deterministic, valid codes for each year, sound journeys."""

from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd
import pytest

from corpar_synthetic import generator as synthetic
from pipeline import schema, upn
from pipeline.read.returns import read_history

SMALL = synthetic.AUTHORITIES[0]  # Z01, about 100 children looked after


@pytest.fixture(scope="module")
def z01(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    synthetic.write_authority(SMALL, raw)
    return raw / SMALL.code


def digest(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes(z01, tmp_path):
    synthetic.write_authority(SMALL, tmp_path)
    assert digest(tmp_path / SMALL.code) == digest(z01)


def test_years_and_tables(z01):
    years = sorted(p.name for p in z01.iterdir())
    assert years == ["2020-21", "2021-22", "2022-23", "2023-24", "2024-25", "2025-26", "2026-27"]
    returns = read_history(z01, "2026-27")
    assert all(not [p for p in r.problems if p.severity == "error"] for r in returns)
    for r in returns:
        expected = set(schema.tables_for_year(r.year))
        assert set(r.tables) == expected, r.year
        assert (r.attainment is not None) == (r.year != "2026-27")


def collection_year(d: pd.Timestamp) -> str:
    y = d.year if d.month >= 4 else d.year - 1
    return f"{y}-{(y + 1) % 100:02d}"


def test_codes_are_valid_for_each_year(z01):
    for r in read_history(z01, "2026-27"):
        tables = schema.tables_for_year(r.year)
        for name, df in r.tables.items():
            for col, codes in tables[name].codes.items():
                if (name, col) == ("Episodes", "PLACE"):
                    continue  # checked against the year each episode started, below
                values = set(df[col].str.upper()) - {""}
                assert values <= codes, (r.year, name, col, values - codes)


def test_placement_codes_are_valid_in_the_year_the_episode_started(z01):
    # A retired code may appear in a later return on an episode that started before the
    # change (e.g. a Z1 placement ending on 1 April 2025 is in the 2025-26 return).
    for r in read_history(z01, "2026-27"):
        eps = r.tables["Episodes"]
        started = pd.to_datetime(eps["DECOM"], format="%d/%m/%Y").map(collection_year)
        for year, place in zip(started, eps["PLACE"], strict=True):
            assert place in schema.tables_for_year(year)["Episodes"].codes["PLACE"], (
                r.year,
                year,
                place,
            )


def test_placement_codes_follow_their_dates(z01):
    eps = pd.concat([r.tables["Episodes"] for r in read_history(z01, "2026-27")])
    decom = pd.to_datetime(eps["DECOM"], format="%d/%m/%Y")
    assert not ((eps["PLACE"].isin(["H5", "P2"])) & (decom >= "2023-10-28")).any()
    assert not ((eps["PLACE"] == "K3") & (decom < "2023-10-28")).any()
    assert not ((eps["PLACE"] == "Z1") & (decom >= "2025-04-01")).any()


def test_journeys_are_sound_and_varied(z01):
    eps = read_history(z01, "2025-26")[-1].tables["Episodes"]
    eps = eps.assign(
        DECOM=pd.to_datetime(eps["DECOM"], format="%d/%m/%Y"),
        DEC=pd.to_datetime(eps["DEC"].replace("", None), format="%d/%m/%Y"),
    )
    assert not (eps["DEC"] < eps["DECOM"]).any()
    s = eps.sort_values(["CHILD", "DECOM"])
    nxt = s.groupby("CHILD")["DECOM"].shift(-1)
    assert not (s["DEC"].notna() & nxt.notna() & (s["DEC"] > nxt)).any()  # no overlaps
    assert {"S", "P", "L", "T"} <= set(eps["RNE"])
    assert eps["PLACE"].isin(list(schema.TEMPORARY_PLACE)).any()
    assert eps["LS"].isin(["V3", "V4"]).any()


def test_every_upn_is_valid(z01):
    # DfE 168: a real UPN's first letter is its check letter (never I, O or S), or UN1-UN5.
    upns = {u for r in read_history(z01, "2026-27") for u in r.tables["Header"]["UPN"]}
    assert len(upns) > 50
    assert {u for u in upns if not upn.is_valid(u)} == set()
    assert {u[0] for u in upns} & set("IOS") == set()


def test_sex_codes_change_in_2024_25(z01):
    r = {x.year: x for x in read_history(z01, "2025-26")}
    assert set(r["2023-24"].tables["Header"]["SEX"]) <= {"1", "2"}
    assert set(r["2024-25"].tables["Header"]["SEX"]) <= {"M", "F", "U"}


def test_excel_damage_is_present_but_readable(z01):
    # Z01's damage: lower-case headings. The reader normalises them.
    raw = (z01 / "2024-25").iterdir()
    first_lines = [
        p.read_text(encoding="utf-8-sig").splitlines()[0] for p in raw if p.name != "attainment.csv"
    ]
    assert all(line == line.lower() for line in first_lines)


def test_reference_tables_are_in_the_dfe_form(tmp_path):
    synthetic.write_reference(tmp_path)
    cla = pd.read_csv(tmp_path / "cla_number_and_rate_per_10k_children_synthetic.csv")
    assert list(cla.columns[:10]) == [
        "time_period",
        "time_identifier",
        "geographic_level",
        "country_code",
        "country_name",
        "region_code",
        "region_name",
        "old_la_code",
        "la_name",
        "new_la_code",
    ]
    assert {"National", "Regional", "Local authority"} <= set(cla["geographic_level"])
    assert date.today().year >= 2026
