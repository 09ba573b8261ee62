"""Comparators from the real DfE tables in shared/reference/dfe (skipped without them)."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from pipeline.measures.registry import compute_all
from pipeline.publish import disclosure
from pipeline.read.reference import Comparators, comparator_values, load_comparators
from pipeline.spec.period import parse_period
from tests.conftest import write_csv


def test_england_region_and_published_la_figures(shared):
    ref = shared / "reference" / "dfe"
    comp = load_comparators(ref, "806")
    assert (comp.la_name, comp.region_name) == ("Middlesbrough", "North East")
    assert comp.population[2024] == 35617
    v = comparator_values(ref, comp, "cla_rate_per_10k", 2025)
    # DfE, year ending 31 March 2025: England 67, North East 111, Middlesbrough 138.
    assert (v["england"], v["region"], v["la_published"]) == (67, 111, 138)
    assert comparator_values(ref, comp, "cla_at_end", 2025)["england"] == 81770


def test_statistical_neighbours_are_the_2025_model_mean(shared):
    ref = shared / "reference" / "dfe"
    comp = load_comparators(ref, "806")
    assert comp.neighbours == ["890", "805", "861", "354", "391", "336", "335", "393", "341", "355"]
    with open(ref / "cla_number_and_rate_per_10k_children.csv", encoding="utf-8-sig") as f:
        rates = {
            r["old_la_code"]: r["rate_per_10000"]
            for r in csv.DictReader(f)
            if r["time_period"] == "2025"
            and r["geographic_level"] == "Local authority"
            and r["population_type"] == "Children looked after on 31 March each year"
        }
    # "the mean of the LA's 10 neighbours that have a value" (DfE symbols are not values)
    have = [float(rates[n]) for n in comp.neighbours if rates.get(n, "z").isdigit()]
    v = comparator_values(ref, comp, "cla_rate_per_10k", 2025)
    assert v["sn_count"] == len(have) >= 8
    assert abs(v["stat_neighbours"] - sum(have) / len(have)) < 1e-9


def test_our_rate_matches_dfe_for_the_same_count_and_population(shared):
    # 493 children looked after at 31 March 2025 with Middlesbrough's mid-2024 population
    # gives DfE's published 138.
    comp = load_comparators(shared / "reference" / "dfe", "806")
    eps = pd.DataFrame(
        {
            "CHILD": [f"c{i}" for i in range(493)],
            "DECOM": pd.Timestamp("2024-01-01"),
            "DEC": pd.NaT,
            "RNE": "S",
            "LS": "C2",
            "PLACE": "U4",
            "REC": "",
            "CIN": "N1",
            "URN": "",
        }
    )
    r = compute_all(
        {"Episodes": eps}, parse_period("2024-25"), comp.population, ids=["cla_rate_per_10k"]
    )
    pub = disclosure.publish(r, units={"cla_rate_per_10k": "rate"}, dps={"cla_rate_per_10k": 0})
    assert pub["display"].iloc[0] == "138"  # 138.4 inside, published as DfE shows it


def test_missing_reference_folder_gives_x_not_an_error(tmp_path):
    comp = load_comparators(tmp_path / "nothing", "806")
    assert comp.population == {} and comp.neighbours == []
    assert (
        comparator_values(tmp_path / "nothing", comp, "cla_rate_per_10k", 2025)["england"] is None
    )


def test_known_published_figures_for_outcome_measures(shared):
    # Figures the issue names: England long-term stability 69% (2025).
    ref = shared / "reference" / "dfe"
    comp = load_comparators(ref, "806")
    assert comparator_values(ref, comp, "long_term_stability_pct", 2025)["england"] == 69
    assert comparator_values(ref, comp, "placements_3plus_pct", 2025)["england"] == 10
    assert comparator_values(ref, comp, "health_assessment_pct", 2025)["england"] == 90
    assert comparator_values(ref, comp, "sdq_average", 2025)["england"] == 14.9
    assert comparator_values(ref, comp, "missing_pct", 2023)["england"] == 11
    assert comparator_values(ref, comp, "adopted_pct", 2023)["england"] == 9


def test_a_planned_return_home_is_compared_with_dfe_s_published_figure(shared):
    # la_children_who_ceased_during_the_year.csv, 2023, "Returned home ... which was part of
    # the care planning process": England 17%, North East 20%, Middlesbrough (806) 9%.
    ref = shared / "reference" / "dfe"
    got = comparator_values(ref, load_comparators(ref, "806"), "returned_home_planned_pct", 2023)
    assert (got["england"], got["region"], got["la_published"]) == (17, 20, 9)


def test_attainment_comparators_and_all_pupils(shared):
    from pipeline.read.reference import all_pupils

    ref = shared / "reference" / "dfe"
    comp = load_comparators(ref, "806")
    # DfE: children looked after 12 months, KS2 reading, writing and maths 2024/25: 35%
    assert comparator_values(ref, comp, "ks2_rwm_exs_pct", 2025)["england"] == 35
    ap = all_pupils(ref, "806", "ks2_rwm_exs_pct", 2025)
    assert (ap["england"], ap["la"]) == (63, 63)
    assert ap["source"] == "DfE Local Authority Interactive Tool (LAIT)"  # the publication


def test_england_profiles_are_the_latest_published(shared):
    from pipeline.read.reference import england_profiles

    profiles = england_profiles(shared / "reference" / "dfe", 2025)
    # national_cla_on_31_march_by_characteristics.csv runs to 2023
    assert {year for year, _ in profiles.values()} == {2023}
    age = profiles["Age band"][1]
    assert age == {"Under 1": 5, "1 to 4": 13, "5 to 9": 18, "10 to 15": 38, "16 and over": 26}
    assert profiles["Sex"][1] == {"Male": 57, "Female": 43}
    # Worked from the CSV's 2023 numbers (of 83,840 children): Chinese children (100) move
    # from Asian (4,460) to Other (4,210), as the return's reporting groups count them.
    eth = profiles["Ethnic group"][1]
    assert eth["White"] == 71 and eth["Not known"] == 1  # DfE's own percentages
    assert eth["Asian"] == pytest.approx(100 * 4360 / 83840)
    assert eth["Other"] == pytest.approx(100 * 4310 / 83840)
    # DfE prints k (under 0.5%) for 50 children detained for child protection: the number.
    legal = profiles["Legal status"][1]
    assert legal["Emergency and police protection"] == pytest.approx(100 * 50 / 83840)
    assert legal["Care order (interim or full)"] == 76
    assert legal["Accommodated under section 20"] == 19
    # Placements, DfE's headings grouped as schema.PLACEMENT_GROUPS (2023 numbers): homes and
    # residential = 5 (14,580) - 5d (6,680) + 6 (1,270) + 7 (100); independent and
    # semi-independent = 4a (2,300) + 5d; other = 8 (860) + 4 (2,300) - 4a, as 4b is c.
    place = profiles["Placement"][1]
    assert (place["Foster care"], place["Placed for adoption"], place["Placed with parents"]) == (
        68, 2, 7,
    )  # fmt: skip
    assert place["Children's homes and residential"] == pytest.approx(100 * 9270 / 83840)
    assert place["Independent and semi-independent living"] == pytest.approx(100 * 8980 / 83840)
    assert place["Other"] == pytest.approx(100 * 860 / 83840)


def test_region_and_neighbours_from_a_hand_made_table(tmp_path):
    """Worked by hand: England 10; North East (E12000001) 11, North West (E12000002) 13;
    Y01 published twice (the first row counts: 9), Y02 suppressed ('c'), Y03 absent."""
    geo = ["time_period", "geographic_level", "region_code", "region_name", "old_la_code"]
    cols = geo + ["cla_group", "placement_stability", "children_percent"]
    stab = ["CLA on 31 March", "With 3 or more placements during the year"]
    write_csv(
        tmp_path / "ref" / "stability.csv",
        cols,
        [
            ["2025", "National", "", "", ""] + stab + ["10"],
            ["2025", "Regional", "E12000001", "North East", ""] + stab + ["11"],
            ["2025", "Regional", "E12000002", "North West", ""] + stab + ["13"],
            ["2025", "Local authority", "E12000001", "North East", "Y01"] + stab + ["9"],
            ["2025", "Local authority", "E12000001", "North East", "Y01"] + stab + ["99"],
            ["2025", "Local authority", "E12000001", "North East", "Y02"] + stab + ["c"],
            ["2024", "National", "", "", ""] + stab + ["12"],
        ],
    )
    ref = tmp_path / "ref"

    def values(**kw):
        comp = Comparators("Y02", neighbours=["Y01", "Y02", "Y03"], **kw)
        return comparator_values(ref, comp, "placements_3plus_pct", 2025)

    by_code = values(region_code="E12000002", region_name="North East")
    assert (by_code["england"], by_code["region"]) == (10, 13)  # the code wins over the name
    assert (by_code["stat_neighbours"], by_code["sn_count"], by_code["la_published"]) == (
        9,
        1,
        None,
    )
    assert values(region_name="North East")["region"] == 11  # no code: by name
    assert values(region_code="E12000009", region_name="North East")["region"] is None
    assert values()["region"] is None
    assert values()["source"] == "stability.csv"
    earlier = comparator_values(ref, Comparators("Y01"), "placements_3plus_pct", 2024)
    assert (earlier["england"], earlier["la_published"]) == (12, None)
    assert comparator_values(ref, Comparators("Y01"), "placements_3plus_pct", 2023) == (
        comparator_values(tmp_path / "none", Comparators("Y01"), "placements_3plus_pct", 2023)
    )
