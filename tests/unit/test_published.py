"""The published indicator table and files: suppression, comparators, targets, ratings."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.problems import ConfigError
from pipeline.publish.published import (
    published_gaps,
    published_indicators,
)
from pipeline.spec.runspec import build_run_spec
from tests.conftest import write_csv

GEO = [
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


NAT = ["2025", "Reporting year", "National", "E92000001", "England", "", "", "", "", ""]
STAB = ["CLA on 31 March", "With 3 or more placements during the year"]


def la_row(code, name="", new=""):
    """An authority's time and geography columns in DfE's form (North East)."""
    return NAT[:2] + ["Local authority", "E92000001", "England", "E12000001", "North East",
                      code, name or code, new]  # fmt: skip


def write_stability(ref):
    """DfE's 3-or-more-placements figures: England 10, North East 11, Y01 9, Y02 c."""
    reg = NAT[:2] + ["Regional", "E92000001", "England", "E12000001", "North East", "", "", ""]
    write_csv(
        ref / "stability.csv",
        GEO + ["cla_group", "placement_stability", "children_count", "children_percent"],
        [
            NAT + STAB + ["8500", "10"],
            reg + STAB + ["600", "11"],
            la_row("Y01") + STAB + ["30", "9"],
            la_row("Y02") + STAB + ["c", "c"],
        ],  # fmt: skip
    )


@pytest.fixture
def spec(tmp_path):
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "authorities.yml").write_text(
        'authorities:\n  "Z09":\n    name: Testshire\n    region: North East\n'
        '    neighbours: ["Y01", "Y02"]\n    targets:\n'
        "      placements_3plus_pct: {value: 10, tolerance: 2}\n"
        "      long_term_stability_pct: {value: 70, tolerance: 5}\n"
    )
    ref = tmp_path / "ref"
    write_stability(ref)
    return build_run_spec(
        "Z09",
        "2024-25",
        config_dir=str(cfg),
        reference_dir=str(ref),
        output_dir=str(tmp_path / "out"),
        processed_dir=str(tmp_path / "p"),
    )


def current(rows):
    return pd.DataFrame(
        rows, columns=["indicator", "breakdown", "numerator", "denominator", "value"]
    )


def test_comparators_targets_and_ratings(spec):
    t = published_indicators(
        spec,
        current(
            [
                ["placements_3plus_pct", "", 12, 100, 12.0],  # target 10 (lower), tolerance 2
                ["long_term_stability_pct", "", 30, 50, 60.0],  # target 70 (higher), tolerance 5
                ["cla_at_end", "", 100, None, 100.0],
            ]
        ),
    ).set_index("indicator")
    p3 = t.loc["placements_3plus_pct"]
    # England 10, North East 11, neighbours: Y01 9 (Y02 suppressed 'c') -> 9 from 1 of 2
    assert (p3["england"], p3["region"], p3["stat_neighbours"], p3["sn_count"]) == (10, 11, 9, 1)
    assert (p3["target"], p3["rating"]) == (10, "Within tolerance")
    assert t.loc["long_term_stability_pct", "rating"] == "Off target"
    assert pd.isna(t.loc["cla_at_end", "rating"])


def test_suppressed_rows_have_blank_numbers_and_no_rating(spec):
    t = published_indicators(spec, current([["placements_3plus_pct", "", 3, 100, 3.0]]))
    r = t.iloc[0]
    assert r["display"] == "c" and pd.isna(r["numerator"]) and pd.isna(r["value"])
    assert pd.isna(r["rating"])


def test_unknown_target_id_is_a_config_error_before_any_figure(tmp_path, spec):
    cfg = spec.config_dir
    (cfg / "authorities.yml").write_text(
        'authorities:\n  "Z09":\n    name: Testshire\n    targets:\n      nonsense: 5\n'
    )
    with pytest.raises(ConfigError, match="targets for indicators that do not exist: nonsense"):
        build_run_spec("Z09", "2024-25", config_dir=str(cfg))


def gap_rows(rows):
    """Internal attainment gaps (gaps.py's columns), England comparator, one row a measure."""
    cols = ["indicator", "cla_value", "numerator", "n", "gap", "previous_numerator", "previous_n"]
    g = pd.DataFrame(rows, columns=cols)
    g["comparator"], g["all_pupils"], g["source"] = "england", 62.0, "LAIT"
    g["ci_low"], g["ci_high"] = g["gap"] - 20, g["gap"] + 20
    g["significant"], g["previous_gap"], g["movement"] = True, -40.0, "narrowed"
    return g


