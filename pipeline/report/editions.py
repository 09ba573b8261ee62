"""Report building blocks for the edition notebooks, and their export to HTML.

A report notebook calls :func:`load` once, then one function per section; each returns an
HTML block (an ``IPython.display.HTML``) built only from published, disclosure-controlled
figures. Every string that came from input or configuration is escaped. Export uses
nbconvert with the ``corpar`` template (no code, no scripts from the internet,
``lang="en-GB"``, a table of contents), so the HTML works offline as one file.
"""

from __future__ import annotations

import atexit
import base64
import html
import json
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from multiprocessing import util
from pathlib import Path

import pandas as pd

from pipeline import io, schema
from pipeline.measures.registry import REGISTRY, figure_period, registry_table
from pipeline.publish import disclosure
from pipeline.publish.published import comparator_year, neighbour_dp, read_publication
from pipeline.read.reference import Comparators, comparator_values, load_comparators
from pipeline.report import materiality, narrative
from pipeline.spec.period import year_period
from pipeline.spec.runspec import (
    RunSpec,
    load_spec,  # noqa: F401 (notebooks)
)

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
TOC_MARKER = "<!-- corpar:toc -->"
esc = html.escape


class Block(str):
    """An HTML fragment that notebooks display as HTML (and tests can read as a string)."""

    def _repr_html_(self) -> str:
        return str(self)


@dataclass
class ReportData:
    """Everything a report edition shows, already disclosure-controlled."""

    spec: RunSpec
    name: str
    region: str | None
    comparators: Comparators
    current: pd.DataFrame  # published rows for the period, with comparator columns
    trend: pd.DataFrame  # published rows for every trend period
    read_report: dict
    gaps: pd.DataFrame  # attainment gaps, published (suppressed): published.published_gaps
    validation: dict = field(default_factory=dict)  # validation.json (counts are used)

    @property
    def period_end(self) -> str:
        """The period end in words ("31 March 2026")."""
        return narrative.long_date(self.spec.period.end)


def load(spec: RunSpec) -> ReportData:
    """The job's publication (suppressed once, by the indicators stage) and comparators.

    Report code never reads an unsuppressed figure: only ``published.read_publication``.
    """
    pub = read_publication(spec)
    comp = load_comparators(
        spec.paths.reference, spec.la_code, spec.authority.neighbours, spec.authority.region
    )
    name = (spec.authority.name if spec.authority.configured else comp.la_name) or spec.la_code
    region = spec.authority.region or comp.region_name
    return ReportData(
        spec,
        name,
        region,
        comp,
        pub.current,
        pub.trend,
        io.read_json(io.processed_file(spec, "read_report.json")),
        pub.gaps,
        io.read_json(io.processed_file(spec, "validation.json")),
    )


# Row positions of a report's (read-only) published frames, by (indicator, breakdown) and
# by (indicator, breakdown, period): a report looks up a few hundred rows, and masking the
# whole frame for each was a third of building a report. Keyed by the frame's identity; the
# frame is held, so its id cannot be reused while it is here.
_POSITIONS: dict[int, tuple[pd.DataFrame, dict]] = {}


def _positions(df: pd.DataFrame) -> dict:
    hit = _POSITIONS.get(id(df))
    if hit is not None and hit[0] is df:
        return hit[1]
    pos: dict = {}
    periods = df["period"] if "period" in df else [None] * len(df)
    for i, key in enumerate(zip(df["indicator"], df["breakdown"], periods, strict=True)):
        pos.setdefault(key[:2], i)
        pos.setdefault(key, i)
    if len(_POSITIONS) >= 8:
        _POSITIONS.clear()
    _POSITIONS[id(df)] = (df, pos)
    return pos


def _get(df: pd.DataFrame, ind: str, breakdown: str = "", period: str | None = None):
    """The first row for the indicator and breakdown (in ``period`` if given), or None."""
    i = _positions(df).get((ind, breakdown) if period is None else (ind, breakdown, period))
    return None if i is None else df.iloc[i]


def _val(r) -> float | None:
    if r is None or r["suppressed"] or pd.isna(r["value"]):
        return None
    return float(r["value"])


def _cell(v, dp: int = 0) -> str:
    return disclosure.fmt_number(None if v is None or pd.isna(v) else float(v), dp)


def _nobreak(label: str) -> str:
    """A period label that never breaks across lines (non-breaking hyphen)."""
    return label.replace("-", "\u2011")


