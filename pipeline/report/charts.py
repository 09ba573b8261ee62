"""Charts for the reports: seaborn/matplotlib in the Analysis Function's accessible palette.

Each chart function returns a :class:`matplotlib.figure.Figure`; the caller (``sections``)
gives it an active title, alt text and the data table beside it. Series differ by marker
and line style as well as colour, so they read in greyscale.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

# Analysis Function accessible palette (categorical order), and the two-series pair.
PALETTE = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
TWO_SERIES = ["#12436D", "#F46A25"]
FOCUS, CONTEXT = "#12436D", "#BFBFBF"
MARKERS = ["o", "s", "D", "^", "v", "P"]
DASHES = [(1, 0), (4, 2), (1, 1.5), (6, 2, 1, 2), (2, 2), (3, 1)]


def _style() -> None:
    sns.set_theme(
        style="whitegrid",
        context="notebook",
        rc={
            "axes.edgecolor": "#3D3D3D",
            "grid.color": "#E5E5E5",
            "font.family": "DejaVu Sans",
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
        },
    )


def trend_chart(data: pd.DataFrame, x: str, y: str, series: str, ylabel: str) -> plt.Figure:
    """A line chart of ``y`` over ``x`` with one line per ``series`` value.

    ``data`` is tidy (one row per x and series). Missing values break the line rather than
    being drawn as zero.
    """
    _style()
    names = list(dict.fromkeys(data[series]))
    colours = TWO_SERIES if len(names) == 2 else PALETTE[: len(names)]
    fig, ax = plt.subplots(figsize=(7.5, 3.6), dpi=110)
    # matplotlib, not seaborn's lineplot: seaborn drops a missing value and joins the line
    # across it, drawing a suppressed year as if it were known. A NaN breaks the line.
    xs = list(dict.fromkeys(data[x]))
    for i, name in enumerate(names):
        part = data.loc[data[series] == name].set_index(x)[y]
        ys = [float(part[v]) if v in part.index and pd.notna(part[v]) else float("nan") for v in xs]
        (line,) = ax.plot(
            range(len(xs)),
            ys,
            color=colours[i],
            marker=MARKERS[i],
            linewidth=2.2,
            markersize=7,
            label=name,
        )
        line.set_dashes(DASHES[i])
    ax.set_xticks(range(len(xs)), xs)
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.legend(title="", frameon=False, loc="lower left", ncols=min(len(names), 3))
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig


def bar_chart(data: pd.DataFrame, x: str, y: str, ylabel: str) -> plt.Figure:
    """A single-series bar chart (suppressed bars are left out, not drawn as zero)."""
    _style()
    fig, ax = plt.subplots(figsize=(7.5, 3.4), dpi=110)
    sns.barplot(data=data, x=x, y=y, color=FOCUS, ax=ax)
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig


def to_png(fig: plt.Figure) -> bytes:
    """The figure as PNG bytes; the figure is closed so memory does not grow."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
