"""The published indicator table: suppressed figures with comparators, targets and ratings.

One function builds it (:func:`published_indicators`) and everything published reads it:
``outputs/<la>/<period>/indicators.csv`` and ``.xlsx`` (``pipeline/publish/analysts.py``)
and every report edition, so a
figure cannot differ between the table and the report, and suppression is applied before
anything reaches a template. The education table's attainment gaps are published the same
way (:func:`published_gaps`): a report never sees the unsuppressed gaps.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

from pipeline import io
from pipeline.measures.registry import PARTITIONS, REGISTRY, figure_period
from pipeline.numerals import round_half_up
from pipeline.publish import disclosure, ranks
from pipeline.publish.disclosure import NOT_AVAILABLE, SUPPRESSED
from pipeline.read.reference import (
    Comparators,
    comparator_values,
    england_profiles,
    la_figures,
    load_comparators,
    no_comparators,
)
from pipeline.spec.config import Target
from pipeline.spec.runspec import RunSpec

# Rank 1 is the best figure by polarity (highest for "neither"), of how many authorities,
# and its quartile; then the same within the region.
RANK_COLUMNS = [
    "england_rank",
    "england_ranked",
    "england_quartile",
    "region_rank",
    "region_ranked",
]
ON, WITHIN, OFF = "On target", "Within tolerance", "Off target"


def rating(value: float | None, target: Target | None, polarity: str) -> str | None:
    """Rate a published value against its target, respecting polarity.

    Higher is better: on target at or above it, within tolerance down to target minus
    tolerance. Lower is better: the mirror image. No rating without a value, a target, or
    a direction.

    >>> t = Target(value=70, tolerance=5)
    >>> [rating(v, t, "higher") for v in (70, 66, 65, 64)]
    ['On target', 'Within tolerance', 'Within tolerance', 'Off target']
    >>> [rating(v, Target(value=10, tolerance=2), "lower") for v in (10, 12, 12.5)]
    ['On target', 'Within tolerance', 'Off target']
    >>> rating(None, t, "higher"), rating(80, None, "higher"), rating(80, t, "neither")
    (None, None, None)
    """
    if target is None or polarity not in ("higher", "lower"):
        return None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    gap = value - target.value if polarity == "higher" else target.value - value
    if gap >= 0:
        return ON
    if gap >= -target.tolerance:
        return WITHIN
    return OFF


def neighbour_dp(ind) -> int:
    """Decimal places of a neighbour average, as DfE's tools show them (``Indicator.points_dp``)."""
    return ind.points_dp


def _suppressed(spec: RunSpec, table: pd.DataFrame) -> pd.DataFrame:
    """``disclosure.publish`` with the spec's thresholds and the registry's units and places."""
    return disclosure.publish(
        table,
        spec.settings.suppress_min,
        spec.settings.suppress_max,
        REGISTRY.units(),
        PARTITIONS,
        REGISTRY.decimal_places(),
    )


def comparator_year(spec: RunSpec) -> int:
    """DfE's ``time_period`` to compare with: the year in which the period ends.

    A quarter is compared with the latest published year on or before its end.
    """
    return spec.period.end.year