def _table(
    caption: str,
    headers: list[str],
    rows: list[list[str]],
    first_col_header=True,
    numeric_from: int = 1,
    numeric: set[int] | None = None,
    key: str = "",
) -> str:
    # Numbers align right: the columns from ``numeric_from``, or exactly those in ``numeric``.
    num = set(range(numeric_from, len(headers))) if numeric is None else numeric
    head = "".join(
        f'<th scope="col"{" class=num" if i in num else ""}>{esc(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = []
    for r in rows:
        cells = []
        for i, v in enumerate(r):
            if i == 0 and first_col_header:
                cells.append(f'<th scope="row">{esc(str(v))}</th>')
            else:
                cls = ' class="num"' if i in num else ""
                text = str(v) if isinstance(v, Block) else esc(str(v))
                cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    key_html = f' <span class="key">{esc(key)}</span>' if key else ""
    return (
        f"<table><caption>{esc(caption)}{key_html}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def symbols_key(lo: int, hi: int, rows: list[list]) -> str:
    """What the symbols shown in a table's figures mean (DfE's), for its caption.

    Only the symbols the table uses are explained; the first column (the labels) is not
    read. ``c`` names the thresholds in force (configuration, ``suppress_min`` and
    ``suppress_max``).

    >>> symbols_key(1, 5, [["Age", "c", "x"], ["All", "88 → z", "12% *"]])
    'c: suppressed to protect confidentiality (a number of children or pupils from 1 to 5, \
or a figure from which such a number could be worked out); x: not available; z: not \
applicable.'
    >>> symbols_key(1, 5, [["x", "12"]])
    ''
    """
    used = set()
    for r in rows:
        for v in r[1:]:
            # One cell may hold several figures ("88 → c → 93"), each with a unit or mark.
            used |= {t.rstrip("%*") for t in re.split(r"[\s→]+", str(v))}
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
    return _table(caption, headers, rows, key=symbols_key(lo, hi, rows), **kw)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def heading(text: str) -> str:
    """A section heading (h2) with a stable id for the table of contents."""
    return f'<h2 id="{_slug(text)}">{esc(text)}</h2>'


# -- sections ------------------------------------------------------------------------------


def title(data: ReportData, edition: str = "Annual corporate parenting report") -> Block:
    """The report's single h1, what it covers, and the table of contents."""
    p = data.spec.period
    span = f"{narrative.long_date(p.start)} to {narrative.long_date(p.end)}"
    kind = "collection year" if p.is_annual else f"quarter {p.quarter} (rolling 12 months)"
    return Block(
        f"<header><h1>{esc(edition)}: {esc(data.name)}, {esc(p.label)}</h1>"
        f'<p class="lede">How the children {esc(data.name)} looks after are doing: figures '
        f"at {esc(data.period_end)} and for the {esc(kind)} {esc(span)}, against England"
        f"{', ' + esc(data.region) if data.region else ''} and statistical neighbours.</p>"
        f"</header>{TOC_MARKER}"
    )


def headlines(data: ReportData) -> Block:
    """Headline messages, generated from the published figures."""
    cur, tr = data.current, data.trend
    prev = data.spec.period.shifted(-1).label
    n = _get(cur, "cla_at_end")
    n_prev = _get(tr, "cla_at_end", period=prev)
    rate = _get(cur, "cla_rate_per_10k")
    started, ceased = _get(cur, "cla_started"), _get(cur, "cla_ceased")
    msgs = []
    moved = narrative.change(_val(n), _val(n_prev), ("child", "children"))
    msgs.append(
        f"At {data.period_end}, {data.name} looked after "
        f"{narrative.number(_val(n), n['display'] if n is not None else None)} children"
        + (f", {moved} on a year earlier." if moved else ".")
    )
    if rate is not None and _val(rate) is not None:
        where = narrative.standing(
            _val(rate),
            [
                ("England", rate["england"]),
                (data.region or "the region", rate["region"]),
                ("the statistical neighbour average", rate["stat_neighbours"]),
            ],
        )
        msgs.append(
            f"That is {narrative.number(_val(rate))} children per 10,000 aged 0 to 17"
            + (f": {where}." if where else ".")
        )
    else:
        msgs.append(
            "The rate per 10,000 children is not available: no population figure "
            "was found for this authority in the reference data or configuration."
        )
    if started is not None and ceased is not None:
        msgs.append(
            f"During the 12 months to {data.period_end}, "
            f"{narrative.number(_val(started), started['display'])} children started "
            f"to be looked after and {narrative.number(_val(ceased), ceased['display'])}"
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


def trend_text(data: ReportData, ind: str) -> str:
    """The published values of the trend periods, oldest first ("88 → 90 → c → 93")."""
    periods = sorted(data.trend["period"].unique())
    shown = []
    for p in periods:
        r = _get(data.trend, ind, period=p)
        shown.append("x" if r is None else r["display"])
    return " → ".join(shown)


def trend_heading(data: ReportData) -> str:
    """The trend column's heading, naming its first and last periods."""
    periods = sorted(data.trend["period"].unique())
    return f"Trend {_nobreak(periods[0])} to {_nobreak(periods[-1])}" if periods else "Trend"


def indicator_table(data: ReportData, ids: list[str], caption: str) -> str:
    """A table of indicators: the period, the one before, comparators, target, rating."""
    prev = data.spec.period.shifted(-1).label
    small = data.spec.settings.small_cohort
    n_sn = len(data.comparators.neighbours)
    rows, cautions, yearly, repaired = [], 0, set(), False
    for ind in ids:
        r = _get(data.current, ind)
        if r is None:
            continue
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
                _shown(_get(data.trend, ind, period=prev), unit, small),
                trend_text(data, ind),
                with_unit(r["england"]),
                with_unit(r["region"]),
                sn_text,
                "" if target is None or pd.isna(target) else with_unit(target),
                rating_cell(r["rating"]),
            ]
        )
    table = _data_table(
        data,
        caption,
        [
            "Measure",
            _nobreak(data.spec.period.label),
            _nobreak(prev),
            trend_heading(data),
            "England",
            data.region or "Region",
            "Statistical neighbours",
            "Target",
            "Rating",
        ],
        rows,
    )
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


def _as_of(data: ReportData, r) -> str:
    """The year a quarterly report's annual-only figure describes; "" for any other row."""
    as_of = figure_period(REGISTRY[r["indicator"]], data.spec.period).label
    return "" if as_of == data.spec.period.label else as_of


def _caption(data: ReportData, what: str) -> str:
    return (
        f"{what} in {data.name}: {data.spec.period.label} against the year before and "
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
        _val(_get(data.trend, "cla_rate_per_10k", period=p)) is not None for p in periods
    )
    ind = "cla_rate_per_10k" if use_rate else "cla_at_end"
    what = (
        "rate of children looked after per 10,000 children"
        if use_rate
        else "number of children looked after"
    )
    rows, tidy = [], []
    for p in periods:
        r = _get(data.trend, ind, period=p)
        local = _val(r)
        comps = comparator_values(data.spec.paths.reference, data.comparators, ind, int(p[:4]) + 1)
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
        data.name, what, [(p, _val(_get(data.trend, ind, period=p))) for p in periods]
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
) -> Block:
    """A breakdown (e.g. age band) as number and percentage, with suppression applied.

    With ``england`` (group -> percentage), a column of England's percentages beside ours.
    """
    cur = data.current
    rows = []
    m = (cur["indicator"] == indicator) & cur["breakdown"].str.startswith(f"{dimension}: ")
    total = _get(cur, indicator)
    total_v = _val(total)
    for _, r in cur.loc[m].iterrows():
        group = r["breakdown"].split(": ", 1)[1]
        pct = (
            "c"
            if r["suppressed"]
            else "x"
            if not total_v
            else disclosure.fmt_number(disclosure.round_half_up(100 * r["value"] / total_v), 0)
            + "%"
        )
        row_ = [group, r["display"], pct]
        if england is not None:
            e = england.get(group)
            row_.append("x" if e is None else f"{disclosure.fmt_number(e, 0)}%")
        rows.append(row_)
    last = ["Total", total["display"] if total is not None else "x", "100%"]
    headers = [dimension, "Children", "Percentage"]
    if england is not None:
        last.append("100%")
        headers.append(england_label)
    rows.append(last)
    return Block(
        _data_table(data, caption, headers, rows)
        + '<p class="meta">Percentages are rounded to whole numbers, so they may not add up '
        "to 100%.</p>"
    )


