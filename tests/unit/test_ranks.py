"""Rank and quartile among England's authorities (pipeline/publish/ranks.py, published.py).

Expected ranks are counted by hand from the rows written here, or from DfE's own table read
with the csv module (shared/reference/dfe; skipped without it).
"""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from pipeline.publish import ranks
from pipeline.publish.published import RANK_COLUMNS, published_indicators
from pipeline.publish.ranks import Standing, standing
from pipeline.spec.runspec import build_run_spec
from tests.conftest import write_csv
from tests.unit.test_published import GEO

NE = ("E12000001", "North East")
NW = ("E12000002", "North West")
STAB = ["CLA on 31 March", "With 3 or more placements during the year"]
# Placements: 3 or more in the year (lower is better). Y02 is suppressed by DfE.
LAS = [("Y01", NE, "9"), ("Y02", NE, "c"), ("Y03", NE, "12"),
       ("Y04", NW, "8"), ("Y05", NW, "12"), ("Y06", NW, "15")]  # fmt: skip


def _spec(tmp_path, la: str, period: str = "2024-25"):
    cfg = tmp_path / "config"
    cfg.mkdir(exist_ok=True)
    (cfg / "authorities.yml").write_text(
        f'authorities:\n  "{la}":\n    name: Testshire\n    region: North East\n'
    )
    nat = ["2025", "Reporting year", "National", "E92000001", "England", "", "", "", "", ""]
    rows = [nat + STAB + ["8500", "10"]]
    for code, (rcode, rname), pct in LAS:
        geo = nat[:2] + ["Local authority", "E92000001", "England", rcode, rname, code, code, ""]
        rows.append(geo + STAB + ["30", pct])
    ref = tmp_path / "ref"
    write_csv(
        ref / "stability.csv",
        GEO + ["cla_group", "placement_stability", "children_count", "children_percent"],
        rows,
    )
    return build_run_spec(la, period, config_dir=str(cfg), reference_dir=str(ref))


def _placed(spec, rows) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["indicator", "breakdown", "numerator", "denominator", "value"]
    )
    return published_indicators(spec, frame).set_index(["indicator", "breakdown"])[RANK_COLUMNS]


def test_competition_ranks_by_polarity_with_ties_sharing_the_best_place():
    # 50, 40, 40, 30, 20: the two 40s are both 2nd and the next is 4th ("1224").
    figures = [50, 40, 40, 30, 20]
    got = [standing(v, [o for j, o in enumerate(figures) if j != i], "higher").rank
           for i, v in enumerate(figures)]  # fmt: skip
    assert got == [1, 2, 2, 4, 5]
    lower = [standing(v, [o for j, o in enumerate(figures) if j != i], "lower").rank
             for i, v in enumerate(figures)]  # fmt: skip
    assert lower == [5, 3, 3, 2, 1]
    # No better direction: ranked from the highest, as "4th highest".
    assert standing(30, [50, 40, 40, 20], "neither").rank == 4


def test_quartiles_split_the_ranks_into_quarters():
    # Of 151: ranks 1..37 are in the first quarter (4 x 37 = 148 <= 151), 38 is not.
    assert standing(1, [2] * 36 + [0] * 114, "higher") == Standing(37, 151, 1)
    assert standing(1, [2] * 37 + [0] * 113, "higher") == Standing(38, 151, 2)
    assert standing(0, [1] * 150, "higher") == Standing(151, 151, 4)
    # Three authorities have no quarters.
    assert standing(5, [1, 9], "higher") == Standing(2, 3, None)


def test_words_name_the_end_the_rank_counts_from():
    assert ranks.rank_words(Standing(3, 151, 1), "neither") == "3rd highest of 151"
    assert ranks.rank_words(Standing(104, 151, 3), "lower") == "104th lowest of 151"
    assert ranks.rank_words(Standing(1, 12, 1), "higher") == "highest of 12"
    assert ranks.quartile_words(3, "lower") == "second highest quartile"


def test_an_authority_dfe_does_not_list_is_ranked_among_the_others(tmp_path):
    t = _placed(_spec(tmp_path, "Z09"), [["placements_3plus_pct", "", 12, 100, 12.0]])
    r = t.loc[("placements_3plus_pct", "")]
    # Published others 9, 12, 8, 12, 15 (Y02's c is not a figure); lower than 12: 9 and 8,
    # so 3rd of 6 (the five and Z09); quartile ceil(4 x 3 / 6) = 2. North East (by the
    # configured name): Y01 9 and Y03 12, lower: 9, so 2nd of 3.
    assert r.tolist() == [3, 6, 2, 2, 3]


