"""The report sections that the edition notebooks call, imported there as ``report``.

A report notebook calls :func:`load` once, then one function per section; each returns an
HTML block (an ``IPython.display.HTML``) built only from published, disclosure-controlled
figures. Every string that came from input or configuration is escaped.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import yaml

from pipeline.measures.registry import REGISTRY, figure_period, registry_table
from pipeline.numerals import round_half_up
from pipeline.publish import disclosure, ranks
from pipeline.publish.published import OFF, comparator_year, neighbour_dp
from pipeline.records import CheckRecord
from pipeline.report import materiality, narrative
from pipeline.report.blocks import Block, esc, heading, html_table, render
from pipeline.report.commentary import slot
from pipeline.report.cover import (
    cover,  # noqa: F401 (the notebooks call report.cover)
    data_sources,
)
from pipeline.report.data import (
    ReportData,
    find_row,
    load,  # noqa: F401 (the notebooks call report.load)
    row_value,
)
from pipeline.report.data_quality import repairs_paragraph
from pipeline.schema import CIN_WORDS
from pipeline.spec.period import Period, year_period
from pipeline.spec.runspec import load_spec  # noqa: F401 (notebooks)


def _cell(v, dp: int = 0) -> str:
    return disclosure.fmt_number(None if v is None or pd.isna(v) else float(v), dp)


def _nobreak(label: str) -> str:
    """A period label that never breaks across lines (non-breaking hyphen)."""
    return label.replace("-", "\u2011")


def _trend_period(data: ReportData, label: str) -> Period | None:
    """A trend period by its label: the report's period, or the same one years before.

    Found by shifting the job's period, never parsed again (one parse per job).
    """
    for back in range(0, 50):
        p = data.spec.period.shifted(-back)
        if p.label == label:
            return p
    return None


def _label_name(data: ReportData, label: str) -> str:
    """A trend period's label, named."""
    p = _trend_period(data, label)
    return _nobreak(p.name if p else label)


def symbols_key(lo: int, hi: int, rows: list[list]) -> str:
    """What the symbols shown in a table's figures mean (DfE's), for its caption.

    Only the symbols the table uses are explained; the first column (the labels) is not
    read. ``c`` names the thresholds in force (configuration, ``suppress_min`` and
    ``suppress_max``).

    >>> symbols_key(1, 5, [["Age", "c", "x"], ["All", "2024-25: 88; 2025-26: z;", "12% *"]])
    'c: suppressed to protect confidentiality (a number of children or pupils from 1 to 5, \
or a figure from which such a number could be worked out); x: not available; z: not \
applicable.'
    >>> symbols_key(1, 5, [["x", "12"]])
    ''
    """
    used = set()
    for r in rows:
        for v in r[1:]:
            # One cell may hold several figures ("2024-25: c; 2025-26: 93;"), each with a
            # unit or mark, and a cell of HTML (a Block) holds them between its tags.
            words = re.sub(r"<[^>]+>", " ", str(v)) if isinstance(v, Block) else str(v)
            used |= {t.rstrip("%*") for t in re.split(r"[\s;:]+", words)}
    meanings = {
        disclosure.SUPPRESSED: (
            f"suppressed to protect confidentiality (a number of children or pupils from {lo} "
            f"to {hi}, or a figure from which such a number could be worked out)"
        ),
        disclosure.NOT_AVAILABLE: "not available",
        disclosure.NOT_APPLICABLE: "not applicable",
    }
    said = [f"{sym}: {text}" for sym, text in meanings.items() if sym in used]
    return "; ".join(said) + "." if said else ""


def _data_table(data: ReportData, caption: str, headers: list[str], rows: list[list], **kw):
    """A table of published figures whose caption says what any ``c``, ``x`` or ``z`` means."""
    lo, hi = data.spec.settings.suppress_min, data.spec.settings.suppress_max
    return html_table(caption, headers, rows, key=symbols_key(lo, hi, rows), **kw)


def title(data: ReportData, edition: str = "Annual corporate parenting report") -> Block:
    """The report's single h1 and what it covers (the cover that follows holds the contents)."""
    p = data.spec.period
    span = f"{narrative.long_date(p.start)} to {narrative.long_date(p.end)}"
    if p.is_annual:
        when = f"figures at {data.period_end} and for the collection year {span}"
    else:
        when = (
            f"{p.words}: figures at {data.period_end} and, for events such as children "
            f"starting or ceasing to be looked after, the rolling 12 months {span}"
        )
    return Block(
        f"<header><h1>{esc(edition)}: {esc(data.name)}, {esc(p.name)}</h1>"
        f'<p class="lede">How the children {esc(data.name)} looks after are doing in '
        f"{esc(when)}, against England"
        f"{', ' + esc(data.region) if data.region else ''} and statistical neighbours.</p>"
        "</header>"
    )


def headlines(data: ReportData) -> Block:
    """Headline messages, generated from the published figures."""
    cur, tr = data.current, data.trend
    prev = data.spec.period.shifted(-1).label
    n = find_row(cur, "cla_at_end")
    n_prev = find_row(tr, "cla_at_end", period=prev)
    rate = find_row(cur, "cla_rate_per_10k")
    started, ceased = find_row(cur, "cla_started"), find_row(cur, "cla_ceased")
    msgs = []
    moved = narrative.change(row_value(n), row_value(n_prev), ("child", "children"))
    msgs.append(
        f"At {data.period_end}, {data.name} looked after "
        f"{narrative.number(row_value(n), n['display'] if n is not None else None)} children"
        + (f", {moved} on a year earlier." if moved else ".")
    )
    if rate is not None and row_value(rate) is not None:
        where = narrative.standing(
            row_value(rate),
            [
                ("England", rate["england"]),
                (data.region or "the region", rate["region"]),
                ("the statistical neighbour average", rate["stat_neighbours"]),
            ],
        )
        msgs.append(
            f"That is {narrative.number(row_value(rate))} children per 10,000 aged 0 to 17"
            + (f": {where}." if where else ".")
        )
        if placed := rank_sentence(data, rate, "rate"):
            msgs.append(placed)
    else:
        msgs.append(
            "The rate per 10,000 children is not available: no population figure "
            "was found for this authority in the reference data or configuration."
        )
    if started is not None and ceased is not None:
        msgs.append(
            f"During the 12 months to {data.period_end}, "
            f"{narrative.number(row_value(started), started['display'])} children started "
            f"to be looked after and {narrative.number(row_value(ceased), ceased['display'])}"
            " stopped being looked after."
        )
    msgs += material_messages(data)
    items = "".join(f"<li>{esc(m)}</li>" for m in msgs)
    return Block(heading("Summary") + f'<ul class="headlines">{items}</ul>')