def annex(data: ReportData) -> Block:
    """Definitions (from the registry), data quality counts, disclosure policy, sources."""
    reg = registry_table()
    defs = "".join(
        f'<dt>{esc(r.title)} <span class="id">({esc(r.id)})</span></dt><dd>{esc(r.definition)}</dd>'
        for r in reg.itertuples()
    )
    problems = data.read_report.get("problems", [])
    n_err = sum(p["severity"] == "error" for p in problems)
    n_warn = sum(p["severity"] == "warning" for p in problems)
    rejected = sum(r["rows"] for r in data.read_report.get("rejected_rows", []))
    lo, hi = data.spec.settings.suppress_min, data.spec.settings.suppress_max
    sources = sorted(set(data.comparators.sources))
    if data.current["england"].notna().any():
        sources.append(
            "DfE's published statistics for England, the regions and each authority "
            "(explore education statistics)"
        )
    sources = sources or ["none found: comparators show x"]
    neighbours = (
        f"{data.comparators.neighbour_model} ({len(data.comparators.neighbours)} neighbours)"
        if data.comparators.neighbours
        else "none found"
    )
    years = ", ".join(data.read_report.get("years_read", []))
    return Block(
        heading("About this report")
        + '<h3>Definitions</h3><dl class="defs">'
        + defs
        + "</dl>"
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
        + f"<li>The authority's SSDA903 returns ({esc(years)}), read by corpar.</li>"
        + "".join(f"<li>{esc(s)}</li>" for s in sources)
        + f"<li>Statistical neighbours: {esc(neighbours)}.</li></ul>"
        + f'<p class="meta">Produced by corpar on '
        f"{datetime.now(UTC):%d %B %Y}.</p>"
    )


