"""Voice of the child: children taking part in their reviews.

The indicator of the section of that name in shared ``docs/indicators.md``, declared in
:data:`INDICATORS` for :mod:`pipeline.measures.registry`.
"""

from __future__ import annotations

from pipeline.measures.context import Context, Indicator, pct_row


def review_participation_pct(ctx: Context) -> list[dict]:
    """Reviews in the period in which the child took part."""
    r = ctx.tables.get("Reviews")
    if r is None or r.empty:
        return [pct_row("review_participation_pct", 0, 0)]
    held = r.loc[r["REVIEW"].between(ctx.S, ctx.E) & (r["REVIEW_CODE"] != "PN0")]
    took_part = held["REVIEW_CODE"].isin([f"PN{i}" for i in range(1, 7)])
    return [pct_row("review_participation_pct", int(took_part.sum()), len(held))]


INDICATORS = (
    Indicator(
        id="review_participation_pct",
        title="Children who took part in their reviews",
        unit="percent",
        polarity="higher",
        cohort="Reviews held in S..E, excluding children under 4 (PN0)",
        definition="Reviews held in S..E with REVIEW_CODE PN1 to PN6 (the child took part in "
        "person or conveyed their views), as a percentage of reviews held in S..E excluding PN0 "
        "(under 4). PN7: the child did not take part. Reviews are counted, not children.",
        func=review_participation_pct,
    ),
)