def material_messages(
    data: ReportData, only: set[str] | None = None, said_against: frozenset = frozenset()
) -> list[str]:
    """The tested messages (``materiality``), the targets, and the education gaps that matter.

    ``only`` limits the tested messages to some indicators (the health edition's own);
    ``said_against`` are compared with England elsewhere in the summary already.
    """
    cur = data.current if only is None else data.current[data.current["indicator"].isin(only)]
    said = materiality.material(
        materiality.candidates(cur, data.trend, data.spec.period, said_against)
    )
    if not said:
        said = [
            "No measure changed since last year, or differed from England, by more than "
            "chance (see About this report)."
        ]
    said.append(materiality.targets_sentence(data.current, data.spec.period))
    if data.spec.period.is_annual:
        said += _gap_headlines(data)
    return [m for m in said if m]


def _gap_headlines(data: ReportData) -> list[str]:
    """Attainment gaps to England that are larger than chance (their interval excludes 0)."""
    out = []
    g = data.gaps
    if g.empty:
        return out
    for ind in _GAP_HEADLINES:
        row = g[(g["indicator"] == ind) & (g["comparator"] == "england")]
        if row.empty:
            continue
        r = row.iloc[0]
        sig = r["significant"]
        if r["suppressed"] or sig is None or pd.isna(sig) or not bool(sig):
            continue
        title, side = REGISTRY[ind].title, "lower" if r["gap"] < 0 else "higher"
        if REGISTRY[ind].unit == "percent":
            out.append(
                f"{title}: {narrative.number(r['cla_value'])}% of children looked after "
                f"against {narrative.number(r['all_pupils'])}% of all pupils in England, "
                f"{abs(r['gap']):.1f} percentage points {side} (larger than chance)."
            )
        else:
            out.append(
                f"{title}: {r['cla_value']:.1f} for children looked after against "
                f"{r['all_pupils']:.1f} for all pupils in England, {abs(r['gap']):.1f} points "
                f"{side} (larger than chance)."
            )
    return out


_WHO = [
    "cla_at_end",
    "cla_rate_per_10k",
    "cla_started",
    "cla_ceased",
    "cla_during_year",
    "uasc_at_end",
]


_RATING_ICON = {
    "On target": ("on", "✓"),
    "Within tolerance": ("within", "~"),
    "Off target": ("off", "✗"),
}


def rating_cell(rating: object) -> Block | str:
    """A rating in words with an icon; colour only adds to them (never alone)."""
    if not isinstance(rating, str) or rating not in _RATING_ICON:
        return ""
    cls, icon = _RATING_ICON[rating]
    return Block(
        f'<span class="rating {cls}"><span aria-hidden="true">{icon}</span> {esc(rating)}</span>'
    )


def _shown(r, unit: str, small_cohort: int) -> str:
    """A published value with its unit, and a caution mark for a small denominator."""
    if r is None:
        return "x"
    text = r["display"]
    if unit == "percent" and text not in ("c", "x", "z"):
        text += "%"
    den = r["denominator"]
    if not r["suppressed"] and den is not None and not pd.isna(den) and 0 < den < small_cohort:
        text += " *"
    return text


def trend_series(data: ReportData, ind: str) -> list[tuple[str, str]]:
    """The published figure of each trend period, oldest first: (period named, as printed).

    Printed with its unit ("88%"), as every other cell of an indicator's row. A quarter's
    yearly figure is named by the year it describes, as its row's title is.
    """
    periods = sorted(data.trend["period"].unique())
    pct = "%" if REGISTRY[ind].unit == "percent" else ""
    shown = []
    for p in periods:
        r = find_row(data.trend, ind, period=p)
        period = _trend_period(data, p)
        year = figure_period(REGISTRY[ind], period).label if period else p
        name = year if year != p or period is None else period.name
        text = disclosure.NOT_AVAILABLE if r is None else r["display"]
        shown.append((name, text if _printed_number(text) is None else text + pct))
    return shown


SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 60, 18, 3


def spark_points(shown: list[str]) -> list[tuple[float, float] | None]:
    """Where each printed figure sits in the sparkline (None for c, x, z: a gap).

    Drawn from the printed figure, never the value behind it, so a hidden figure cannot be
    read off the drawing. Each line has its own scale, lowest at the bottom; a flat line sits
    in the middle.

    >>> spark_points(["10", "c", "1,020", "515"])
    [(3.0, 15.0), None, (39.0, 3.0), (57.0, 9.0)]
    >>> spark_points(["7%", "7%"])
    [(3.0, 9.0), (57.0, 9.0)]
    """
    nums = [_printed_number(s) for s in shown]
    known = [v for v in nums if v is not None]
    if not known:
        return [None] * len(shown)
    lo, hi = min(known), max(known)
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(shown) - 1, 1)
    span = SPARK_HEIGHT - 2 * SPARK_PAD
    out = []
    for i, v in enumerate(nums):
        if v is None:
            out.append(None)
            continue
        y = SPARK_HEIGHT / 2 if hi == lo else SPARK_PAD + span * (hi - v) / (hi - lo)
        out.append((round(SPARK_PAD + step * i, 1), round(y, 1)))
    return out


def _printed_number(shown: str) -> float | None:
    try:
        return float(shown.replace(",", "").rstrip("%* "))
    except ValueError:
        return None


def trend_cell(data: ReportData, ind: str) -> Block:
    """An indicator's trend as a sparkline, its first figure, and the series for listeners."""
    series = trend_series(data, ind)
    points = spark_points([shown for _, shown in series])
    segments, run = [], []
    for pt in points:
        if pt is None:
            if run:
                segments.append(run)
            run = []
        else:
            run.append(pt)
    if run:
        segments.append(run)
    return render(
        "trend_cell.html.j2",
        segments=segments,
        dots=[pt for pt in points if pt is not None],
        last_drawn=bool(points) and points[-1] is not None,
        width=SPARK_WIDTH,
        height=SPARK_HEIGHT,
        first=series[0][1] if series else disclosure.NOT_AVAILABLE,
        series=series,
    )