def published_indicators(
    spec: RunSpec, current: pd.DataFrame, comp: Comparators | None = None
) -> pd.DataFrame:
    """Suppress, then add England, region, neighbours, target and rating (totals only)."""
    # Target ids were checked against the registry when the configuration was loaded.
    comp = comp or load_comparators(
        spec.paths.reference, spec.la_code, spec.authority.neighbours, spec.authority.region
    )
    pub = _suppressed(spec, current)
    year = comparator_year(spec)
    extra: dict[str, list] = {
        k: []
        for k in (
            "england",
            "region",
            "stat_neighbours",
            "sn_count",
            "la_published",
            "source",
            "target",
            "rating",
            *RANK_COLUMNS,
        )
    }
    for r in pub.itertuples():
        ind = REGISTRY[r.indicator]
        vals = no_comparators()
        target = rate = None
        placed: dict[str, int | None] = dict.fromkeys(RANK_COLUMNS)
        if r.breakdown == "":
            # An annual figure in a quarterly run is compared with its own year's England.
            at = figure_period(ind, spec.period).end.year if ind.annual else year
            vals = comparator_values(spec.paths.reference, comp, ind.id, at)
            if ind.unit == "count":
                # A neighbour average of counts compares authorities of different sizes.
                vals["stat_neighbours"], vals["sn_count"] = None, 0
            elif vals["stat_neighbours"] is not None:
                vals["stat_neighbours"] = round_half_up(vals["stat_neighbours"], neighbour_dp(ind))
            t = spec.authority.targets.get(ind.id)
            target = t.value if t else None
            rate = rating(None if r.suppressed else r.value, t, ind.polarity)
            if not r.suppressed and _rankable(ind, spec):
                placed = _placed(spec, comp, ind, at, r.value)
        for k in ("england", "region", "stat_neighbours", "sn_count", "la_published", "source"):
            extra[k].append(vals[k])
        for k, v in placed.items():
            extra[k].append(v)
        extra["target"].append(target)
        extra["rating"].append(rate)
    for k, v in extra.items():
        pub[k] = pd.array(v, dtype="Int64") if k in RANK_COLUMNS else v
    # The period each figure describes (a quarter's yearly figures are the latest year's).
    pub["as_of"] = [figure_period(REGISTRY[i], spec.period).label for i in pub["indicator"]]
    pub.attrs["comparator_problems"] = drop_contradictions(pub)
    return pub


def _rankable(ind, spec: RunSpec) -> bool:
    """Ranked: a year's figure (DfE ranks years, not rolling quarters) that is not a count.

    Counts of children rank authorities by size; their rates and percentages are ranked.
    """
    return ind.unit != "count" and (spec.period.is_annual or ind.annual)


def _placed(spec: RunSpec, comp: Comparators, ind, year: int, value) -> dict[str, int | None]:
    """England and region rank of the authority's figure among DfE's for ``year``.

    The authority's own published figure is ranked when DfE has one (every authority then
    at DfE's precision); otherwise corpar's, among the others, one more than DfE ranked.
    """
    out: dict[str, int | None] = dict.fromkeys(RANK_COLUMNS)
    figures = la_figures(spec.paths.reference, comp, ind.id, year)
    if figures is None:
        return out
    mine = figures.own if figures.own is not None else value
    nat = ranks.standing(mine, figures.england, ind.polarity)
    if nat is not None:
        out["england_rank"], out["england_ranked"] = nat.rank, nat.of
        out["england_quartile"] = nat.quartile
    reg = ranks.standing(mine, figures.region, ind.polarity) if figures.region else None
    if reg is not None:
        out["region_rank"], out["region_ranked"] = reg.rank, reg.of
    return out


# Comparator figures that must agree with one another, as DfE publishes them.
_AT_MOST = (
    ("cla_at_end", "cla_during_year"),
    ("cla_started", "cla_during_year"),
    ("cla_ceased", "cla_during_year"),
)
_BANDS = ("sdq_normal_pct", "sdq_borderline_pct", "sdq_concern_pct")
_ROUNDED = ("cla_at_end", "cla_started", "cla_ceased", "cla_during_year")
_WHERE = {"england": "England", "region": "the region"}


