"""Report building blocks that need no kernel: slots are escaped, ratings are words."""

from __future__ import annotations

from types import SimpleNamespace

from pipeline.report import commentary, sections
from pipeline.report.data import find_row
from pipeline.spec.runspec import build_run_spec


def test_commentary_slot_escapes_what_was_written(tmp_path):
    cfg = tmp_path / "config"
    (cfg / "commentary" / "Z09" / "2024-25").mkdir(parents=True)
    (cfg / "commentary" / "Z09" / "children_in_care_council.md").write_text("general")
    (cfg / "commentary" / "Z09" / "2024-25" / "children_in_care_council.md").write_text(
        "We said <script>alert(1)</script> & more.\n\nSecond paragraph."
    )
    spec = build_run_spec("Z09", "2024-25", config_dir=str(cfg))
    html = commentary.slot(SimpleNamespace(spec=spec), "children_in_care_council")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; more" in html
    assert html.count("<p>") == 2  # paragraphs kept; the period's file wins over "general"
    other = build_run_spec("Z09", "2023-24", config_dir=str(cfg))
    assert "general" in commentary.slot(SimpleNamespace(spec=other), "children_in_care_council")


def test_rating_is_never_colour_alone():
    cell = sections.rating_cell("Off target")
    assert "Off target" in cell and 'aria-hidden="true"' in cell
    assert sections.rating_cell(None) == ""


def test_row_lookup_takes_the_first_matching_row_of_the_frame_it_is_given():
    import pandas as pd

    trend = pd.DataFrame(
        {
            "period": ["2023-24", "2024-25", "2024-25", "2024-25"],
            "indicator": ["cla_at_end", "cla_at_end", "cla_at_end", "cla_at_end"],
            "breakdown": ["", "", "", "Age: 1 to 4"],
            "value": [90.0, 100.0, 999.0, 7.0],
        }
    )
    assert find_row(trend, "cla_at_end")["value"] == 90  # any period: the first row
    assert find_row(trend, "cla_at_end", period="2024-25")["value"] == 100  # not 999
    assert find_row(trend, "cla_at_end", "Age: 1 to 4", "2024-25")["value"] == 7
    assert find_row(trend, "cla_at_end", period="2025-26") is None
    assert find_row(trend, "cla_ceased") is None
    # Another frame, even one with the same rows, is looked up in itself.
    other = trend.iloc[::-1].reset_index(drop=True)
    assert find_row(other, "cla_at_end", period="2024-25")["value"] == 999
    current = trend.drop(columns="period").iloc[1:]  # a period's own rows: no period column
    assert find_row(current, "cla_at_end")["value"] == 100