def trend_heading(data: ReportData) -> str:
    """The trend column's heading, naming its first and last periods."""
    periods = sorted(data.trend["period"].unique())
    if not periods:
        return "Trend"
    if not data.spec.period.is_annual:
        # Two quarters in words would fill a narrow column: the span is under the table.
        return "Trend (the same quarter each year)"
    return f"Trend {_nobreak(periods[0])} to {_nobreak(periods[-1])}"


def _trend_note(data: ReportData) -> str:
    """Under a quarter's table: the trend's first and last quarters, in words."""
    periods = sorted(data.trend["period"].unique())
    if data.spec.period.is_annual or not periods:
        return ""
    return (
        f'<p class="meta">Trend: the same quarter each year, oldest first, from '
        f"{esc(_label_name(data, periods[0]))} to {esc(_label_name(data, periods[-1]))}.</p>"
    )


def indicator_table(data: ReportData, ids: list[str], caption: str) -> str:
    """A table of indicators: the period, the one before, comparators, target, rating."""
    prev = data.spec.period.shifted(-1).label
    small = data.spec.settings.small_cohort
    n_sn = len(data.comparators.neighbours)
    rows, cautions, yearly, repaired = [], 0, set(), False
    for ind in ids:
        r = find_row(data.current, ind)
        if r is None:
            continue
        data.shown.add(ind)
        unit = REGISTRY[ind].unit
        dp = REGISTRY[ind].dp
        this = _shown(r, unit, small)
        cautions += this.endswith(" *")
        target = r["target"]
        pct = "%" if unit == "percent" else ""

        def with_unit(v, dp=dp, pct=pct):
            text = _cell(v, dp)
            return text + pct if text not in ("x", "c", "z") else text

        sn = r["stat_neighbours"]
        if unit == "count":
            sn_text = disclosure.NOT_APPLICABLE
        elif sn is None or pd.isna(sn):
            sn_text = disclosure.NOT_AVAILABLE
        else:
            sn_dp = neighbour_dp(REGISTRY[ind])
            sn_text = with_unit(sn, sn_dp) + f" ({int(r['sn_count'])} of {n_sn})"
        title = REGISTRY[ind].title
        as_of = _as_of(data, r)
        if as_of:
            title += f" ({as_of}, yearly return)"
            yearly.add(as_of)
        if bool(r.get("repaired", False)):
            title += " (repaired history)"
            repaired = True
        rows.append(
            [
                title,
                this,
                _shown(find_row(data.trend, ind, period=prev), unit, small),
                trend_cell(data, ind),
                with_unit(r["england"]),
                with_unit(r["region"]),
                sn_text,
                rank_cell(r),
                "" if target is None or pd.isna(target) else with_unit(target),
                rating_cell(r["rating"]),
            ]
        )
    # A table with nothing ranked has no rank column, nor has a quarter's: it ranks only its
    # yearly figures, and its longer column headers leave no room for a tenth column at 10 pt.
    headers = [
        "Measure",
        _nobreak(data.spec.period.name),
        _nobreak(data.spec.period.shifted(-1).name),
        trend_heading(data),
        "England",
        data.region or "Region",
        "Statistical neighbours",
        "Rank in England",
        "Target",
        "Rating",
    ]
    at = headers.index("Rank in England")
    ranked = data.spec.period.is_annual and any(isinstance(row[at], Block) for row in rows)
    if not ranked:
        headers = headers[:at] + headers[at + 1 :]
        rows = [row[:at] + row[at + 1 :] for row in rows]
    table = _data_table(data, caption, headers, rows)
    table += _trend_note(data)
    if cautions:
        table += (
            f'<p class="meta">* Use with caution: fewer than {small} children in the '
            "group, so one child moves the figure a lot.</p>"
        )
    if repaired:
        table += (
            '<p class="meta">Measures marked "repaired history" use episodes of earlier '
            "years' returns that corpar repaired where the returns disagreed (see About this "
            "report, Data quality).</p>"
        )
    if yearly:
        year = min(yearly)
        table += (
            f'<p class="meta">Measures marked "{year}, yearly return" come from tables '
            "councils return once a year (health and care leavers: OC2 and OC3). A quarter "
            f"shows the latest year's figure, {year} (the year to "
            f"{narrative.long_date(year_period(year).end)}); the next column shows the year "
            "before it, and England, the region and neighbours are for the same year.</p>"
        )
    return table


def rank_sentence(data: ReportData, r, noun: str) -> str:
    """Where a figure ranks in England and in the region, as a sentence; "" when unranked.

    >>> row = {"indicator": "cla_rate_per_10k", "england_rank": 6, "england_ranked": 151,
    ...        "england_quartile": 1, "region_rank": 3, "region_ranked": 12}
    >>> from types import SimpleNamespace
    >>> rank_sentence(SimpleNamespace(region="North East"), row, "rate")
    'Its rate is the 6th highest of 151 authorities in England (the highest quartile), and \
the 3rd highest of 12 North East authorities.'
    """
    ind = REGISTRY[r["indicator"]]
    rank = r.get("england_rank")
    if rank is None or pd.isna(rank):
        return ""
    s = ranks.Standing(int(rank), int(r["england_ranked"]), None)
    text = f"Its {noun} is the {ranks.rank_words(s, ind.polarity)} authorities in England"
    q = r.get("england_quartile")
    if q is not None and not pd.isna(q):
        text += f" (the {ranks.quartile_words(int(q), ind.polarity)})"
    rr = r.get("region_rank")
    if rr is not None and not pd.isna(rr):
        reg = ranks.Standing(int(rr), int(r["region_ranked"]), None)
        where = f"{data.region} authorities" if data.region else "authorities in the region"
        text += f", and the {ranks.rank_words(reg, ind.polarity)} {where}"
    return text + "."


def rank_cell(r) -> Block | str:
    """Where the figure ranks among England's authorities, in words; z for counts, else x.

    Rank 1 is the best figure (the highest, for a measure with no better direction).
    """
    ind = REGISTRY[r["indicator"]]
    rank = r.get("england_rank")
    if rank is None or pd.isna(rank):
        return disclosure.NOT_APPLICABLE if ind.unit == "count" else disclosure.NOT_AVAILABLE
    s = ranks.Standing(int(rank), int(r["england_ranked"]), None)
    place, of = ranks.rank_words(s, ind.polarity).rsplit(" of ", 1)
    # Unbroken pieces, so a narrow column wraps between them and never inside "5th highest".
    words = f'<span class="piece">{esc(place)}</span> <span class="piece">of {esc(of)}</span>'
    q = r.get("england_quartile")
    if q is not None and not pd.isna(q):
        words += f'<span class="quartile">{esc(ranks.quartile_words(int(q), ind.polarity))}</span>'
    return Block(f'<span class="rank">{words}</span>')