def repairs_paragraph(read_report: dict) -> str:
    """What the repair rules changed in earlier returns, in words (empty when nothing)."""
    repairs = read_report.get("repairs") or []
    if not repairs:
        return ""
    said = " ".join(esc(r["sentence"]) for r in repairs)
    return (
        "<p>Earlier years' returns, already submitted, disagreed where they were combined "
        f"and were repaired by written rules: {said} The period's own return was not "
        "changed. Measures whose figures for this period the repairs changed, if any, are "
        "marked \"repaired history\" in the report's tables; the trend's earlier years use "
        "the repaired episodes.</p>"
    )


def _annex_checks(validation: dict) -> str:
    summ = (validation or {}).get("summary")
    if not summ:
        return ""
    return (
        f"<p>Data checks: {summ['checks_run']:,} checks based on the DfE's validation rules "
        f"were run; {summ['checks_failed_warning']} found {summ['rows_failing_warning']:,} "
        "row(s) to correct in the authority's records. None was serious enough to stop the "
        "report, and those rows are included in the figures.</p>"
    )


# -- export --------------------------------------------------------------------------------


def _toc(body: str) -> str:
    items = re.findall(r'<h2 id="([^"]+)">(.*?)</h2>', body)
    links = "".join(f'<li><a href="#{i}">{t}</a></li>' for i, t in items)
    return f'<nav aria-label="Contents"><h2 class="toc">Contents</h2><ol>{links}</ol></nav>'


@cache
def _html_exporter():
    """The report's nbconvert exporter, made once a process (it compiles its templates once).

    Used under ``_EXPORTING``: one export at a time per process.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="corpar", extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.language_code = "en-GB"
    tags = TagRemovePreprocessor(remove_cell_tags={"remove_cell"}, enabled=True)
    exporter.register_preprocessor(tags, enabled=True)
    return exporter


_EXPORTING = threading.Lock()


def export_html(notebook: Path, out_path: Path, title_text: str) -> Path:
    """Export an executed report notebook as one offline, accessible HTML file."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    nb.metadata["title"] = title_text
    with _EXPORTING:
        body, _ = _html_exporter().from_notebook_node(
            nb, resources={"corpar_css": (TEMPLATES / "corpar" / "report.css").read_text()}
        )
    body = body.replace(TOC_MARKER, _toc(body), 1)
    io.write_public_bytes(out_path, body.encode("utf-8"))
    return out_path


def age_profile(data: ReportData) -> Block:
    """Children looked after by age band at the period end, beside England's profile."""
    from pipeline.read.reference import AGE_GROUP_LABELS, england_profile

    year, eng = england_profile(
        data.spec.paths.reference, "Age group", AGE_GROUP_LABELS, comparator_year(data.spec)
    )
    label = f"England, {year}" if year else "England"
    note = (
        '<p class="meta">England: DfE\'s national profile of children looked after at 31 '
        f"March{f' {year}' if year else ''} (the latest published); DfE does not publish "
        "regional age profiles in these tables.</p>"
    )
    return Block(
        breakdown_table(
            data,
            "cla_at_end",
            "Age band",
            f"Children looked after at {data.period_end} by age",
            eng,
            label,
        )
        + note
    )