def test_an_authority_dfe_lists_is_ranked_by_its_published_figure(tmp_path):
    # Y03's own row says 12; corpar's 17% (17 of 100) would rank last, 5th of 5. Its
    # published 12 ties with Y05's: lower than 12 are 9 and 8, so 3rd of 5 (itself counted
    # once), quartile ceil(12 / 5) = 3; in the North East (Y01 9, and itself) 2nd of 2.
    t = _placed(_spec(tmp_path, "Y03"), [["placements_3plus_pct", "", 17, 100, 17.0]])
    assert t.loc[("placements_3plus_pct", "")].tolist() == [3, 5, 3, 2, 2]


def test_counts_suppressed_figures_breakdowns_and_rolling_quarters_are_not_ranked(tmp_path):
    t = _placed(
        _spec(tmp_path, "Z09"),
        [
            ["placements_3plus_pct", "", 3, 100, 3.0],  # 3 children: suppressed (c)
            ["cla_at_end", "", 100, None, 100.0],  # a count ranks authorities by size
            ["placements_3plus_pct", "Sex: Female", 12, 100, 12.0],
        ],
    )
    assert t.isna().all().all()
    quarter = _placed(
        _spec(tmp_path, "Z09", "2025-26-Q2"), [["placements_3plus_pct", "", 12, 100, 12.0]]
    )
    assert quarter.isna().all().all()  # a rolling 12 months is not DfE's year


def _dfe(shared, name, **match) -> dict[str, str]:
    with open(shared / "reference" / "dfe" / name, encoding="utf-8-sig") as f:
        return {
            r["old_la_code"]: r
            for r in csv.DictReader(f)
            if r["geographic_level"] == "Local authority"
            and all(r[k] == v for k, v in match.items())
        }


@pytest.mark.parametrize(
    ("la", "rank", "quartile", "region_rank"),
    # DfE, 31 March 2025, children looked after per 10,000 (no better direction): of the
    # 151 authorities with a figure, Blackpool 184, Stoke-on-Trent 170, Hartlepool 157,
    # Liverpool 145, Redcar and Cleveland 144, Middlesbrough 138; in the North East (12
    # with a figure) Hartlepool, Redcar and Cleveland, Middlesbrough lead.
    [("805", 3, 1, 1), ("806", 6, 1, 3), ("890", 1, 1, None)],
)
def test_real_dfe_rates_rank_as_counted_by_hand(shared, tmp_path, la, rank, quartile, region_rank):
    rates = _dfe(
        shared, "cla_number_and_rate_per_10k_children.csv", time_period="2025",
        population_type="Children looked after on 31 March each year",
    )  # fmt: skip
    assert sum(r["rate_per_10000"].isdigit() for r in rates.values()) == 151
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "authorities.yml").write_text(f'authorities:\n  "{la}":\n    name: Test\n')
    spec = build_run_spec(
        la, "2024-25", config_dir=str(cfg), reference_dir=str(shared / "reference" / "dfe")
    )
    own = float(rates[la]["rate_per_10000"])
    t = _placed(spec, [["cla_rate_per_10k", "", 500, 36000, own]]).loc[("cla_rate_per_10k", "")]
    assert (t["england_rank"], t["england_ranked"], t["england_quartile"]) == (rank, 151, quartile)
    if region_rank is not None:
        assert (t["region_rank"], t["region_ranked"]) == (region_rank, 12)


def test_real_dfe_lower_is_better_ranks_from_the_lowest(shared, tmp_path):
    # 3 or more placements, 31 March 2025: Middlesbrough 12%; of the other 150 with a figure
    # 103 are lower and 18 equal, so it shares 104th; 151 ranked, quartile ceil(416 / 151)
    # = 3. North East: 7 of its 11 others lower, so 8th of 12.
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "authorities.yml").write_text('authorities:\n  "806":\n    name: Middlesbrough\n')
    spec = build_run_spec(
        "806", "2024-25", config_dir=str(cfg), reference_dir=str(shared / "reference" / "dfe")
    )
    t = _placed(spec, [["placements_3plus_pct", "", 12, 100, 12.0]])
    assert t.loc[("placements_3plus_pct", "")].tolist() == [104, 151, 3, 8, 12]