def test_gaps_are_suppressed_on_the_pupils_achieving_as_well_as_the_pupils(spec):
    # Worked from indicators.md: a percentage whose numerator or denominator is 1-5 is c,
    # and so is a gap, interval or movement computed from it.
    g = gap_rows(
        [
            ["ks2_read_exs_pct", 100 / 9, 1, 9, -50.9, 6, 10],  # 1 of 9: c, n shown
            ["ks2_writ_exs_pct", 300 / 11, 3, 11, -34.7, 6, 10],  # 3 of 11: c
            ["ks2_math_exs_pct", 0.0, 0, 9, -62.0, 6, 10],  # 0 of 9: shown (zero stays 0)
            ["ks2_rwm_exs_pct", 50.0, 6, 12, -12.0, 6, 10],  # 6 of 12: shown
            ["ks4_em4_pct", 60.0, 3, 5, -5.0, 6, 10],  # 5 pupils: c, and so is n
            ["ks4_em5_pct", 50.0, 6, 12, -12.0, 2, 10],  # last year 2 of 10: movement c
            ["ks4_att8_avg", 14.55, None, 6, -31.5, None, 4],  # a mean: n decides
        ]
    )
    p = published_gaps(spec, g).set_index("indicator")
    shown = p[["cla_display", "n_display", "gap_display", "ci_display", "movement_display"]]
    assert shown.to_dict("index") == {
        "ks2_read_exs_pct": dict(zip(shown.columns, ["c", "9", "c", "c", "c"], strict=True)),
        "ks2_writ_exs_pct": dict(zip(shown.columns, ["c", "11", "c", "c", "c"], strict=True)),
        "ks2_math_exs_pct": dict(
            zip(shown.columns, ["0", "9", "-62.0", "-82.0 to -42.0", "narrowed"], strict=True)
        ),
        "ks2_rwm_exs_pct": dict(
            zip(shown.columns, ["50", "12", "-12.0", "-32.0 to +8.0", "narrowed"], strict=True)
        ),
        "ks4_em4_pct": dict(zip(shown.columns, ["c", "c", "c", "c", "c"], strict=True)),
        "ks4_em5_pct": dict(
            zip(shown.columns, ["50", "12", "-12.0", "-32.0 to +8.0", "c"], strict=True)
        ),
        "ks4_att8_avg": dict(
            zip(shown.columns, ["14.6", "6", "-31.5", "-51.5 to -11.5", "c"], strict=True)
        ),
    }
    # What is hidden is blank in the numbers too, so no sentence can be written from it.
    hidden = p.loc[["ks2_read_exs_pct", "ks2_writ_exs_pct", "ks4_em4_pct"]]
    assert hidden["suppressed"].all()
    assert hidden[["cla_value", "gap", "ci_low", "ci_high", "movement"]].isna().all().all()
    assert pd.isna(p.loc["ks4_em4_pct", "n"]) and p.loc["ks2_read_exs_pct", "n"] == 9
    assert pd.isna(p.loc["ks4_em5_pct", "movement"]) and not p.loc["ks4_em5_pct", "suppressed"]


def test_gap_thresholds_come_from_the_settings(spec):
    (spec.config_dir / "settings.yml").write_text(
        "disclosure:\n  suppress_min: 1\n  suppress_max: 9\n"
    )
    wider = build_run_spec("Z09", "2024-25", config_dir=str(spec.config_dir))
    g = gap_rows([["ks2_rwm_exs_pct", 50.0, 6, 12, -12.0, 6, 10]])  # 6 pupils achieving
    assert published_gaps(wider, g)["cla_display"].tolist() == ["c"]
    assert published_gaps(spec, g)["cla_display"].tolist() == ["50"]


def test_a_gaps_file_without_numerators_is_still_suppressed(spec):
    # A file written before gaps.py carried k: k = 100/9 % of 9 pupils = 1, so c.
    g = gap_rows([["ks2_rwm_exs_pct", 100 / 9, None, 9, -50.9, None, None]])
    old = g.drop(columns=["numerator", "previous_numerator", "previous_n"])
    p = published_gaps(spec, old)
    assert p[["cla_display", "gap_display", "movement_display"]].values.tolist() == [["c"] * 3]


def test_contradictory_comparators_are_left_out_and_the_analyst_told():
    from pipeline.publish.published import drop_contradictions

    t = pd.DataFrame({
        "indicator": ["cla_at_end", "cla_during_year", "sdq_normal_pct", "sdq_borderline_pct",
                      "sdq_concern_pct"],
        "breakdown": "",
        # England: 83,634 is not rounded to 10; the SDQ bands add to 40 + 20 + 45 = 105.
        "england": [83_634.0, 110_000.0, 40.0, 20.0, 45.0],
        # The region's year (3,900) is below its 31 March (4,000); its bands add to 101.
        "region": [4_000.0, 3_900.0, 50.0, 20.0, 31.0],
        "source": "f.csv",
    })  # fmt: skip
    assert drop_contradictions(t) == [
        "England: the SDQ bands add to 105%, not 100%, in f.csv: left out of comparisons",
        "England: children looked after at the period end is 83,634, not rounded to 10 as DfE "
        "publishes counts, in f.csv: left out of comparisons",
        "the region: children looked after during the year (3,900) is below those looked after "
        "at the period end (4,000) in f.csv: both left out of comparisons",
    ]
    assert t["england"].isna().tolist() == [True, False, True, True, True]
    assert t["region"].isna().tolist() == [True, True, False, False, False]  # 101: rounding


def test_report_code_reads_only_the_publication():
    """No edition can show an unsuppressed figure: the report code never opens the internal
    tables, and never suppresses again (one suppression, in published.build)."""
    import inspect

    from pipeline.report import blocks, browser, commentary, data, data_quality, export, sections

    modules = (blocks, browser, commentary, data, data_quality, export, sections)
    src = "".join(inspect.getsource(m) for m in modules)
    for banned in ("indicators.csv", "indicators_trend.csv", "attainment_gaps.csv",
                   "read_tables", "disclosure.publish(", "published_indicators(",
                   "published_gaps("):  # fmt: skip
        assert banned not in src, banned
    assert "read_publication(spec)" in inspect.getsource(data.load)
