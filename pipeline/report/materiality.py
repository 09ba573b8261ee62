"""Which figures a summary leads with: the ones that matter, chosen by a stated test.

A report's summary used to list the three largest changes since last year, so it led with
"fell from 64% to 43%" when that was 6 of 14 young people, and never with a large, real
movement in a count, or a gap to England. Here every candidate message is tested, and only
those larger than chance are said:

- a percentage against last year's: Fisher's exact test on the two years' counts (the two
  cohorts treated as independent);
- a percentage against England's: an exact binomial test, England's figure treated as known;
- a count against last year's (missing incidents): an exact test that both years' counts
  are equally likely (the conditional test for two Poisson counts).

The p-values of all the candidates in one report are adjusted together
(Benjamini-Hochberg), so testing forty measures does not make two of them news by chance.
A message about fewer than ``SMALL_GROUP`` children says how many ("6 of 14 young people").
Measures with targets are summed up, naming those off target. Only published (suppressed)
rows are read: a suppressed figure is never tested or said.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from scipy import stats

from pipeline.measures.registry import REGISTRY, figure_period
from pipeline.report import narrative

ALPHA = 0.05
SMALL_GROUP = 30  # below this, a message gives the numbers behind a percentage
MAX_MESSAGES = 3  # tested messages in a summary, most material first
METHOD = (
    "The summary gives a change since last year, or a difference from England, only when a "
    f"test says it is larger than chance at the {ALPHA:.0%} level, after adjusting for the "
    "number of measures tested (Benjamini-Hochberg): Fisher's exact test for a change in a "
    "percentage, an exact binomial test against England's percentage (England's figure "
    "treated as known), and for a count of events an exact test that both years' counts "
    f"are equally likely. Where the group is under {SMALL_GROUP} children or young people, "
    "the numbers are given."
)


@dataclass(frozen=True)
class Candidate:
    """A message that could lead a summary, and the p-value of its test."""

    p: float
    text: str


def _known(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v)) and not pd.isna(v)


def change_p(k1: int, n1: int, k0: int, n0: int) -> float:
    """Two-sided p-value that two percentages differ by more than chance (Fisher).

    All 3 against none of 3: the two most extreme tables of C(6, 3) = 20 are 2 / 20.

    >>> round(change_p(3, 3, 0, 3), 6), round(change_p(2, 4, 2, 4), 6)
    (0.1, 1.0)
    """
    return float(stats.fisher_exact([[k1, n1 - k1], [k0, n0 - k0]]).pvalue)


def against_p(k: int, n: int, reference_pct: float) -> float:
    """Two-sided p-value that k of n differs from a known percentage (exact binomial).

    3 of 10 against 30% is the most likely result, so every outcome counts: p = 1.

    >>> round(against_p(3, 10, 30.0), 6), against_p(12, 100, 2.0) < 0.001
    (1.0, True)
    """
    return float(stats.binomtest(k, n, reference_pct / 100).pvalue)


def count_change_p(now: int, before: int) -> float:
    """Two-sided p-value that two years' counts of events differ by more than chance.

    Conditional on their sum, each event falls in either year with probability one half
    when the rate has not changed.

    11 and 9 events: 1 - P(10 of 20) = 1 - 184756 / 2 ** 20 = 0.8238.

    >>> round(count_change_p(11, 9), 4)
    0.8238
    """
    if now + before == 0:
        return 1.0
    return float(stats.binomtest(now, now + before, 0.5).pvalue)


def _of(k: float, n: float, noun: str) -> str:
    return f" ({narrative.number(k)} of {narrative.number(n)} {noun})" if n < SMALL_GROUP else ""


def _noun(ind_id: str) -> str:
    return "young people" if ind_id.startswith("care_leavers") else "children"


def candidates(
    current: pd.DataFrame, trend: pd.DataFrame, period, said_against: frozenset = frozenset()
) -> list[Candidate]:
    """Every tested message for a report's period, with its p-value (unadjusted).

    ``said_against``: indicators whose England figure the report states anyway (the health
    edition's first lines), so no second message compares them with England.
    """
    prev = period.shifted(-1).label
    totals = current[current["breakdown"] == ""].set_index("indicator")
    before = trend[(trend["breakdown"] == "") & (trend["period"] == prev)].set_index("indicator")
    out = []
    for ind in REGISTRY.values():
        if ind.id not in totals.index or ind.polarity == "neither" or ind.id.startswith("ks"):
            continue  # attainment has its own tested sentences (gaps, with intervals)
        if ind.annual and not period.is_annual:
            continue  # a yearly figure, reported when its year was: not a quarter's news
        r = totals.loc[ind.id]
        if r["suppressed"] or not _known(r["value"]):
            continue
        b = before.loc[ind.id] if ind.id in before.index else None
        if ind.unit == "percent" and _known(r["numerator"]) and _known(r["denominator"]):
            k1, n1 = int(r["numerator"]), int(r["denominator"])
            if n1 == 0:
                continue
            of = _of(k1, n1, _noun(ind.id))
            if b is not None and not b["suppressed"] and _known(b["numerator"]):
                k0, n0 = int(b["numerator"]), int(b["denominator"])
                if n0 and r["value"] != b["value"]:
                    text = narrative.movement_sentence(
                        ind.title, r["value"], b["value"], ind.polarity, ind.unit, of
                    )
                    out.append(Candidate(change_p(k1, n1, k0, n0), text))
            eng = r.get("england")
            if ind.id in said_against:
                continue
            if _known(eng) and 0 < float(eng) < 100 and round(r["value"]) != round(eng):
                text = narrative.against_sentence(
                    ind.title, r["value"], float(eng), "England", ind.polarity, of
                )
                out.append(Candidate(against_p(k1, n1, float(eng)), text))
        elif ind.unit == "count" and b is not None and not b["suppressed"]:
            if _known(b["value"]) and r["value"] != b["value"]:
                text = narrative.movement_sentence(
                    ind.title, r["value"], b["value"], ind.polarity, ind.unit
                )
                out.append(Candidate(count_change_p(int(r["value"]), int(b["value"])), text))
    return out


def material(cands: list[Candidate], n: int = MAX_MESSAGES) -> list[str]:
    """The messages whose adjusted p-value is under ``ALPHA``, most material first.

    >>> material([Candidate(0.001, "a"), Candidate(0.5, "b"), Candidate(0.01, "c")])
    ['a', 'c']
    """
    if not cands:
        return []
    adjusted = stats.false_discovery_control([c.p for c in cands])
    kept = sorted((p, i) for i, p in enumerate(adjusted) if p < ALPHA)  # ties: registry order
    return [cands[i].text for _, i in kept[:n]]


def targets_sentence(current: pd.DataFrame, period) -> str:
    """How the measures with targets stand, naming those off target (published rows only).

    A small group's numbers are given; a quarter's yearly figure is named with its year.

    >>> from pipeline.spec.period import parse_period
    >>> t = pd.DataFrame({"indicator": ["placements_3plus_pct", "health_assessment_pct"],
    ...     "breakdown": "", "rating": ["On target", "Off target"], "value": [9.0, 80.0],
    ...     "target": [10.0, 90.0], "numerator": [9, 16], "denominator": [100, 20]})
    >>> targets_sentence(t, parse_period("2025-26-Q2"))
    'Of 2 measures with targets, 1 is on target and 1 off target: Annual health assessment
    (2024-25: 80% against a target of 90%; 16 of 20 children).'
    """
    rated = current[(current["breakdown"] == "") & current["rating"].notna()]
    rated = rated[rated["rating"].astype(str) != ""]
    if rated.empty:
        return ""
    counts = rated["rating"].value_counts()
    words = [
        (k, w)
        for k, w in (
            ("On target", "on target"),
            ("Within tolerance", "within tolerance"),
            ("Off target", "off target"),
        )
        if k in counts
    ]
    parts = []
    for i, (k, w) in enumerate(words):
        verb = ("is " if counts[k] == 1 else "are ") if i == 0 else ""
        parts.append(f"{counts[k]} {verb}{w}")
    text = f"Of {len(rated)} measures with targets, {narrative.join(parts)}"
    off = rated[rated["rating"] == "Off target"]
    if len(off):
        named = []
        for r in off.itertuples():
            ind = REGISTRY[r.indicator]
            unit = "%" if ind.unit == "percent" else ""
            year = figure_period(ind, period).label
            when = f"{year}: " if year != period.label else ""
            of = ""
            if unit and _known(r.denominator) and r.denominator < SMALL_GROUP:
                of = f"; {narrative.number(r.numerator)} of {narrative.number(r.denominator)} "
                of += _noun(ind.id)
            named.append(
                f"{ind.title} ({when}{narrative.number(r.value)}{unit} against a target of "
                f"{narrative.number(r.target)}{unit}{of})"
            )
        text += ": " + narrative.join(named)
    return text + "."
