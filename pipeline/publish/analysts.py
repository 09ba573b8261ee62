"""The analysts' files: ``indicators.csv`` in DfE's tidy form, and the formatted workbook.

Both are made from the publication (every figure already disclosure-controlled) and nothing
else. ``indicators.csv`` follows DfE's explore-education-statistics (EES) layout: the time
and geography columns first, as in DfE's own tables (so a council's rows can be appended to
DfE's, or joined to them), then one row per indicator and breakdown. The contract's columns
(indicator, breakdown, value, display, numerator, denominator, england, region,
stat_neighbours, target, rating) keep their names; what each column means is
:data:`MEANINGS`, which the workbook's "about" sheet prints.
"""

from __future__ import annotations

import io as _io
import math

import pandas as pd

from pipeline import __version__, io
from pipeline.measures.registry import REGISTRY, figure_period, registry_table
from pipeline.publish.published import RANK_COLUMNS, Publication, neighbour_dp
from pipeline.spec.runspec import RunSpec

ENGLAND = ("E92000001", "England")

# What each column of indicators.csv means, in its order (the workbook's "about" sheet).
MEANINGS = {
    "time_period": "The year the figure describes, as DfE writes it: 2026 for the year to 31 "
    "March 2026; 202627 for a quarter of the 2026-27 collection year.",
    "time_identifier": "'Reporting year' (a year to 31 March) or 'Financial year Q1' to 'Q4' "
    "(the 12 months to the end of that quarter).",
    "geographic_level": "Always 'Local authority'.",
    "country_code": "England's ONS code.",
    "country_name": "England.",
    "region_code": "The region's ONS code, where the reference tables give it.",
    "region_name": "The region.",
    "old_la_code": "The authority's three-digit DfE code.",
    "la_name": "The authority.",
    "new_la_code": "The authority's nine-character ONS code, where the reference tables give it.",
    "period": "corpar's name for the period the figure describes (2025-26, 2026-27-Q2).",
    "period_end": "The last day of that period.",
    "indicator": "The indicator's id (docs/indicators.md defines each exactly).",
    "title": "The indicator's title, as the reports print it.",
    "breakdown": "Blank for the whole group; otherwise the group, as 'Age band: 1 to 4'.",
    "unit": "count, rate (per 10,000 children), percent, mean or days.",
    "value": "The figure, rounded as published; blank where display is c or x.",
    "display": "The figure as the reports print it: c where it is suppressed to protect "
    "children's identities, x where it is not available.",
    "numerator": "The children counted; blank where the figure is suppressed.",
    "denominator": "The children it is out of; blank where the figure is suppressed or is a count.",
    "previous_period": "The period before: the year before, or the same quarter a year earlier "
    "(for a quarter's yearly figures, the year before their year).",
    "previous_value": "The figure for the previous period, suppressed the same way.",
    "previous_display": "The previous figure as the reports print it (c, x).",
    "england": "England's published figure for the same year (DfE); for a quarter, the latest "
    "year DfE has published (the comparators sheet's as_of says which).",
    "region": "The region's published figure, for the same year as England's.",
    "stat_neighbours": "The average of the statistical neighbours' published figures (not "
    "given for counts, which compare authorities of different sizes).",
    "stat_neighbours_n": "How many neighbours' figures the average is made from.",
    "stat_neighbours_of": "How many statistical neighbours the authority has.",
    "target": "The authority's own target, from its configuration.",
    "tolerance": "How far from the target still counts as within tolerance.",
    "rating": "On target, Within tolerance or Off target (blank without a target or a figure).",
    "england_rank": "Rank among England's authorities, 1 the best by the measure's direction "
    "(the highest where it has none).",
    "england_ranked": "How many authorities were ranked.",
    "england_quartile": "1 for the best quarter of authorities to 4 for the worst.",
    "region_rank": "Rank among the region's authorities.",
    "region_ranked": "How many of the region's authorities were ranked.",
}
COLUMNS = list(MEANINGS)
_VALUES = ("value", "previous_value", "england", "region", "target")
_COUNTS = ("numerator", "denominator", "stat_neighbours_n", "stat_neighbours_of", *RANK_COLUMNS)
_TEXT = ("la_name", "region_name", "title", "breakdown", "display", "previous_display", "rating")