def _as_of(data: ReportData, r) -> str:
    """The year a quarterly report's annual-only figure describes; "" for any other row."""
    as_of = figure_period(REGISTRY[r["indicator"]], data.spec.period).label
    return "" if as_of == data.spec.period.label else as_of


def _caption(data: ReportData, what: str) -> str:
    return (
        f"{what} in {data.name}: {data.spec.period.name} against the year before and "
        f"comparators (DfE published figures for the year ending 31 March "
        f"{comparator_year(data.spec)})"
    )


def who_table(data: ReportData) -> Block:
    """Headline numbers with last year, England, region and neighbours."""
    return Block(
        heading("Who our children are")
        + indicator_table(data, _WHO, _caption(data, "Children looked after"))
    )


SECTIONS = {
    "Placements and stability": [
        "placements_3plus_pct",
        "long_term_stability_pct",
        "sw_changes_2plus_pct",
        "missing_pct",
        "away_pct",
        "missing_incidents",
    ],
    "Permanence": [
        "adopted_pct",
        "sgo_pct",
        "returned_home_planned_pct",
        "adoption_entry_to_placed_days",
        "adoption_decision_to_match_days",
    ],
    "Health and wellbeing": [
        "health_assessment_pct",
        "immunisations_pct",
        "dental_check_pct",
        "development_check_pct",
        "sdq_received_pct",
        "sdq_average",
        "sdq_normal_pct",
        "sdq_borderline_pct",
        "sdq_concern_pct",
        "convicted_pct",
        "substance_misuse_pct",
    ],
    "Care leavers": [
        f"care_leavers_{m}_pct_{g}"
        for g in ("17_18", "19_21")
        for m in ("in_touch", "eet", "suitable_accom")
    ],
    "Voice of the child": ["review_participation_pct"],
}


QUARTER_HEALTH_NOTE = (
    "In a quarterly report the health measures use the OC2 rows of the latest annual return: "
    "children who joined the 12-month cohort since 31 March have no row yet and count as not "
    "received, so these figures run below the year-end ones."
)


def section(data: ReportData, name: str) -> Block:
    """One report section of indicators (a key of ``SECTIONS``) with its heading."""
    extra = slot(data, "children_in_care_council") if name == "Voice of the child" else ""
    if name == "Health and wellbeing" and not data.spec.period.is_annual:
        extra += f'<p class="meta">{esc(QUARTER_HEALTH_NOTE)}</p>'
    return Block(
        heading(name) + indicator_table(data, SECTIONS[name], _caption(data, name)) + extra
    )


def figure(png: bytes, title_text: str, alt: str, table_html: str) -> Block:
    """A chart with its active title, alt text and the data behind it."""
    b64 = base64.b64encode(png).decode()
    return Block(
        f'<figure><figcaption class="chart-title">{esc(title_text)}</figcaption>'
        f'<img src="data:image/png;base64,{b64}" alt="{esc(alt)}">'
        f"<details><summary>Show the data in this chart</summary>{table_html}</details>"
        "</figure>"
    )


def trend_figure(data: ReportData) -> Block:
    """Five-year trend of the rate per 10,000 (or the number, without population)."""
    from pipeline.report import charts  # matplotlib and seaborn: imported only where drawn

    periods = sorted(data.trend["period"].unique())
    use_rate = any(
        row_value(find_row(data.trend, "cla_rate_per_10k", period=p)) is not None for p in periods
    )
    ind = "cla_rate_per_10k" if use_rate else "cla_at_end"
    what = (
        "rate of children looked after per 10,000 children"
        if use_rate
        else "number of children looked after"
    )
    rows, tidy = [], []
    for p in periods:
        r = find_row(data.trend, ind, period=p)
        local = row_value(r)
        comps = {
            k: (None if r is None or pd.isna(r[k]) else float(r[k])) for k in ("england", "region")
        }
        shown = disclosure.SUPPRESSED if r is not None and r["suppressed"] else _cell(local)
        rows.append([p, shown, _cell(comps["england"]), _cell(comps["region"])])
        tidy.append({"period": p, "series": data.name, "value": local})
        if use_rate:
            tidy.append({"period": p, "series": "England", "value": comps["england"]})
            if data.region:
                tidy.append({"period": p, "series": data.region, "value": comps["region"]})
    df = pd.DataFrame(tidy)
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    fig = charts.trend_chart(
        df, "period", "value", "series", "Per 10,000 children" if use_rate else "Children"
    )
    title_text = narrative.trend_title(
        data.name, what, [(p, row_value(find_row(data.trend, ind, period=p))) for p in periods]
    )
    series = ", ".join(dict.fromkeys(df["series"]))
    alt = (
        f"Line chart of the {what} at 31 March, {periods[0]} to {periods[-1]}, for "
        f"{series}. {title_text}."
    )
    table_html = _data_table(
        data,
        f"The {what}, {periods[0]} to {periods[-1]}",
        ["Year", data.name, "England", data.region or "Region"],
        rows,
    )
    return figure(charts.to_png(fig), title_text, alt, table_html)


def breakdown_table(
    data: ReportData,
    indicator: str,
    dimension: str,
    caption: str,
    england: dict[str, float | None] | None = None,
    england_label: str = "England",
    names: dict[str, str] | None = None,
    rounding_note: bool = True,
) -> Block:
    """A breakdown (e.g. age band) as number and percentage, with suppression applied.

    With ``england`` (group -> percentage), a column of England's percentages beside ours;
    ``names`` gives groups named by a code their words.
    """
    cur = data.current
    rows = []
    m = (cur["indicator"] == indicator) & cur["breakdown"].str.startswith(f"{dimension}: ")
    total = find_row(cur, indicator)
    data.shown.add(indicator)
    total_v = row_value(total)
    for _, r in cur.loc[m].iterrows():
        group = r["breakdown"].split(": ", 1)[1]
        label = (names or {}).get(group, group)
        pct = (
            "c"
            if r["suppressed"]
            else "x"
            if not total_v
            else disclosure.fmt_number(round_half_up(100 * r["value"] / total_v), 0) + "%"
        )
        row_ = [label, r["display"], pct]
        if england is not None:
            row_.append(_england_share(england.get(group)))
        rows.append(row_)
    shown_total = total["display"] if total is not None else disclosure.NOT_AVAILABLE
    # A hidden total's share is hidden too, and no children make no 100% (the groups' are x).
    n_total = _printed_number(shown_total)
    whole = "100%" if n_total else shown_total if n_total is None else disclosure.NOT_AVAILABLE
    last = ["Total", shown_total, whole]
    headers = [dimension, "Children", "Percentage"]
    if england is not None:
        last.append("100%")
        headers.append(england_label)
    rows.append(last)
    return Block(_data_table(data, caption, headers, rows) + (_ROUNDING if rounding_note else ""))