def drop_contradictions(pub: pd.DataFrame) -> list[str]:
    """Blank comparator figures that contradict one another; say which, for the analyst.

    A year's children looked after cannot be fewer than those at its end (or who started or
    ceased in it); the SDQ bands split one group, so they add to 100% within rounding; DfE
    rounds England's and regions' counts to the nearest 10. A figure that breaks one of
    these is not compared with, rated against or said: the reference file is wrong or
    misread. Works on the total rows in place; returns one message per contradiction.

    >>> t = pd.DataFrame({"indicator": ["cla_at_end", "cla_during_year"], "breakdown": "",
    ...     "england": [83_634.0, 110_000.0], "region": [4_000.0, 3_900.0], "source": "f.csv"})
    >>> len(drop_contradictions(t)), t["england"].isna().tolist(), t["region"].isna().tolist()
    (2, [True, False], [True, True])
    """
    totals = pub.index[pub["breakdown"] == ""]
    at = {pub.at[i, "indicator"]: i for i in totals}
    names = {
        "cla_at_end": "those looked after at the period end",
        "cla_during_year": "children looked after during the year",
        "cla_started": "those who started to be looked after",
        "cla_ceased": "those who ceased to be looked after",
    }
    problems, drop = [], set()

    def value(ind: str, col: str) -> float | None:
        v = pub.at[at[ind], col] if ind in at else None
        return None if v is None or pd.isna(v) else float(v)

    def source(ind: str) -> str:
        return str(pub.at[at[ind], "source"]) if "source" in pub else "the reference data"

    for col, where in _WHERE.items():
        for small, big in _AT_MOST:
            a, b = value(small, col), value(big, col)
            if a is not None and b is not None and b < a:
                problems.append(
                    f"{where}: {names[big]} ({b:,.0f}) is below {names[small]} ({a:,.0f}) in "
                    f"{source(big)}: both left out of comparisons"
                )
                drop |= {(small, col), (big, col)}
        bands = [value(b, col) for b in _BANDS]
        if all(v is not None for v in bands) and abs(sum(bands) - 100) > 2:
            problems.append(
                f"{where}: the SDQ bands add to {sum(bands):.0f}%, not 100%, in "
                f"{', '.join(dict.fromkeys(source(b) for b in _BANDS))}: left out of comparisons"
            )
            drop |= {(b, col) for b in _BANDS}
        for ind in _ROUNDED:
            v = value(ind, col)
            if v is not None and (ind, col) not in drop and v % 10:
                what = names[ind].replace("those ", "children ", 1)
                problems.append(
                    f"{where}: {what} is {v:,.0f}, not rounded to 10 as DfE publishes counts, "
                    f"in {source(ind)}: left out of comparisons"
                )
                drop.add((ind, col))
    for ind, col in drop:
        pub.at[at[ind], col] = None
    return problems


GAP_COLUMNS = [
    "indicator",
    "comparator",
    "unit",
    "suppressed",
    "cla_value",
    "cla_display",
    "n",
    "n_display",
    "all_pupils",
    "gap",
    "ci_low",
    "ci_high",
    "significant",
    "gap_display",
    "ci_display",
    "movement",
    "movement_display",
    "source",
]


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _gap_hidden(unit: str, k: object, n: object, lo: int, hi: int) -> bool:
    # A percentage rests on its numerator and its pupil count; a mean only on the count.
    if unit == "percent":
        return disclosure.primary(None if _missing(k) else k, None if _missing(n) else n, lo, hi)
    return disclosure.is_small(None if _missing(n) else n, lo, hi)


