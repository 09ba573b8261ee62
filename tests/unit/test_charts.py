"""Charts (``pipeline.report.charts``): what is drawn is exactly the published figures.

A trend chart draws one line per series, in the accessible palette (two series: the
two-series pair), told apart by marker as well as colour; a missing value breaks its line
rather than being drawn as zero or joined over. A bar chart leaves a suppressed bar out. The
report's figure around a chart (``sections.trend_figure``) gives it alt text that says the
figures, and never a suppressed one.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import lxml.html
import matplotlib.pyplot as plt
import pandas as pd

from pipeline.report import charts, sections
from pipeline.spec.runspec import build_run_spec

YEARS = ["2023-24", "2024-25", "2025-26"]
NAN = float("nan")


def _trend(eastbridge: list[float]):
    tidy = pd.DataFrame(
        {"period": YEARS * 2, "series": ["Eastbridge"] * 3 + ["England"] * 3,
         "value": [*eastbridge, 70.0, 71.0, 72.0]}
    )  # fmt: skip
    return charts.trend_chart(tidy, "period", "value", "series", "Per 10,000 children")


def _drawn(ax, colour: str) -> list[list[tuple[float, float]]]:
    """The runs of joined points of the lines drawn in ``colour`` (a NaN breaks a run)."""
    runs = []
    for line in ax.lines:
        if line.get_color() != colour or not len(line.get_xdata()):
            continue  # another series, or a legend handle
        run = []
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True):
            if math.isnan(y):
                runs, run = runs + [run], []
            else:
                run.append((float(x), float(y)))
        runs.append(run)
    return [r for r in runs if r]


def test_each_series_is_its_own_line_in_the_two_series_pair_with_its_own_marker():
    fig = _trend([60.0, 65.0, 75.0])
    ax = fig.axes[0]
    eastbridge, england = charts.TWO_SERIES
    assert _drawn(ax, eastbridge) == [[(0, 60), (1, 65), (2, 75)]]
    assert _drawn(ax, england) == [[(0, 70), (1, 71), (2, 72)]]
    markers = {ln.get_color(): ln.get_marker() for ln in ax.lines if len(ln.get_xdata())}
    assert markers[eastbridge] != markers[england]  # readable in greyscale
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Eastbridge", "England"]
    assert [t.get_text() for t in ax.get_xticklabels()] == YEARS
    assert ax.get_ylabel() == "Per 10,000 children" and ax.get_ylim()[0] == 0
    plt.close(fig)


def test_a_missing_value_breaks_the_line():
    fig = _trend([60.0, NAN, 75.0])
    runs = _drawn(fig.axes[0], charts.TWO_SERIES[0])
    plt.close(fig)
    assert all(y != 0 for run in runs for _, y in run)  # not drawn as zero
    assert runs == [[(0, 60)], [(2, 75)]]  # and not joined over 2024-25


def test_a_suppressed_bar_is_left_out_not_drawn_as_zero():
    ages = pd.DataFrame({"age": ["Under 1", "1 to 4", "5 to 9"], "n": [12.0, NAN, 30.0]})
    fig = charts.bar_chart(ages, "age", "n", "Children")
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches if not math.isnan(p.get_height())]
    assert heights == [12, 30]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Under 1", "1 to 4", "5 to 9"]
    png = charts.to_png(fig)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert not plt.fignum_exists(fig.number)  # closed, so memory does not grow


def test_the_report_figure_says_the_figures_in_its_alt_text_and_never_a_suppressed_one(tmp_path):
    (tmp_path / "config").mkdir()
    spec = build_run_spec("Z09", "2025-26", config_dir=str(tmp_path / "config"))
    rows = [  # the rate per 10,000, 2024-25 suppressed (its value must go nowhere)
        (YEARS[0], 94.0, False, 70.0, 80.0),
        (YEARS[1], 7.0, True, 71.0, 81.0),
        (YEARS[2], 83.0, False, 72.0, 82.0),
    ]
    trend = pd.DataFrame(
        [{"period": p, "indicator": "cla_rate_per_10k", "breakdown": "", "value": v,
          "suppressed": s, "england": e, "region": r} for p, v, s, e, r in rows]
    )  # fmt: skip
    data = SimpleNamespace(spec=spec, name="Eastbridge", region="North East", trend=trend)
    fig = lxml.html.fragment_fromstring(sections.trend_figure(data))
    alt = fig.find(".//img").get("alt")
    what = "rate of children looked after per 10,000 children"
    assert alt.startswith(
        f"Line chart of the {what} at 31 March, 2023-24 to 2025-26, for Eastbridge, England, "
        f"North East. Eastbridge's {what} fell to 83 in 2025-26"
    )
    assert "94" in alt and "7" not in alt
    table = [[c.text_content() for c in tr] for tr in fig.findall(".//tbody/tr")]
    assert table[1] == ["2024-25", "c", "71", "81"]