_ROUNDING = (
    '<p class="meta">Percentages are rounded to whole numbers, so they may not add up to 100%.</p>'
)


def _england_share(e: float | None) -> str:
    """England's percentage of a group, whole; one under half a per cent is said so (DfE: k).

    >>> _england_share(38), _england_share(0.06), _england_share(0), _england_share(None)
    ('38%', '<0.5%', '0%', 'x')
    """
    if e is None:
        return disclosure.NOT_AVAILABLE
    if 0 < e < 0.5:
        return "<0.5%"
    return f"{disclosure.fmt_number(round_half_up(e), 0)}%"


def annex(data: ReportData) -> Block:
    """Glossary, definitions in plain words, data quality counts, disclosure policy, sources.

    Defines the measures the edition showed before it (every one, when it showed none).
    """
    reg = registry_table()
    if data.shown:
        reg = reg[reg["id"].isin(data.shown)]
    # In plain words for the reader; the id anchors each one (links, tests), unseen.
    defs = "".join(
        f'<div><dt id="def-{esc(r.id)}">{esc(r.title)}</dt><dd>{esc(r.in_words)}</dd></div>'
        for r in reg.itertuples()
    )
    words = "".join(f"<div><dt>{esc(t)}</dt><dd>{esc(w)}</dd></div>" for t, w in glossary())
    record = data.read_report
    n_err, n_warn, rejected = record.errors, record.warnings, record.rejected
    lo, hi = data.spec.settings.suppress_min, data.spec.settings.suppress_max
    sources = data_sources(data)
    if len(sources) == 1:  # the returns alone
        sources.append("No comparators found: their columns show x.")
    neighbours = (
        f"{data.comparators.neighbour_model} ({len(data.comparators.neighbours)} neighbours)"
        if data.comparators.neighbours
        else "none found"
    )
    years = ", ".join(record.years_read)
    return Block(
        heading("About this report")
        + '<h3>Words used in this paper</h3><dl class="defs">'
        + words
        + "</dl>"
        + '<h3>What each measure means</h3><dl class="defs">'
        + defs
        + "</dl>"
        + "<p>The exact method of each measure, in the terms of the return councils make to "
        "the DfE, is in the definitions sheet of the workbook of figures published with "
        "this paper.</p>"
        + "<h3>Data quality</h3>"
        + f"<p>903 returns read: {esc(years)}. Reading found {n_err} error(s) and {n_warn} "
        f"warning(s); {rejected:,} row(s) could not be used and are counted, not "
        "dropped silently.</p>"
        + repairs_paragraph(data.read_report)
        + _annex_checks(data.validation)
        + "<h3>Disclosure control</h3>"
        + f"<p>Counts from {lo} to {hi} are shown as c, and so are percentages and rates "
        f"whose numerator or denominator is {lo} to {hi}. Where a hidden number could be "
        "worked out from a total, the next smallest number is hidden too. Zero is shown "
        "as 0; x means not available and z not applicable (a neighbour average of "
        "counts would compare authorities of different sizes). England and regional "
        "counts from DfE are rounded to the nearest 10.</p>"
        + f"<h3>How the summary is chosen</h3><p>{esc(materiality.METHOD)}</p>"
        + "<h3>Sources</h3><ul>"
        + "".join(f"<li>{esc(s)}</li>" for s in sources)
        + f"<li>Statistical neighbours: {esc(neighbours)}.</li></ul>"
        + f'<p class="meta">Produced by corpar on '
        f"{datetime.now(UTC):%d %B %Y}.</p>"
    )


def glossary() -> list[tuple[str, str]]:
    """The papers' glossary (``glossary.yml``): (term, words) pairs, in the file's order."""
    entries = yaml.safe_load(_GLOSSARY.read_text(encoding="utf-8"))["glossary"]
    return [(e["term"], " ".join(e["words"].split())) for e in entries]


_GLOSSARY = Path(__file__).with_name("glossary.yml")


def _annex_checks(validation: CheckRecord | None) -> str:
    summ = validation.summary if validation else None
    if not summ:
        return ""
    return (
        f"<p>Data checks: {summ['checks_run']:,} checks based on the DfE's validation rules "
        f"were run; {summ['checks_failed_warning']} found {summ['rows_failing_warning']:,} "
        "row(s) to correct in the authority's records. None was serious enough to stop the "
        "report, and those rows are included in the figures.</p>"
    )


# Who the children looked after at the period end are, in the order the tables show it.
PROFILE = {"Age band": "age", "Sex": "sex", "Ethnic group": "ethnic group",
           "Legal status": "legal status"}  # fmt: skip


def profile(data: ReportData) -> Block:
    """Who the children are: by age, sex, ethnic group and legal status, beside England.

    Then the children who started to be looked after, by their category of need.
    """
    tables, years = [], set()
    for dim, words in PROFILE.items():
        year, eng = data.england_profiles.get(dim, (None, {}))
        years.add(year)
        tables.append(
            breakdown_table(
                data,
                "cla_at_end",
                dim,
                f"Children looked after at {data.period_end} by {words}",
                eng if year else None,
                f"England, {year}",
                rounding_note=False,  # said once, under the last
            )
        )
    known = sorted(y for y in years if y)
    note = (
        f'<p class="meta">England: DfE\'s national profile of children looked after at 31 '
        f"March {known[-1]} (the latest published); DfE does not publish regional profiles "
        "in these tables. DfE counts Chinese children in the Asian group; these tables, as "
        "the return's reporting groups do, count them in Other, and England's figures are "
        "moved to match.</p>"
        if known
        else ""
    )
    note = _ROUNDING + note
    need = breakdown_table(
        data,
        "cla_started",
        "Category of need",
        f"Children who started to be looked after in {data.spec.period.name}, by the main "
        "reason they needed care",
        names=CIN_WORDS,
    )
    return Block("".join(tables) + note + need)