def published_gaps(spec: RunSpec, gaps: pd.DataFrame) -> pd.DataFrame:
    """The attainment gaps a report may show: every figure already disclosure-controlled.

    Built once per job from the internal ``attainment_gaps.csv`` (``gaps.py``), one row
    per measure and comparator. A row is suppressed when its pupil count is from
    ``suppress_min`` to ``suppress_max`` or, for a percentage, so is the number of pupils
    achieving: then the CLA value, the gap and its interval are all ``c`` (each gives the
    number away, the gap with the all-pupils figure beside it). An average (Attainment 8)
    has no numerator and rests on the pupil count alone. The movement since last year is
    ``c`` too when last year's figure was suppressed: it compares with that figure. The
    pupil count is a count: ``c`` from 1 to 5. Numeric columns of what is hidden are blank;
    the ``*_display`` columns hold the text to show (``c``, ``x`` or the figure, without
    its unit).

    >>> from pipeline.spec.runspec import build_run_spec
    >>> g = pd.DataFrame({"indicator": ["ks2_rwm_exs_pct", "ks4_att8_avg"],
    ...     "comparator": "england", "cla_value": [100 / 9, 14.55], "numerator": [1, None],
    ...     "n": [9, 11], "all_pupils": [62.0, 46.0], "gap": [-50.9, -31.5],
    ...     "ci_low": [-60.0, -37.5], "ci_high": [-16.7, -25.4], "significant": True,
    ...     "previous_gap": [-40.0, -33.0], "previous_numerator": [6, None],
    ...     "previous_n": [10, 4], "movement": "widened", "source": "LAIT"})
    >>> p = published_gaps(build_run_spec("Z09", "2024-25"), g)
    >>> p[["cla_display", "n_display", "gap_display", "ci_display", "movement_display"]].values
    array([['c', '9', 'c', 'c', 'c'],
           ['14.6', '11', '-31.5', '-37.5 to -25.4', 'c']], dtype=object)
    """
    if gaps.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    lo, hi = spec.settings.suppress_min, spec.settings.suppress_max
    rows = []
    for r in gaps.to_dict("records"):
        ind = REGISTRY[r["indicator"]]
        n, k, cla = r["n"], r.get("numerator"), r["cla_value"]
        if _missing(k) and ind.unit == "percent" and not _missing(cla):
            k = round_half_up(cla * n / 100)  # a file written before gaps.py carried it
        hide = _gap_hidden(ind.unit, k, n, lo, hi)
        # Without last year's counts (an older file) the comparison cannot be cleared.
        hide_prev = "previous_n" not in r or _gap_hidden(
            ind.unit, r.get("previous_numerator"), r["previous_n"], lo, hi
        )
        dp = ind.dp
        gap_dp = ind.points_dp  # gaps in points to one decimal place (Progress 8: two)
        gap, low, high = r["gap"], r["ci_low"], r["ci_high"]
        moved = r["movement"] if isinstance(r["movement"], str) else None
        if hide:
            cla = gap = low = high = moved = None
            cla_text = gap_text = ci_text = moved_text = SUPPRESSED
        else:
            cla = None if _missing(cla) else round_half_up(cla, dp)
            cla_text = disclosure.fmt_number(cla, dp)
            gap_text = NOT_AVAILABLE if _missing(gap) else f"{gap:+.{gap_dp}f}"
            ci_text = (
                NOT_AVAILABLE
                if _missing(low) or _missing(high)
                else f"{low:+.{gap_dp}f} to {high:+.{gap_dp}f}"
            )
            if moved and hide_prev:
                moved, moved_text = None, SUPPRESSED
            else:
                moved_text = moved or NOT_AVAILABLE
        small_n = disclosure.is_small(None if _missing(n) else n, lo, hi)
        rows.append(
            {
                "indicator": ind.id,
                "comparator": r["comparator"],
                "unit": ind.unit,
                "suppressed": hide,
                "cla_value": cla,
                "cla_display": cla_text,
                "n": None if small_n or _missing(n) else int(n),
                "n_display": SUPPRESSED
                if small_n
                else NOT_AVAILABLE
                if _missing(n)
                else f"{int(n):,}",
                "all_pupils": r["all_pupils"],
                "gap": None if _missing(gap) else gap,
                "ci_low": None if _missing(low) else low,
                "ci_high": None if _missing(high) else high,
                "significant": None if hide or _missing(r["significant"]) else r["significant"],
                "gap_display": gap_text,
                "ci_display": ci_text,
                "movement": moved,
                "movement_display": moved_text,
                "source": r["source"],
            }
        )
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