def _number(v: object) -> int | float | None:
    """A figure as the files write it: blank when missing, whole numbers without '.0'."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    v = float(v)
    return int(v) if v.is_integer() else v


def _previous(spec: RunSpec, trend: pd.DataFrame) -> dict[tuple[str, str], tuple]:
    """(indicator, breakdown) -> (period, value, display) of the latest earlier trend period."""
    earlier = trend.loc[trend["period"] < spec.period.label]
    if earlier.empty:
        return {}
    last = earlier.sort_values("period").groupby(["indicator", "breakdown"], sort=False).tail(1)
    # The trend's periods are this one, years back (each label parsed once, by the run).
    back = {p.label: p for p in (spec.period.shifted(-k) for k in range(1, 31))}
    out = {}
    for r in last.itertuples(index=False):
        ind = REGISTRY[r.indicator]
        label = figure_period(ind, back[r.period]).label
        out[(r.indicator, r.breakdown)] = (
            label,
            _number(r.value),  # blank when suppressed: the publication blanked it
            r.display,
        )
    return out


def tidy(spec: RunSpec, pub: Publication) -> pd.DataFrame:
    """``indicators.csv``'s rows: the publication's figures in DfE's tidy form.

    Every figure comes from ``pub`` as published; nothing is computed again here except
    which trend period came before.
    """
    comp = pub.comparators
    geography = {
        "geographic_level": "Local authority",
        "country_code": ENGLAND[0],
        "country_name": ENGLAND[1],
        "region_code": comp.region_code,
        "region_name": comp.region_name,
        "old_la_code": spec.la_code,
        "la_name": comp.la_name or spec.authority.name,
        "new_la_code": comp.new_la_code,
    }
    previous = _previous(spec, pub.trend)
    rows = []
    for r in pub.current.to_dict("records"):
        ind = REGISTRY[r["indicator"]]
        when = figure_period(ind, spec.period)
        time_period, time_identifier = when.ees_time
        total = r["breakdown"] == ""
        target = spec.authority.targets.get(ind.id) if total else None
        compared = total and ind.unit != "count"
        before = previous.get((ind.id, r["breakdown"]), (None, None, None))
        rows.append(
            {
                "time_period": time_period,
                "time_identifier": time_identifier,
                **geography,
                "period": when.label,
                "period_end": when.end.isoformat(),
                "indicator": ind.id,
                "title": ind.title,
                "breakdown": r["breakdown"],
                "unit": ind.unit,
                "value": _number(r["value"]),  # blank when suppressed, as published
                "display": r["display"],
                "numerator": _number(r["numerator"]),
                "denominator": _number(r["denominator"]),
                "previous_period": before[0],
                "previous_value": before[1],
                "previous_display": before[2],
                "england": _number(r["england"]),
                "region": _number(r["region"]),
                "stat_neighbours": _number(r["stat_neighbours"]),
                "stat_neighbours_n": _number(r["sn_count"]) if compared else None,
                "stat_neighbours_of": len(comp.neighbours) if compared else None,
                "target": _number(target.value) if target else None,
                "tolerance": _number(target.tolerance) if target else None,
                "rating": r["rating"] if isinstance(r["rating"], str) else None,
                **{k: _number(r[k]) for k in RANK_COLUMNS},
            }
        )
    out = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    for col in ("indicator", *_TEXT):
        out[col] = out[col].map(io.neutralise)
    return out


def write_published(spec: RunSpec, pub: Publication) -> None:
    """``outputs/<la>/<period>/indicators.csv`` and ``indicators.xlsx``."""
    table = tidy(spec, pub)
    io.write_public_bytes(
        io.output_file(spec, "indicators.csv"), table.to_csv(index=False).encode("utf-8")
    )
    io.write_public_bytes(io.output_file(spec, "indicators.xlsx"), workbook(spec, pub, table))


def _definitions() -> pd.DataFrame:
    """The registry: each measure's title, unit, direction, places, plain words and method."""
    table = registry_table().rename(columns={"id": "indicator"})
    return table[["indicator", "title", "unit", "polarity", "decimal_places", "in_words",
                  "cohort", "definition"]]  # fmt: skip


