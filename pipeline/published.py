"""The published indicator table: suppressed figures with comparators, targets and ratings.

One function builds it (:func:`published_indicators`) and everything published reads it:
``outputs/<la>/<period>/indicators.csv`` and ``.xlsx`` and every report edition, so a
figure cannot differ between the table and the report, and suppression is applied before
anything reaches a template.
"""

from __future__ import annotations

import io as _io
import math

import pandas as pd

from pipeline import disclosure, io
from pipeline.config import ConfigError, RunSpec, Target
from pipeline.indicators import PARTITIONS, REGISTRY, round_half_up
from pipeline.reference import (
    Comparators,
    comparator_values,
    load_comparators,
    no_comparators,
)

COLUMNS = [
    "indicator",
    "breakdown",
    "value",
    "display",
    "numerator",
    "denominator",
    "england",
    "region",
    "stat_neighbours",
    "target",
    "rating",
]
ON, WITHIN, OFF = "On target", "Within tolerance", "Off target"


def rating(value: float | None, target: Target | None, polarity: str) -> str | None:
    """Rate a published value against its target, respecting polarity.

    Higher is better: on target at or above it, within tolerance down to target minus
    tolerance. Lower is better: the mirror image. No rating without a value, a target, or
    a direction.

    >>> t = Target(70, 5)
    >>> [rating(v, t, "higher") for v in (70, 66, 65, 64)]
    ['On target', 'Within tolerance', 'Within tolerance', 'Off target']
    >>> [rating(v, Target(10, 2), "lower") for v in (10, 12, 12.5)]
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
    """Decimal places of a neighbour average: one at least, as DfE's tools show them.

    An average of whole-number rates (120.4 per 10,000) is not itself a whole number.
    """
    return max(ind.dp, 1)


def comparator_year(spec: RunSpec) -> int:
    """DfE's ``time_period`` to compare with: the year in which the period ends.

    A quarter is compared with the latest published year on or before its end.
    """
    return spec.period.end.year


def published_indicators(
    spec: RunSpec, current: pd.DataFrame, comp: Comparators | None = None
) -> pd.DataFrame:
    """Suppress, then add England, region, neighbours, target and rating (totals only)."""
    unknown = sorted(set(spec.authority.targets) - set(REGISTRY))
    if unknown:
        raise ConfigError(
            f"config/authorities.yml: targets for {spec.la_code} name unknown "
            f"indicators {unknown}; see docs/indicators.md for the ids"
        )
    comp = comp or load_comparators(
        spec.paths.reference, spec.la_code, spec.authority.neighbours, spec.authority.region
    )
    units = {i.id: i.unit for i in REGISTRY.values()}
    dps = {i.id: i.dp for i in REGISTRY.values()}
    pub = disclosure.publish(
        current, spec.settings.suppress_min, spec.settings.suppress_max, units, PARTITIONS, dps
    )
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
        )
    }
    for r in pub.itertuples():
        ind = REGISTRY[r.indicator]
        vals = no_comparators()
        target = rate = None
        if r.breakdown == "":
            vals = comparator_values(spec.paths.reference, comp, ind.id, year)
            if ind.unit == "count":
                # A neighbour average of counts compares authorities of different sizes.
                vals["stat_neighbours"], vals["sn_count"] = None, 0
            elif vals["stat_neighbours"] is not None:
                vals["stat_neighbours"] = round_half_up(vals["stat_neighbours"], neighbour_dp(ind))
            t = spec.authority.targets.get(ind.id)
            target = t.value if t else None
            rate = rating(None if r.suppressed else r.value, t, ind.polarity)
        for k in ("england", "region", "stat_neighbours", "sn_count", "la_published", "source"):
            extra[k].append(vals[k])
        extra["target"].append(target)
        extra["rating"].append(rate)
    for k, v in extra.items():
        pub[k] = v
    return pub


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Stop a spreadsheet reading text as a formula (CSV/Excel injection).

    >>> neutralise("=HYPERLINK(1)"), neutralise("-5"), neutralise(-5.0), neutralise("ok")
    ("'=HYPERLINK(1)", "'-5", -5.0, 'ok')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_published(spec: RunSpec, table: pd.DataFrame) -> None:
    """``outputs/<la>/<period>/indicators.csv`` and ``.xlsx``: the contract's columns."""
    out = table[COLUMNS].copy()
    for col in ("indicator", "breakdown", "display", "rating"):
        out[col] = out[col].map(neutralise)
    io.write_public_bytes(
        io.output_file(spec, "indicators.csv"), out.to_csv(index=False).encode("utf-8")
    )
    buf = _io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        out.to_excel(xl, sheet_name="indicators", index=False)
        defs = pd.DataFrame(
            [
                {
                    "indicator": i.id,
                    "title": i.title,
                    "unit": i.unit,
                    "polarity": i.polarity,
                    "definition": i.definition,
                }
                for i in REGISTRY.values()
            ]
        )
        defs.to_excel(xl, sheet_name="definitions", index=False)
        # For analysts: our figure beside DfE's published one for this authority, and where
        # each comparator came from.
        comp = table.loc[
            table["breakdown"] == "",
            [
                "indicator",
                "value",
                "display",
                "la_published",
                "england",
                "region",
                "stat_neighbours",
                "sn_count",
                "source",
            ],
        ]
        comp = comp.rename(
            columns={
                "value": "corpar_value",
                "display": "corpar_display",
                "la_published": "dfe_published_for_this_authority",
            }
        )
        comp.to_excel(xl, sheet_name="comparators", index=False)
    io.write_public_bytes(io.output_file(spec, "indicators.xlsx"), buf.getvalue())
