"""Periods, authority codes and configuration files."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.problems import ConfigError
from pipeline.spec.period import latest_complete_period, parse_period
from pipeline.spec.runspec import build_run_spec


@pytest.mark.parametrize(
    "label, start, end",
    [
        ("2024-25", date(2024, 4, 1), date(2025, 3, 31)),
        ("2024-25-Q1", date(2023, 7, 1), date(2024, 6, 30)),
        ("2024-25-Q2", date(2023, 10, 1), date(2024, 9, 30)),
        ("2024-25-Q3", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-25-Q4", date(2024, 4, 1), date(2025, 3, 31)),
        ("1999-00", date(1999, 4, 1), date(2000, 3, 31)),
    ],
)
def test_periods_end_on_quarter_ends_and_cover_twelve_months(label, start, end):
    p = parse_period(label)
    assert (p.start, p.end) == (start, end)


@pytest.mark.parametrize("bad", ["2024-26", "2024/25", "2024-25-Q5", "24-25", ""])
def test_bad_periods_are_refused(bad):
    with pytest.raises(ConfigError, match="is not valid"):
        parse_period(bad)


@pytest.mark.parametrize("bad", ["../../etc", "80 6", "8066", "z01", "", "806/"])
def test_bad_authority_codes_are_refused_before_any_path(bad, tmp_path):
    with pytest.raises(ConfigError):
        build_run_spec(bad, "2024-25", raw_dir=str(tmp_path))


def test_unconfigured_authority_still_gets_a_spec(tmp_path):
    spec = build_run_spec(
        "806",
        "2024-25",
        raw_dir=str(tmp_path / "raw"),
        processed_dir=str(tmp_path / "p"),
        output_dir=str(tmp_path / "o"),
    )
    assert not spec.authority.configured and spec.authority.name == "806"
    assert spec.processed_dir == tmp_path / "p" / "806" / "2024-25"
    assert spec.output_dir == tmp_path / "o" / "806" / "2024-25"


def test_authority_config_is_validated(tmp_path):
    (tmp_path / "authorities.yml").write_text(
        'authorities:\n  "806":\n    name: Middlesbrough\n    colour: blue\n'
    )
    with pytest.raises(ConfigError, match=r"unknown keys \['colour'\]"):
        build_run_spec("806", "2024-25", config_dir=str(tmp_path))
    (tmp_path / "authorities.yml").write_text("authorities:\n  806:\n    name: Middlesbrough\n")
    with pytest.raises(ConfigError, match="quote it in YAML"):
        build_run_spec("806", "2024-25", config_dir=str(tmp_path))


def test_targets_and_population_override(tmp_path):
    (tmp_path / "authorities.yml").write_text(
        'authorities:\n  "806":\n    name: Middlesbrough\n    population_0_17: {2024: 33480}\n'
        "    targets:\n      cla_rate_per_10k: {value: 150, tolerance: 10}\n"
    )
    spec = build_run_spec("806", "2024-25", config_dir=str(tmp_path))
    assert spec.authority.population_0_17 == {2024: 33480}
    assert spec.authority.targets["cla_rate_per_10k"].tolerance == 10


def test_latest_complete_period_for_a_scheduled_run():
    assert latest_complete_period(date(2025, 4, 1)).label == "2024-25"
    assert latest_complete_period(date(2025, 3, 31)).label == "2023-24"
    assert latest_complete_period(date(2025, 1, 1), quarterly=True).label == "2024-25-Q3"


def test_action_plan_is_validated(tmp_path):
    def load_action_plan(_spec):
        # The plan is read with the configuration, once, into the authority of the spec.
        return list(build_run_spec("806", "2024-25-Q2", config_dir=str(tmp_path)).authority.actions)

    (tmp_path / "action_plans").mkdir()
    plan = tmp_path / "action_plans" / "806.yml"
    spec = None
    assert load_action_plan(spec) == []
    plan.write_text("actions:\n  - task: Do it\n    impact: Better\n")
    with pytest.raises(ConfigError, match="action 1: needs baseline"):
        load_action_plan(spec)
    plan.write_text(
        "actions:\n  - {task: t, impact: i, baseline: b, reviews: "
        "[{date: 2024-06-30, rating: amber}]}\n"
    )
    with pytest.raises(ConfigError, match="rating 'amber' must be one of complete, on track"):
        load_action_plan(spec)
    plan.write_text(
        "actions:\n  - {task: t, impact: i, baseline: b, reviews: "
        "[{date: 2024-09-30, rating: At Risk}, {date: 2024-06-30, rating: "
        "on track}]}\n"
    )
    (a,) = load_action_plan(spec)
    assert [r.rating for r in a.reviews] == ["on track", "at risk"]  # sorted by date