def placement_table(data: ReportData) -> Block:
    """Children looked after by type of placement at the period end, beside England."""
    year, eng = data.england_profiles.get("Placement", (None, {}))
    note = (
        f'<p class="meta">England: DfE\'s national figures at 31 March {year} (the latest '
        "published), with DfE's types of placement grouped as in this table.</p>"
        if year
        else ""
    )
    return Block(
        heading("Where our children live")
        + breakdown_table(
            data,
            "cla_at_end",
            "Placement",
            f"Children looked after at {data.period_end} by "
            "type of placement (a child in a temporary placement is counted in the placement "
            "they came from)",
            eng if year else None,
            f"England, {year}",
        )
        + note
    )


_GAP_HEADLINES = ("ks2_rwm_exs_pct", "ks4_att8_avg")


def _with_unit(text: str, unit: str) -> str:
    """A shown figure with its % sign (a symbol stays bare)."""
    symbols = (disclosure.SUPPRESSED, disclosure.NOT_AVAILABLE, disclosure.NOT_APPLICABLE)
    return text + "%" if unit == "percent" and text not in symbols else text


def _gap_row(data: ReportData, ind: str, part: pd.DataFrame):
    """One row of the education table, and its sentence when the figures are published.

    ``part`` holds the measure's published gap rows (``published.published_gaps``) by
    comparator: nothing in them needs suppressing here.
    """
    spec_ind = REGISTRY[ind]
    unit, dp = spec_ind.unit, spec_ind.dp
    eng = part.loc["england"] if "england" in part.index else None
    la = part.loc["la"] if "la" in part.index else None
    first = part.iloc[0]  # the CLA figure and pupil count are the same for each comparator
    gap = ci = moved = disclosure.NOT_AVAILABLE
    sentence = None
    if eng is not None:
        gap, ci, moved = eng["gap_display"], eng["ci_display"], eng["movement_display"]
        ci = ci.replace(" ", "\u00a0")  # an interval kept on one line in a narrow column
        if ind in _GAP_HEADLINES and not eng["suppressed"] and not pd.isna(eng["gap"]):
            sentence = narrative.gap_sentence(
                spec_ind.title,
                eng["cla_value"],
                eng["all_pupils"],
                "England",
                eng["gap"],
                None if pd.isna(eng["ci_low"]) else eng["ci_low"],
                None if pd.isna(eng["ci_high"]) else eng["ci_high"],
                None if pd.isna(eng["significant"]) else bool(eng["significant"]),
                eng["movement"] if isinstance(eng["movement"], str) else None,
                "%" if unit == "percent" else "",
            )
    row_ = [
        spec_ind.title,
        _with_unit(first["cla_display"], unit),
        first["n_display"],
        _with_unit(_cell(None if la is None else la["all_pupils"], dp), unit),
        _with_unit(_cell(None if eng is None else eng["all_pupils"], dp), unit),
        gap,
        ci,
        moved,
    ]
    return row_, sentence


def education(data: ReportData) -> Block:
    """Attainment of children looked after against all pupils, with the gaps.

    Reads only the published gaps (``data.gaps``): a figure resting on 1 to 5 pupils, or
    on 1 to 5 pupils achieving, is already ``c`` there, and has no sentence.
    """
    g = data.gaps
    head = heading("Education")
    if g.empty:
        return Block(
            head + "<p>No attainment results were available for this period "
            "(pupil-level results, or all-pupils figures for comparison).</p>"
        )
    rows, sentences = [], []
    for ind in dict.fromkeys(g["indicator"]):
        data.shown.add(ind)
        r, sentence = _gap_row(data, ind, g[g["indicator"] == ind].set_index("comparator"))
        rows.append(r)
        if sentence:
            sentences.append(sentence)
    source = "; ".join(sorted({s for s in g["source"].dropna()})) or "none found"
    table = _data_table(
        data,
        f"Attainment of children looked after continuously for 12 months in {data.name}, "
        f"{data.spec.period.label}, against all pupils",
        [
            "Measure",
            "Children looked after: result",
            "Children looked after: number of pupils",
            f"All pupils: {data.name}",
            "All pupils: England",
            "Gap against England (points)",
            "95% confidence interval (points)",
            "Since last year",
        ],
        rows,
    )
    text = "".join(f"<p>{esc(t)}</p>" for t in sentences)
    years = _education_years(data, list(dict.fromkeys(g["indicator"])))
    note = (
        '<p class="meta">Gap: children looked after minus all pupils (percentage points for '
        "percentages, score points for Attainment 8). The interval reflects the small number "
        "of children looked after (Wilson for percentages, t for averages); all pupils are "
        f"treated as known. All-pupils source: {esc(source)}. DfE publishes two England KS2 "
        "figures that differ by up to 1 point; this report uses the one named.</p>"
    )
    return Block(head + text + table + note + years)


def _education_years(data: ReportData, inds: list[str]) -> str:
    """Our children's results over three years, beside children looked after elsewhere.

    England's and the region's are DfE's, for the same cohort, in the latest year. Every
    figure is a published one: the trend's, suppressed as the trend is, and DfE's.
    """
    rows, heads = [], None
    for ind in inds:
        spec_ind = REGISTRY[ind]
        shown = trend_series(data, ind)[-3:]
        heads = heads or [name for name, _ in shown]
        r = find_row(data.current, ind)
        eng = None if r is None else r["england"]
        reg = None if r is None else r["region"]
        row_ = [spec_ind.title, *(text for _, text in shown),
                _with_unit(_cell(eng, spec_ind.dp), spec_ind.unit)]  # fmt: skip
        if data.region:
            row_.append(_with_unit(_cell(reg, spec_ind.dp), spec_ind.unit))
        rows.append(row_)
    if not rows:
        return ""
    latest = _nobreak(heads[-1])
    headers = ["Measure", *(_nobreak(h) for h in heads),
               f"Children looked after in England ({latest})"]  # fmt: skip
    if data.region:  # no region named, no column: a heading "Region" would say nothing
        headers.append(f"Children looked after in {data.region} ({latest})")
    return _data_table(
        data,
        f"Children looked after in {data.name}: results over three years, against children "
        "looked after in England" + (" and the region" if data.region else ""),
        headers,
        rows,
    )