@dataclass(frozen=True)
class Publication:
    """What a job publishes, every figure already disclosure-controlled."""

    current: pd.DataFrame  # the period's rows, with comparators, targets, ratings, as_of
    # every trend period's rows (``period``), suppressed the same way, with England's and
    # the region's published figure for the year (``england``, ``region``) on totals
    trend: pd.DataFrame
    gaps: pd.DataFrame  # the attainment gaps (``published_gaps``)
    comparator_problems: list[str]  # comparators left out, for the analyst
    comparators: Comparators  # the authority's name, region, neighbours, sources
    # England's profiles (age, sex, ethnic group, legal status): breakdown -> (year, % by group)
    england_profiles: dict[str, tuple[int | None, dict[str, float | None]]]


def build(
    spec: RunSpec,
    current: pd.DataFrame,
    trend: pd.DataFrame,
    gaps: pd.DataFrame,
    comp: Comparators,
) -> Publication:
    """Suppress everything a reader could see, once: the period, its trend, its gaps.

    With them, everything else an edition shows from the reference tables (comparators for
    each trend year, England's profiles), so the editions read this and nothing else.
    """
    pub = published_indicators(spec, current, comp)
    trend_pub = pd.concat(
        [
            _suppressed(spec, g.drop(columns="period")).assign(period=p)
            for p, g in trend.groupby("period", sort=True)
        ],
        ignore_index=True,
    )
    return Publication(
        pub,
        _with_trend_comparators(spec, trend_pub, comp),
        published_gaps(spec, gaps),
        list(pub.attrs["comparator_problems"]),
        comp,
        england_profiles(spec.paths.reference, comparator_year(spec)),
    )


def _with_trend_comparators(spec: RunSpec, trend: pd.DataFrame, comp: Comparators):
    """England's and the region's published figure beside each trend year's total."""
    trend = trend.assign(england=None, region=None).astype({"england": object, "region": object})
    totals = trend["breakdown"] == ""
    for (ind, period), rows in trend.loc[totals].groupby(["indicator", "period"], sort=False):
        values = comparator_values(spec.paths.reference, comp, ind, int(period[:4]) + 1)
        trend.loc[rows.index, "england"] = values["england"]
        trend.loc[rows.index, "region"] = values["region"]
    return trend


def _publication_dir(spec: RunSpec):
    return io.processed_file(spec, "publication")


def write_publication(spec: RunSpec, pub: Publication) -> None:
    """Keep the publication for the editions (internal: beside the job's other files)."""
    folder = _publication_dir(spec)
    io.private_dir(folder)
    for name in ("current", "trend", "gaps"):
        frame = getattr(pub, name).copy()
        frame.attrs = {}
        io.write_private_parquet(folder / f"{name}.parquet", frame)
    checks = io.processed_file(spec, "comparator_checks.json")
    io.write_private_json(checks, pub.comparator_problems)
    io.write_private_json(
        folder / "context.json",
        {
            "comparators": asdict(pub.comparators),
            "england_profiles": {d: list(yp) for d, yp in pub.england_profiles.items()},
        },
    )


def read_publication(spec: RunSpec) -> Publication:
    """The publication the indicators stage wrote (what every edition shows)."""
    folder = _publication_dir(spec)
    if not (folder / "current.parquet").is_file():
        raise FileNotFoundError(
            f"{folder} does not exist: run notebooks/30_indicators.ipynb for "
            f"{spec.la_code} {spec.period.label} first"
        )
    frames = {n: pd.read_parquet(folder / f"{n}.parquet") for n in ("current", "trend", "gaps")}
    for f in frames.values():
        if "breakdown" in f:
            f["breakdown"] = f["breakdown"].fillna("")
    checks = io.read_json(io.processed_file(spec, "comparator_checks.json"))
    context = io.read_json(folder / "context.json")
    comp = context["comparators"]
    comp["population"] = {int(k): v for k, v in comp["population"].items()}
    profiles = {d: (year, groups) for d, (year, groups) in context["england_profiles"].items()}
    return Publication(
        frames["current"],
        frames["trend"],
        frames["gaps"],
        list(checks or []),
        Comparators(**comp),
        profiles,
    )