def _comparators(pub: Publication) -> pd.DataFrame:
    """Our figure beside DfE's published one for this authority, and each comparator's source."""
    cur = pub.current.loc[pub.current["breakdown"] == ""]
    return pd.DataFrame(
        {
            "indicator": cur["indicator"].map(io.neutralise),
            "corpar_value": cur["value"].map(_number),
            "corpar_display": cur["display"].map(io.neutralise),
            "dfe_published_for_this_authority": cur["la_published"],
            "england": cur["england"].map(_number),
            "region": cur["region"].map(_number),
            "stat_neighbours": cur["stat_neighbours"].map(_number),
            "stat_neighbours_n": cur["sn_count"].map(_number),
            **{k: cur[k].map(_number) for k in RANK_COLUMNS},
            "as_of": cur["as_of"],
            "source": cur["source"],
        }
    )


def _about(spec: RunSpec, pub: Publication) -> pd.DataFrame:
    name = pub.comparators.la_name or spec.authority.name
    lines = [
        ("Title", f"Corporate parenting indicators: {name}, {spec.period.name}"),
        ("Authority", f"{name} ({spec.la_code})"),
        ("Period", f"{spec.period.label}: {spec.period.words}"),
        ("Made by", f"corpar {__version__}"),
        (
            "Symbols",
            "c: suppressed to protect children's identities (a small number, or a "
            "figure that would reveal one); x: not available; blank: does not apply.",
        ),  # fmt: skip
        (
            "Sheets",
            "indicators: every published figure (the same as indicators.csv); "
            "definitions: each measure in plain words and exactly; comparators: where England's, "
            "the region's and the neighbours' figures come from; about: this sheet.",
        ),  # fmt: skip
    ]
    lines += [(f"Column: {c}", m) for c, m in MEANINGS.items()]
    return pd.DataFrame(lines, columns=["item", "meaning"])


def workbook(spec: RunSpec, pub: Publication, table: pd.DataFrame) -> bytes:
    """The formatted workbook: each sheet an Excel table with a frozen header and filters."""
    sheets = {
        "indicators": table,
        "definitions": _definitions(),
        "comparators": _comparators(pub),
        "about": _about(spec, pub),
    }
    buf = _io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, frame in sheets.items():
            frame.to_excel(xl, sheet_name=name, index=False)
            _format(xl.sheets[name], frame, name)
        _number_formats(xl.sheets["indicators"], table)
    return buf.getvalue()


_WRAPPED = {"in_words", "cohort", "definition", "meaning", "source"}


def _format(ws, frame: pd.DataFrame, name: str) -> None:
    """Column widths from the contents, the header frozen, the sheet an Excel table."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    for i, col in enumerate(frame.columns, start=1):
        letter = get_column_letter(i)
        cells = [str(v) for v in frame[col] if v is not None and not pd.isna(v)]
        longest = max([len(str(col)), *map(len, cells)])
        wrapped = col in _WRAPPED
        ws.column_dimensions[letter].width = min(80 if wrapped else 45, max(9, longest + 2))
        if wrapped:
            for cell in ws[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    if len(frame):
        # An Excel table: filter buttons, banded rows, a header a screen reader announces.
        ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
        table = Table(displayName=name, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        ws.add_table(table)


def _places(dp: int) -> str:
    return "#,##0" + ("." + "0" * dp if dp else "")


def _number_formats(ws, table: pd.DataFrame) -> None:
    """Each figure shown with its measure's decimal places; counts with thousands commas."""
    where = {c: i for i, c in enumerate(table.columns, start=1)}
    for row, ind_id in enumerate(table["indicator"], start=2):
        ind = REGISTRY[ind_id]
        for col in _VALUES:
            ws.cell(row, where[col]).number_format = _places(ind.dp)
        ws.cell(row, where["stat_neighbours"]).number_format = _places(neighbour_dp(ind))
        for col in _COUNTS:
            ws.cell(row, where[col]).number_format = "#,##0"