_HEALTH_COHORT = {
    "development_check_pct": "children aged 0 to 4 looked after for at least 12 months",
    "sdq_received_pct": "children aged 5 to 16 looked after for at least 12 months",
}
HEALTH_HEADLINES = (
    "health_assessment_pct",
    "immunisations_pct",
    "dental_check_pct",
    "development_check_pct",
    "sdq_received_pct",
)
# The children behind each gap, as the board's partners act on them: "83 children did not
# have an annual health assessment".
_WITHOUT = {
    "health_assessment_pct": "did not have an annual health assessment",
    "immunisations_pct": "were not up to date with their immunisations",
    "dental_check_pct": "did not have a dental check",
    "development_check_pct": "were not up to date with their development assessments",
    "sdq_received_pct": "had no strengths and difficulties questionnaire (SDQ) score",
}


def headcount(data: ReportData, r, without: str) -> tuple[str, str]:
    """How many children a published percentage is of, and a sentence on those it leaves out.

    The children left out are named only when more than the suppression threshold: a
    sentence never counts 1 to 5 children, even where the two published counts would give
    the number away.

    >>> from types import SimpleNamespace as NS
    >>> data = NS(spec=NS(settings=NS(suppress_max=5)))
    >>> headcount(data, {"numerator": 563, "denominator": 646}, "did not have one")
    (' (563 of 646)', ' 83 children did not have one.')
    >>> headcount(data, {"numerator": 40, "denominator": 43}, "did not have one")
    (' (40 of 43)', '')
    >>> headcount(data, {"numerator": 43, "denominator": 43}, "did not have one")
    (' (all 43)', '')
    """
    num, den = r["numerator"], r["denominator"]
    if num is None or den is None or pd.isna(num) or pd.isna(den):
        return "", ""
    num, den = int(num), int(den)
    if num == den:
        return f" (all {den:,})", ""
    missed = den - num
    if missed > data.spec.settings.suppress_max:
        return f" ({num:,} of {den:,})", (
            f" {narrative.plural(missed, 'child', 'children')} {without}."
        )
    return f" ({num:,} of {den:,})", ""


def health_headlines(data: ReportData) -> Block:
    """Headline messages for the Health and Wellbeing Board, led by health measures."""
    msgs = []
    for ind in HEALTH_HEADLINES:
        r = find_row(data.current, ind)
        if r is None:
            continue
        data.shown.add(ind)
        v = row_value(r)
        title = REGISTRY[ind].title
        if v is None:
            msgs.append(f"{title}: {narrative.number(None, r['display'])}.")
            continue
        where = narrative.standing(
            v,
            [
                ("England", r["england"]),
                ("the statistical neighbour average", r["stat_neighbours"]),
            ],
            unit="%",
        )
        who = _HEALTH_COHORT.get(ind, "children looked after for at least 12 months")
        of, missed = headcount(data, r, _WITHOUT[ind])
        msgs.append(
            f"{title}: {narrative.number(v)}% of {who}{of}"
            + (f", {where}." if where else ".")
            + missed
        )
    sdq = find_row(data.current, "sdq_average")
    if sdq is not None and row_value(sdq) is not None:
        msgs.append(
            f"The average SDQ score (emotional and behavioural health; lower is "
            f"better) was {_cell(row_value(sdq), 1)}"
            + (
                f", against {_cell(sdq['england'], 1)} in England."
                if sdq["england"] is not None and not pd.isna(sdq["england"])
                else "."
            )
        )
    msgs += material_messages(
        data, set(SECTIONS["Health and wellbeing"]), frozenset(HEALTH_HEADLINES)
    )
    items = "".join(f"<li>{esc(m)}</li>" for m in msgs)
    return Block(heading("Summary") + f'<ul class="headlines">{items}</ul>')


def in_brief(data: ReportData) -> Block:
    """The rest of the report in brief (for the Health and Wellbeing Board edition)."""
    ids = _WHO[:4] + [
        "placements_3plus_pct",
        "long_term_stability_pct",
        "missing_pct",
        "care_leavers_eet_pct_19_21",
        "care_leavers_suitable_accom_pct_19_21",
    ]
    return Block(
        heading("Children looked after in brief")
        + indicator_table(
            data, ids, _caption(data, "Children looked after and care leavers, in brief")
        )
    )


def priorities(data: ReportData) -> Block:
    """Every indicator with a target, its rating, and the officers' commentary."""
    ids = [i for i in REGISTRY if i in data.spec.authority.targets]
    body = (
        indicator_table(data, ids, _caption(data, "Measures with targets"))
        if ids
        else "<p>No targets have been set for these measures.</p>"
    )
    return Block(heading("Priorities and targets") + body + slot(data, "officer_commentary"))


_REVIEW_ICON = {
    "complete": ("on", "✓"),
    "on track": ("on", "✓"),
    "at risk": ("within", "~"),
    "off track": ("off", "✗"),
}

# Priorities a plan commonly uses, most pressing first; any other wording follows them in
# the order the plan first uses it, and actions without one come last.
_PRIORITY_ORDER = ("high", "medium", "low")
NO_PRIORITY = "No priority given"


def _priority_groups(actions) -> list[tuple[str, list]]:
    """Actions grouped by priority (case and spaces ignored), most pressing group first.

    >>> from types import SimpleNamespace as A
    >>> plan = [A(priority="Low"), A(priority=None), A(priority="urgent"), A(priority="high "),
    ...         A(priority="LOW")]
    >>> [(name, len(acts)) for name, acts in _priority_groups(plan)]
    [('High priority', 1), ('Low priority', 2), ('Urgent', 1), ('No priority given', 1)]
    """
    groups: dict[str | None, list] = {}
    for a in actions:
        key = " ".join(a.priority.split()).lower() if a.priority and a.priority.strip() else None
        groups.setdefault(key, []).append(a)
    seen = list(groups)

    def rank(key):
        if key is None:
            return (2, 0)
        if key in _PRIORITY_ORDER:
            return (0, _PRIORITY_ORDER.index(key))
        return (1, seen.index(key))

    def name(key, acts):
        if key is None:
            return NO_PRIORITY
        if key in _PRIORITY_ORDER:
            return f"{key.capitalize()} priority"
        written = " ".join(acts[0].priority.split())
        return written[:1].upper() + written[1:]

    return [(name(k, groups[k]), groups[k]) for k in sorted(groups, key=rank)]


def _review_cell(review) -> Block | str:
    if review is None:
        return ""
    cls, icon = _REVIEW_ICON[review.rating]
    note = f"<br>{esc(review.note)}" if review.note else ""
    return Block(
        f'<span class="rating {cls}"><span aria-hidden="true">{icon}'
        f"</span> {esc(review.rating.capitalize())}</span>{note}"
    )


