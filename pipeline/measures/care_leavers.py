"""Care leavers: the OC3 cohort in touch, in education, employment or training, housed.

The indicators of the section "Care leavers (OC3 cohort)" in shared ``docs/indicators.md``,
declared in :data:`INDICATORS` (report order: each age group's three) for
:mod:`pipeline.measures.registry`. OC3 is collected once a year: every indicator here is
annual.
"""

from __future__ import annotations

import pandas as pd

from pipeline import schema
from pipeline.measures.context import Context, Indicator, pct_row
from pipeline.numerals import ordinal
from pipeline.spec.period import age_at

CARE_LEAVER_AGES = {"17_18": (17, 18), "19_21": (19, 21)}
EET_ACTIV = frozenset({f"{c}{i}" for c in "FP" for i in range(1, 6)})


def _oc3_cohort(ctx: Context, group: str) -> pd.DataFrame:
    """OC3 rows of young people whose birthday in S..E made them 17-18 or 19-21."""
    oc3 = ctx.year_table("OC3")
    if oc3.empty:
        return oc3
    dob = pd.to_datetime(oc3["DOB"])
    if "DOB" in ctx.header:
        dob = dob.fillna(oc3["CHILD"].map(ctx.header["DOB"]))
    # Exactly one birthday falls in any 12 months S..E: the age at E is the age reached.
    age = age_at(dob, ctx.period.end)
    lo, hi = CARE_LEAVER_AGES[group]
    keep = age.between(lo, hi) & ~oc3["IN_TOUCH"].isin(["DIED", "RHOM"])
    return oc3.loc[keep]


def _birthdays(lo: int, hi: int) -> str:
    """The birthdays of an age group, as written: "17th or 18th", "19th, 20th or 21st".

    >>> _birthdays(17, 18), _birthdays(19, 21)
    ('17th or 18th', '19th, 20th or 21st')
    """
    days = [ordinal(a) for a in range(lo, hi + 1)]
    return ", ".join(days[:-1]) + " or " + days[-1]


def _in_touch(ind: str, group: str):
    def compute(ctx: Context) -> list[dict]:
        c = _oc3_cohort(ctx, group)
        return [pct_row(ind, int((c["IN_TOUCH"] == "YES").sum()), len(c))]

    return compute


def _eet(ind: str, group: str):
    def compute(ctx: Context) -> list[dict]:
        c = _oc3_cohort(ctx, group)
        return [pct_row(ind, int(c["ACTIV"].isin(EET_ACTIV).sum()), len(c))]

    return compute


def _suitable_accom(ind: str, group: str):
    def compute(ctx: Context) -> list[dict]:
        c = _oc3_cohort(ctx, group)
        known = c.loc[~c["ACCOM"].str[:1].isin(["G", "H", "R"])]
        # A code the specification does not list (S1, X1) is not known: it stays in
        # the denominator, like 0, and is never counted as suitable.
        suitable = known["ACCOM"].isin(schema.ACCOM) & known["ACCOM"].str.endswith("1")
        return [pct_row(ind, int(suitable.sum()), len(known))]

    return compute


def _age_group(group: str, lo: int, hi: int) -> tuple[Indicator, ...]:
    """The three indicators of one age group: in touch, EET, suitable accommodation."""
    cohort = (
        f"OC3 rows of young people whose {_birthdays(lo, hi)} birthday fell in S..E "
        f"(aged {lo} to {hi} on it), excluding IN_TOUCH DIED or RHOM"
    )
    ages = f"aged {lo} to {hi}"
    in_touch = f"care_leavers_in_touch_pct_{group}"
    eet = f"care_leavers_eet_pct_{group}"
    accom = f"care_leavers_suitable_accom_pct_{group}"
    return (
        Indicator(
            id=in_touch,
            title=f"Care leavers {ages} in touch",
            unit="percent",
            polarity="higher",
            cohort=cohort,
            definition=f"Of {cohort}, the percentage with IN_TOUCH = YES.",
            func=_in_touch(in_touch, group),
            annual=True,
        ),
        Indicator(
            id=eet,
            title=f"Care leavers {ages} in education, employment or training",
            unit="percent",
            polarity="higher",
            cohort=cohort,
            definition=f"Of {cohort}, the percentage with ACTIV F1 to F5 or P1 to P5 (ACTIV 0, "
            "not known, stays in the denominator).",
            func=_eet(eet, group),
            annual=True,
        ),
        Indicator(
            id=accom,
            title=f"Care leavers {ages} in suitable accommodation",
            unit="percent",
            polarity="higher",
            cohort=cohort,
            definition=f"Of {cohort} whose ACCOM letter is not G, H or R, the percentage with "
            "ACCOM ending in 1 (considered suitable). S1 and X1 are not valid codes (no fixed "
            "abode and custody are never suitable): they count as not known, like 0.",
            func=_suitable_accom(accom, group),
            annual=True,
        ),
    )


INDICATORS = tuple(
    ind for group, (lo, hi) in CARE_LEAVER_AGES.items() for ind in _age_group(group, lo, hi)
)