def placement_table(data: ReportData) -> Block:
    """Children looked after by type of placement at the period end."""
    return Block(
        heading("Where our children live")
        + breakdown_table(
            data,
            "cla_at_end",
            "Placement",
            f"Children looked after at {data.period_end} by "
            "type of placement (a child in a temporary placement is counted in the placement "
            "they came from)",
        )
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
    note = (
        '<p class="meta">Gap: children looked after minus all pupils (percentage points for '
        "percentages, score points for Attainment 8). The interval reflects the small number "
        "of children looked after (Wilson for percentages, t for averages); all pupils are "
        f"treated as known. All-pupils source: {esc(source)}. DfE publishes two England KS2 "
        "figures that differ by up to 1 point; this report uses the one named.</p>"
    )
    return Block(head + text + table + note)


def chromium_binary() -> str:
    """Debian's chromium (or ``CORPAR_CHROMIUM``), or a clear error saying how to get it."""
    import os
    import shutil

    found = (
        os.environ.get("CORPAR_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found:
        raise RuntimeError(
            "PDF export needs Debian's chromium: run 'make setup' (as root it "
            "installs it) or 'apt-get install chromium'"
        )
    return found


_BROWSER_ARGS = [
    "--disable-gpu",
    # The GPU and network services in the browser process, not two more processes: 150 MB
    # less resident memory per worker, the same PDF (text and pages compared).
    "--in-process-gpu",
    "--enable-features=NetworkServiceInProcess2",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_printer = threading.local()  # on the print thread: Playwright and the browser context
_print_thread: list = []  # [(pid, executor)]: the one thread of this process that prints
PRINT_TIMEOUT = 300  # seconds: a print that hangs fails its job instead of the whole run


class _DisposedObjectEvents(logging.Filter):
    """Drop Playwright's log of events for objects it has already disposed.

    Chromium can send an event (e.g. a debugger's "pausedStateChanged") just after the
    object it concerns was closed; Playwright then logs "Error occurred in event listener:
    Cannot find object to ...". Nothing is lost (the object is gone on purpose) and the
    print succeeds, but the line would land among a run's error messages on stderr.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (exc is not None and str(exc).startswith('Cannot find object to "'))


_DISPOSED = _DisposedObjectEvents()


def _printing():
    """The print thread of the current process (Playwright objects must stay on one thread)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    if not _print_thread or _print_thread[0][0] != os.getpid():  # new, or inherited by fork
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="corpar-pdf")
        _print_thread[:] = [(os.getpid(), pool)]
        atexit.register(_at_exit, os.getpid())
        # multiprocessing workers skip atexit; their finalizers run at exit instead.
        util.Finalize(None, _at_exit, args=(os.getpid(),), exitpriority=10)
    return _print_thread[0][1]


def _browser():
    """The print thread's headless Chromium page context, started once and kept.

    Starting Chromium costs about a second, more than printing a report, and a worker
    prints two or more reports per job: so each process keeps one browser (Debian's
    ``chromium``, driven by Playwright) with one context for its pages, on its print thread,
    closed when the process exits.
    """
    import os

    context = getattr(_printer, "context", None)
    if context is not None and context.browser and context.browser.is_connected():
        return context
    from playwright.sync_api import sync_playwright

    logging.getLogger("playwright").addFilter(_DISPOSED)  # the same filter once
    pw = sync_playwright().start()
    args = list(_BROWSER_ARGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(0, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    try:
        browser = pw.chromium.launch(executable_path=chromium_binary(), args=args)
        context = browser.new_context()
    except Exception:
        pw.stop()
        raise
    _printer.pw, _printer.context = pw, context
    return context


def _page():
    """The print thread's page, kept from one print to the next until released.

    A new page for each print started new renderer processes each time: about 0.65 s of
    the machine's CPU per PDF, against 0.3 s for the print itself. Each print navigates
    the kept page to a new document, so nothing of one report stays for the next; a page
    whose print failed is closed and the next print gets a new one. A job releases its
    page when its exports are done (``release_print_page``): kept across jobs, the page's
    renderers (about 150 MB per worker) would be held while the next job's stages run.
    """
    context = _browser()
    page = getattr(_printer, "page", None)
    if page is None or page.is_closed() or page.context is not context:
        page = _printer.page = context.new_page()
    return page


def release_print_page() -> None:
    """Close this process's kept print page, on the print thread, without waiting."""
    if _print_thread:
        _printing().submit(_discard_page)


def _discard_page() -> None:
    page, _printer.page = getattr(_printer, "page", None), None
    if page is not None:
        try:
            page.close()
        except Exception:  # the page or its browser may be gone already
            log.debug("could not close the print page", exc_info=True)


def _close_here() -> None:
    """Close the print thread's browser (run on the print thread)."""
    _discard_page()
    context = getattr(_printer, "context", None)
    _printer.context = None
    if context is None:
        return
    try:
        context.browser.close()
        _printer.pw.stop()
    except Exception:  # closing is best effort: the browser may be gone already
        log.debug("could not close the browser cleanly", exc_info=True)


def _at_exit(pid: int) -> None:
    import os

    if pid != os.getpid() or not _print_thread or _print_thread[0][0] != pid:
        return  # inherited through fork: the parent closes its own browser
    try:
        _print_thread[0][1].submit(_close_here).result(timeout=30)
    except Exception:  # at interpreter exit the thread may be gone; Chromium follows its driver
        pass


def start_browser() -> None:
    """Start this process's browser in the background, so the first PDF need not wait.

    A job calls this before its stage notebooks: Chromium starts while the kernel works.
    """
    _printing().submit(_browser)


def close_browser() -> None:
    """Close this process's kept browser now, if it started one.

    It is closed at exit anyway; a long-lived process that is done printing frees its
    memory early.
    """
    if _print_thread:
        _printing().submit(_close_here).result()


def _print_page(html_path: Path) -> bytes:
    page = _page()
    try:
        page.goto(html_path.resolve().as_uri())
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        return page.pdf(tagged=True, outline=True, print_background=True, prefer_css_page_size=True)
    except Exception:
        _discard_page()
        raise


def export_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Print an exported report to a tagged A4 PDF with headless Chromium.

    Chromium tags the PDF (structure tree, reading order) and keeps the title and ``lang``;
    it renders exactly the page the accessibility checks see. Data tables behind "Show the
    data" are opened for print, so the PDF carries them too; the page size (A4) and margins
    come from the report's CSS.
    """
    try:
        pdf = _printing().submit(_print_page, html_path).result(timeout=PRINT_TIMEOUT)
    except TimeoutError as exc:
        raise RuntimeError(
            f"chromium did not print {html_path.name} to PDF within {PRINT_TIMEOUT} s; "
            "run the job again, and check that chromium starts ('chromium --version')"
        ) from exc
    except Exception as exc:
        raise RuntimeError(f"chromium could not print {html_path.name} to PDF: {exc}") from exc
    io.write_public_bytes(pdf_path, pdf)
    return pdf_path


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


def health_headlines(data: ReportData) -> Block:
    """Headline messages for the Health and Wellbeing Board, led by health measures."""
    msgs = []
    for ind in HEALTH_HEADLINES:
        r = _get(data.current, ind)
        if r is None:
            continue
        v = _val(r)
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
        msgs.append(f"{title}: {narrative.number(v)}% of {who}" + (f", {where}." if where else "."))
    sdq = _get(data.current, "sdq_average")
    if sdq is not None and _val(sdq) is not None:
        msgs.append(
            f"The average SDQ score (emotional and behavioural health; lower is "
            f"better) was {_cell(_val(sdq), 1)}"
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


SLOTS = {
    "officer_commentary": "Commentary from officers",
    "children_in_care_council": "In their own words: the Children in Care Council",
}


def slot(data: ReportData, kind: str) -> Block:
    """Text written for this report (a ``config/commentary`` file), escaped, as paragraphs.

    Blank when no file was written: the slot is optional.
    """
    text = io.commentary_text(data.spec, kind)
    if not text or not text.strip() or not_for_members(text):
        return Block("")  # an example or an instruction goes to the analyst, not members
    paras = "".join(f"<p>{esc(p.strip())}</p>" for p in text.split("\n\n") if p.strip())
    return Block(f'<section class="commentary"><h3>{esc(SLOTS[kind])}</h3>{paras}</section>')


def not_for_members(text: str) -> str | None:
    """Why a commentary file must not be printed (an example, or instructions), or None.

    >>> print(not_for_members("Example officer commentary. Put it in config/commentary/..."))
    it reads as an example or instructions (it starts with "Example" or names a config/ file)
    >>> not_for_members("Stability improved this year.") is None
    True
    """
    head = text.strip().lower()
    if head.startswith(("example", "todo", "tbc", "lorem ipsum")) or "config/" in head:
        return (
            'it reads as an example or instructions (it starts with "Example" or names a '
            "config/ file)"
        )
    return None


def analyst_notes(spec: RunSpec) -> list[str]:
    """What the analyst should know that members must never read (for data_quality.html)."""
    notes = []
    for kind, name in SLOTS.items():
        text = io.commentary_text(spec, kind)
        why = not_for_members(text) if text else None
        if why:
            notes.append(
                f"The {name.lower()} text (config/commentary/{spec.la_code}/.../{kind}.md) was "
                f"not printed: {why}. Replace it with the words for this report."
            )
    if not spec.period.is_annual and not spec.authority.actions:
        notes.append(
            f"No action plan is recorded (config/action_plans/{spec.la_code}.yml): the board "
            "report has no action plan section."
        )
    checks = io.processed_file(spec, "comparator_checks.json")
    if checks.is_file():
        for problem in json.loads(checks.read_text()):
            notes.append(f"A DfE comparator contradicts another and is not shown: {problem}.")
    if not spec.authority.targets:
        notes.append(
            f"No targets are set for {spec.la_code} (config/authorities.yml): measures are not "
            "rated."
        )
    return notes


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


def action_tracker(data: ReportData) -> Block:
    """The action plan: task, impact, baseline, owner, and the rating at each review.

    Reviews after the period end are not shown (a report for Q2 shows reviews to 30 Sep).
    """
    actions = data.spec.authority.actions
    head = heading("Action plan")
    if not actions:
        return Block("")  # the analyst is told (analyst_notes); members see no empty section
    end = data.spec.period.end
    dates = sorted({r.date for a in actions for r in a.reviews if r.date <= end})
    rows = []
    for a in actions:
        by_date = {r.date: r for r in a.reviews}
        cells = []
        for d in dates:
            r = by_date.get(d)
            if r is None:
                cells.append("")
                continue
            cls, icon = _REVIEW_ICON[r.rating]
            note = f"<br>{esc(r.note)}" if r.note else ""
            cells.append(
                Block(
                    f'<span class="rating {cls}"><span aria-hidden="true">{icon}'
                    f"</span> {esc(r.rating.capitalize())}</span>{note}"
                )
            )
        linked = REGISTRY[a.indicator].title if a.indicator in REGISTRY else ""
        rows.append(
            [
                a.task,
                a.impact + (f" (measure: {linked})" if linked else ""),
                a.baseline,
                a.owner,
                *cells,
            ]
        )
    table = _table(
        f"Corporate parenting action plan for {data.name}: rating at each review "
        f"to {narrative.long_date(end)}",
        [
            "Action",
            "Impact sought",
            "Baseline",
            "Lead",
            *[f"Review {narrative.long_date(d)}" for d in dates],
        ],
        rows,
        numeric_from=99,
    )
    return Block(head + table)


def data_quality_html(
    spec: RunSpec,
    report: dict,
    years: list[str],
    validation: dict | None = None,
    stopped: str | None = None,
    checking: bool = False,
) -> str:
    """``data_quality.html``: what reading and cleaning found, in counts (no child rows).

    For each problem: its severity, file, column, how many rows, and what to do. Rows that
    could not be used are counted by table and reason. The row-level list stays internal
    (``data/processed/<la>/<period>/rejected_rows.csv``). ``stopped`` names the step at
    which a run failed: the page then says no report was published, whatever it found
    (``checking``: the run was ``corpar validate``, which makes no report).
    """
    problems = report.get("problems", [])
    title = f"Data quality: {spec.authority.name}, {spec.period.label}"
    n_err = sum(p["severity"] == "error" for p in problems)
    n_warn = len(problems) - n_err
    verdict = (
        "The data cannot support the report until the errors below are fixed."
        if n_err
        else "No errors: the data can support the report. Warnings are listed below."
    )
    rows = [
        [
            p["severity"].capitalize(),
            p["file"],
            p.get("column") or "",
            len(p.get("rows") or []) or "",
            p["message"],
        ]
        for p in problems
    ]
    problems_table = (
        _table(
            "What reading the 903 files found",
            ["Severity", "File", "Column", "Rows", "What to do"],
            rows,
            numeric={3},
        )
        if rows
        else "<p>Nothing to report.</p>"
    )
    rejected = report.get("rejected_rows", [])
    rejected_table = (
        _table(
            "Rows that could not be used (kept, and counted here)",
            ["Table", "Reason", "Rows"],
            [[r["table"], r["reason"], f"{r['rows']:,}"] for r in rejected],
            numeric_from=2,
        )
        if rejected
        else "<p>Every row was used.</p>"
    )
    files = report.get("files", [])
    files_table = _table(
        "Files read",
        ["File", "903 tables", "Rows", "Form"],
        [
            [f["file"], f["table"] or "not used", f"{f['rows']:,}", f["encoding"] or ""]
            for f in files
        ],
        numeric_from=2,
    )
    checks_html = _checks_html(validation)
    repairs = report.get("repairs") or []
    repairs_html = (
        heading("Repairs to earlier returns")
        + repairs_paragraph(report)
        + _table(
            "Rows repaired, by rule (docs/validation.md)",
            ["Return", "DfE rule", "What was done", "Rows", "Files"],
            [
                [
                    r["year"],
                    r["dfe_rule"],
                    r["sentence"],
                    f"{r['count']:,}",
                    "; ".join(
                        f"{f}, row{'s' if len(rows) > 1 else ''} "
                        + ", ".join(str(n) for n in rows[:10])
                        + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
                        for f, rows in r["rows"].items()
                    ),
                ]
                for r in repairs
            ],
            numeric={3},
        )
        if repairs
        else ""
    )
    notes = analyst_notes(spec)
    notes_html = (
        heading("For the analyst") + "<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>"
        if notes
        else ""
    )
    if validation and validation["summary"]["checks_failed_critical"]:
        verdict = (
            "Critical data checks failed: the data cannot support the report until they are "
            "fixed (see Data checks)."
        )
    if stopped:
        failed_checks = bool(validation and validation["summary"]["checks_failed_critical"])
        what = (
            f"corpar validate stopped at {stopped}: no report can be made from this data "
            "as it is (reports in this folder, from an earlier run, are unchanged). "
            if checking
            else f"The run stopped at {stopped}, so no report was published for this period "
            "(any earlier reports in this folder are unchanged). "
        )
        verdict = what + (verdict if n_err or failed_checks else "The run's error output says why.")
    css = (TEMPLATES / "corpar" / "report.css").read_text()
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><meta name='
        f'"viewport" content="width=device-width, initial-scale=1.0"><title>{esc(title)}'
        f"</title><style>{css}</style></head><body><main><h1>{esc(title)}</h1>"
        f'<p class="lede">{esc(verdict)} Returns read: {esc(", ".join(years))}. '
        f"{n_err} error(s), {n_warn} warning(s), "
        f"{sum(r['rows'] for r in rejected):,} row(s) not used.</p>"
        f"{notes_html}{heading('Problems')}{problems_table}{checks_html}{repairs_html}"
        f"{heading('Rows not used')}{rejected_table}"
        f'{heading("Files")}{files_table}<p class="meta">Row numbers and child-level '
        "detail are in the internal rejected_rows.csv, read_report.json, validation.json and "
        "validation_rows.csv under data/processed, never here."
        "</p></main></body></html>"
    )


def _checks_html(validation: dict | None) -> str:
    """The data checks section of ``data_quality.html``: failed checks in counts only."""
    if not validation:
        return ""
    summ = validation["summary"]
    failed = [c for c in validation["checks"] if c["rows_failing"]]
    order = {"critical": 0, "warning": 1}
    failed.sort(key=lambda c: (order.get(c["severity"], 2), c["collection_year"], c["table"]))
    rows = [
        [
            c["severity"].capitalize(),
            c["dfe_rule"] or "-",
            f"{c['table']} ({c['collection_year']})",
            schema.column_words(c["column"]),
            c["message"],
            c["action"],
            f"{c['rows_failing']:,}",
        ]
        for c in failed
    ]
    table = (
        _table(
            "Checks that failed, most serious first",
            [
                "Severity",
                "DfE rule",
                "Table (return)",
                "Column",
                "What failed",
                "What to do",
                "Rows",
            ],
            rows,
            numeric_from=6,
        )
        if rows
        else "<p>Every check passed.</p>"
    )
    return (
        heading("Data checks")
        + f"<p>{summ['checks_run']:,} checks (the DfE validation rules most relevant to the "
        f"report, and corpar's own) were run on the latest returns and on the combined "
        f"history: {summ['checks_failed_critical']} critical and "
        f"{summ['checks_failed_warning']} warning check(s) failed, on "
        f"{summ['rows_failing_critical'] + summ['rows_failing_warning']:,} row(s). Critical "
        "checks stop the report; warnings do not, and the rows are still used.</p>" + table
    )