def _linked_measure(data: ReportData, ind: str | None) -> tuple[Block, Block | str, bool]:
    """An action's measure as published: figure and target, rating, small-group mark.

    Returns the cell, the rating cell, and whether the figure carries the caution mark. The
    figure and the rating are the publication's (suppressed, and rated by
    ``published.rating``): a suppressed figure stays ``c`` and is not rated here either.
    """
    if not ind or ind not in REGISTRY:
        return Block("No measure linked"), "", False
    data.shown.add(ind)
    spec_ind = REGISTRY[ind]
    r = find_row(data.current, ind)
    name = spec_ind.title
    if r is None:
        return Block(f"{esc(name)}:<br>{disclosure.NOT_AVAILABLE}"), "Not rated (no figure)", False
    as_of = _as_of(data, r)
    if as_of:
        name += f" ({as_of}, yearly return)"
    shown = _shown(r, spec_ind.unit, data.spec.settings.small_cohort)
    figure = f'<span class="figure">{esc(shown)}</span>'
    target = r["target"]
    has_target = target is not None and not pd.isna(target)
    if has_target and not r["suppressed"]:
        pct = "%" if spec_ind.unit == "percent" else ""
        figure += f" against a target of {esc(_cell(target, spec_ind.dp))}{pct}"
    text, caution = Block(f"{esc(name)}:<br>{figure}"), shown.endswith(" *")
    if r["suppressed"]:
        return text, "Not rated (figure suppressed)", caution
    if not has_target:
        return text, "No target set", caution
    if not isinstance(r["rating"], str):
        return text, "Not rated (no figure)", caution
    return text, rating_cell(r["rating"]), caution


def _lead_and_due(action, end, latest) -> Block:
    """The action's lead and due date; overdue when due before the period end, not complete."""
    parts = [esc(action.owner)] if action.owner else []
    if action.due is None:
        parts.append("No due date")
    else:
        overdue = action.due < end and (latest is None or latest.rating != "complete")
        parts.append(
            f"Due {esc(narrative.long_date(action.due))}" + (" (overdue)" if overdue else "")
        )
    return Block("<br>".join(parts))


def action_tracker(data: ReportData) -> Block:
    """The action plan by priority: each action's lead, due date, its measure, and reviews.

    Each action shows its linked measure's latest published figure and rating beside its
    own rating at each review, so an action "on track" is read beside a measure off target.
    Reviews after the period end are not shown (a report for Q2 shows reviews to 30 Sep).
    """
    actions = data.spec.authority.actions
    head = heading("Action plan")
    if not actions:
        return Block("")  # the analyst is told (analyst_notes); members see no empty section
    end = data.spec.period.end
    dates = sorted({r.date for a in actions for r in a.reviews if r.date <= end})
    headers = [
        "Action and the impact sought",
        "Lead and due date",
        "Baseline",
        "Linked measure: latest figure",
        "Measure's rating",
        *[f"Review {narrative.long_date(d)}" for d in dates],
    ]
    groups = _priority_groups(actions)
    graded = len(groups) > 1 or groups[0][0] != NO_PRIORITY
    body, cautions = [], False
    for name, members in groups:
        rows = []
        for a in members:
            by_date = {r.date: r for r in a.reviews}
            shown = [r for r in a.reviews if r.date <= end]
            measure, rated, caution = _linked_measure(data, a.indicator)
            cautions |= caution
            rows.append(
                [
                    Block(
                        f'{esc(a.task)}<span class="impact">Impact sought: {esc(a.impact)}</span>'
                    ),
                    _lead_and_due(a, end, shown[-1] if shown else None),
                    a.baseline,
                    measure,
                    rated,
                    *[_review_cell(by_date.get(d)) for d in dates],
                ]
            )
        what = f", {name[:1].lower() + name[1:]}" if graded else ""
        table = _data_table(
            data,
            f"Corporate parenting action plan for {data.name}{what}: each action's measure "
            f"now, and its rating at each review to {narrative.long_date(end)}",
            headers,
            rows,
            numeric_from=99,
            cls="actions",
        )
        body.append((f"<h3>{esc(name)}</h3>" if graded else "") + table)
    note = (
        f'<p class="meta">* Use with caution: fewer than {data.spec.settings.small_cohort} '
        "children in the group, so one child moves the figure a lot.</p>"
        if cautions
        else ""
    )
    intro = (
        f"<p>Each action's own rating at each review is shown beside the latest figure for "
        f"the measure it should move, and that measure's rating against its target, in "
        f"{esc(data.spec.period.name)}. An action is overdue when its due date has "
        "passed and it is not complete.</p>"
    )
    return Block(head + intro + "".join(body) + note)


def exceptions(data: ReportData) -> Block:
    """Every measure off target (against the authority's targets), with its trend.

    The ratings are the publication's (``published.rating``); a suppressed figure has no
    rating, so it is never listed. Actions in the plan that aim to move a measure are named.
    """
    head = heading("Exceptions: measures off target")
    targets = data.spec.authority.targets
    if not targets:
        return Block(head + "<p>No targets have been set, so no measure can be off target.</p>")
    off, rated = [], 0
    for ind in REGISTRY:
        r = find_row(data.current, ind)
        if ind in targets and r is not None and isinstance(r["rating"], str) and r["rating"]:
            rated += 1
            if r["rating"] == OFF:
                off.append(ind)
    if not off:
        return Block(
            head + f"<p>No measure with a target is off target at {esc(data.period_end)}.</p>"
        )
    n = len(off)
    intro = (
        f"<p>{n} of the {rated} measures with targets {'is' if n == 1 else 'are'} "
        f"off target at {esc(data.period_end)}: further from the target than its tolerance "
        "allows. Each is shown with its trend.</p>"
    )
    table = indicator_table(data, off, _caption(data, "Measures off target"))
    plans = []
    for ind in off:
        linked = [a for a in data.spec.authority.actions if a.indicator == ind]
        for a in linked:
            shown = [r for r in a.reviews if r.date <= data.spec.period.end]
            status = (
                f" (rated {shown[-1].rating} at {narrative.long_date(shown[-1].date)})"
                if shown
                else " (not yet reviewed)"
            )
            plans.append(f"<li>{esc(REGISTRY[ind].title)}: {esc(a.task)}{esc(status)}</li>")
    actions = (
        f"<p>Actions in the plan for these measures:</p><ul>{''.join(plans)}</ul>" if plans else ""
    )
    return Block(head + intro + table + actions)
