"""Data checks on the 903 return with Great Expectations: the only module that calls it.

Every check is declared once below (``checks_for``) from ``schema.py``'s columns, dates and
code lists for the collection year, tagged with the DfE validation rule it mirrors where there
is one, and written as a Great Expectations suite to ``expectations/`` (one JSON file per table
and collection year, plus the checks on the stitched history). At run time the suites are
loaded from those files and run on each year's return as read, so what runs is what is
reviewed in git. ``tests/unit/test_validate.py`` fails when the files and this module disagree.

Two severities, kept in each expectation's ``severity``:

* **critical**: the data cannot support the report (a required column missing, key dates
  that cannot be read, one child twice in Header, an episode ending before it starts,
  overlapping episodes after stitching). The authority's run stops after the findings are
  written.
* **warning**: DfE business rules. The run carries on; the report's annex counts them.

Checks that need more than one row or table (ages, the 12-month cohort, whether a review fell
inside care) look at columns derived here (named ``_...``) before the suite runs, so each
check is still one expectation on one table.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

from pipeline import io, resources, schema
from pipeline.clean import care
from pipeline.clean.history import parse_dates, stripped
from pipeline.problems import row_word
from pipeline.read.returns import SOURCE_FILE, SOURCE_ROW, YearReturn
from pipeline.spec.period import Period, age_at, year_label, year_period

log = logging.getLogger(__name__)

EXPECTATIONS_DIR = resources.path("expectations")  # package data: see pipeline/resources.py
HISTORY = "history"  # the suite folder for checks on the stitched history
FIRST_YEAR = schema.BASE_YEAR
LAST_YEAR = "2026-27"
CRITICAL, WARNING = "critical", "warning"
# Values never written to the internal row list either: they identify a child.
WITHHELD_COLUMNS = frozenset({"DOB", "UPN", "MC_DOB", "HOME_POST", "PL_POST", "CHILD"})
TEMP = sorted(schema.TEMPORARY_PLACE)
SHORT_BREAK = sorted(schema.SHORT_BREAK_LS)
_Z1_SPLIT = ["Z11", "Z12", "Z13", "Z14"]
# Placements that take no placement provider, as each DfE rule names them, by the first
# collection year a list applies to (it holds until the next): Z1 split into Z11-Z14 in
# 2025-26. 178's 2025-26 list leaves out T4, which 213 still names.
_NO_PROVIDER = {  # 526: a provider is required for every other placement
    FIRST_YEAR: [*TEMP, "Z1"],
    "2025-26": [*TEMP, *_Z1_SPLIT],
}
_PROVIDER_NOT_REQUIRED = {FIRST_YEAR: TEMP, "2025-26": [*TEMP, *_Z1_SPLIT]}  # 213
_PROVIDER_NOT_GIVEN = {FIRST_YEAR: [*TEMP, "Z1"], "2025-26": [*TEMP[:4], *_Z1_SPLIT]}  # 178


# DfE 371: the youngest a child may be placed in semi-independent (H5) or, from 2023-24,
# supported accommodation (K3), and DfE's message. DfE's 2023-24 rule names H5 only; K3
# (from 28 October 2023) is held to the same 16, as DfE's rule for it from 2024-25 does.
_SUPPORTED_ACCOMMODATION = {
    FIRST_YEAR: (
        ["H5"],
        14,
        "Child in semi-independent living accommodation not subject to children's homes "
        "regulations should be at least 14.",
    ),
    "2023-24": (
        ["H5", "K3"],
        16,
        "Child in semi-independent living accommodation not subject to children's homes "
        "regulations should be at least 16.",
    ),
    "2024-25": (
        ["K3"],
        16,
        "Child in supported accommodation not subject to children's homes regulations "
        "should be at least 16.",
    ),
}


def _in_force(by_year: dict, year: str):
    """The value of a by-year table in force in ``year`` (the latest entry not after it).

    >>> _in_force({"2015-16": 14, "2023-24": 16}, "2022-23"), _in_force({"2015-16": 14}, HISTORY)
    (14, 14)
    """
    if year == HISTORY:
        return by_year[FIRST_YEAR]
    return by_year[max(y for y in by_year if y <= year)]


def collection_years() -> list[str]:
    """Every collection year with suites, oldest first."""
    first, last = int(FIRST_YEAR[:4]), int(LAST_YEAR[:4])
    return [year_label(y) for y in range(first, last + 1)]


@dataclass(frozen=True)
class Check:
    """One data check: a Great Expectations expectation with what an analyst needs to act."""

    id: str
    table: str
    expectation: str  # Great Expectations type, e.g. "expect_column_values_to_be_in_set"
    kwargs: dict
    severity: str
    message: str  # what a failing row means
    action: str  # what to do about it
    rule: str = ""  # the DfE validation rule it mirrors, "" when none

    @property
    def column(self) -> str:
        """The column the check is about (the first of a pair)."""
        return (
            self.kwargs.get("column")
            or self.kwargs.get("column_A")
            or ", ".join(self.kwargs.get("column_list", []))
        )

    def expectation_config(self) -> dict:
        """The check as a Great Expectations expectation configuration (JSON-ready)."""
        kwargs = dict(self.kwargs)
        if "row_condition" in kwargs:
            kwargs["condition_parser"] = "pandas"
        return {
            "type": self.expectation,
            "kwargs": kwargs,
            "meta": {
                "check": self.id,
                "dfe_rule": self.rule,
                "message": self.message,
                "action": self.action,
            },
            "severity": self.severity,
        }


def _d(iso: str) -> str:
    """A date bound in the form Great Expectations round-trips as a datetime."""
    return f"{iso}T00:00:00"


def _present(col: str) -> str:
    """A pandas row condition: the column has a value (NaN/None never equal themselves)."""
    return f"{col} == {col}"


def _date_readable(t: str, col: str, rule: str, key: bool) -> Check:
    what = "a key date (the row cannot be used)" if key else "a date"
    return Check(
        f"{t}.{col}.readable",
        t,
        "expect_column_values_to_not_be_null",
        {"column": col, "row_condition": _present(f"{col}__text")},
        CRITICAL if key else WARNING,
        f"{col} is not {what} that can be read",
        f"Correct {col} to a real date written dd/mm/yyyy.",
        rule,
    )


# DfE rules for dates that are not valid, and for codes not in the year's list.
_DATE_RULES = {
    ("Header", "DOB"): "102",
    ("Header", "MC_DOB"): "171",
    ("Episodes", "DECOM"): "141",
    ("Episodes", "DEC"): "147",
    ("Reviews", "REVIEW"): "166",
    ("UASC", "DUC"): "104",
    ("AD1", "DATE_INT"): "112",
    ("AD1", "DATE_MATCH"): "113",
    ("PlacedAdoption", "DATE_PLACED"): "115",
    ("PlacedAdoption", "DATE_PLACED_CEASED"): "116",
    ("Missing", "MIS_START"): "1004",
    ("Missing", "MIS_END"): "1005",
    ("SWEpisodes", "SW_DECOM"): "SW04STG1",
    ("SWEpisodes", "SW_DEC"): "SW05STG1",
}
_CODE_RULES = {
    ("Header", "SEX"): "101",
    ("Header", "ETHNIC"): "103",
    ("Episodes", "RNE"): "143",
    ("Episodes", "LS"): "144",
    ("Episodes", "CIN"): "145",
    ("Episodes", "PLACE"): "146",
    ("Episodes", "PLACE_PROVIDER"): "178",
    ("Episodes", "REC"): "149",
    ("Reviews", "REVIEW_CODE"): "167",
    ("Missing", "MISSING"): "1006",
    ("OC3", "IN_TOUCH"): "131",
    ("OC3", "ACTIV"): "132",
    ("OC3", "ACCOM"): "133",
    ("OC2", "SDQ_REASON"): "196",
    ("SWEpisodes", "SW_REASON"): "SW13STG1",
    **{("OC2", c): "181" for c in schema.OC2_FLAG_COLUMNS},
}
# Code columns that must be filled in (the DfE rule for the code covers a blank too).
_REQUIRED_CODES = {
    ("Header", "SEX"),
    ("Header", "ETHNIC"),
    ("Episodes", "RNE"),
    ("Episodes", "LS"),
    ("Episodes", "CIN"),
    ("Episodes", "PLACE"),
    ("Reviews", "REVIEW_CODE"),
}
# Tables where one child has one row in a return: (DfE rule, severity).
_ONE_ROW_PER_CHILD = {
    "Header": ("INT32", CRITICAL),
    "OC2": ("INT33", WARNING),
    "OC3": ("INT34", WARNING),
    "AD1": ("INT31", WARNING),
    "PrevPerm": ("INT35", WARNING),
    "UASC": ("INT36", WARNING),
}


def _generic(table: schema.Table, year: str) -> list[Check]:
    """Checks every table gets from the schema: columns, dates, codes, keys."""
    t = table.name
    out = [
        Check(
            f"{t}.columns",
            t,
            "expect_table_columns_to_match_set",
            {"column_set": list(table.columns), "exact_match": False},
            CRITICAL,
            f"the {t} table lacks a column the {year} return must have",
            f"Add the missing column to the {t} file (see the 903 specification for {year}).",
        )
    ]
    out.append(
        Check(
            f"{t}.CHILD.not_blank",
            t,
            "expect_column_values_to_not_be_null",
            {"column": "CHILD"},
            WARNING,
            "CHILD is blank: the row cannot be linked to a child and is not used",
            "Fill in the child's id, or remove the row.",
        )
    )
    key_dates = set(table.key) | ({"DOB"} if t == "Header" else set())
    for col in table.dates:
        out.append(_date_readable(t, col, _DATE_RULES.get((t, col), ""), col in key_dates))
    for col, codes in table.codes.items():
        out.append(
            Check(
                f"{t}.{col}.valid_code",
                t,
                "expect_column_values_to_be_in_set",
                {"column": col, "value_set": sorted(codes)},
                WARNING,
                f"{col} is not a valid {year} code",
                f"Use a {col} code from the {year} 903 specification: {', '.join(sorted(codes))}.",
                _CODE_RULES.get((t, col), ""),
            )
        )
        if (t, col) in _REQUIRED_CODES:
            out.append(
                Check(
                    f"{t}.{col}.not_blank",
                    t,
                    "expect_column_values_to_not_be_null",
                    {"column": col, "row_condition": _present("CHILD")},
                    WARNING,
                    f"{col} is blank",
                    f"Fill in {col}.",
                    _CODE_RULES.get((t, col), ""),
                )
            )
    if t in _ONE_ROW_PER_CHILD:
        rule, severity = _ONE_ROW_PER_CHILD[t]
        out.append(
            Check(
                f"{t}.CHILD.unique",
                t,
                "expect_column_values_to_be_unique",
                {"column": "CHILD"},
                severity,
                f"the same child appears more than once in {t}",
                f"Keep one {t} row per child.",
                rule,
            )
        )
    elif not table.per_year and len(table.key) > 1:
        out.append(
            Check(
                f"{t}.key.unique",
                t,
                "expect_compound_columns_to_be_unique",
                {"column_list": list(table.key)},
                WARNING,
                f"two rows share {'/'.join(table.key)} (the later row is used)",
                "Remove the duplicate row.",
            )
        )
    return out


def _not_before(
    check_id: str,
    table: str,
    later: str,
    earlier: str,
    severity: str,
    message: str,
    action: str,
    rule: str = "",
) -> Check:
    """A check that one date is on or after another in the same row (blanks are skipped)."""
    return Check(
        check_id,
        table,
        "expect_column_pair_values_a_to_be_greater_than_b",
        {
            "column_A": later,
            "column_B": earlier,
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
        severity,
        message,
        action,
        rule,
    )


def _provider_not_with(provider: str, places: list[str], rule: str) -> Check:
    return Check(
        f"Episodes.PLACE_PROVIDER.{provider}_place",
        "Episodes",
        "expect_column_values_to_not_be_in_set",
        {
            "column": "PLACE",
            "value_set": places,
            "row_condition": f'PLACE_PROVIDER == "{provider}"',
        },
        WARNING,
        f"placement provider {provider} cannot go with placement {', '.join(places)}",
        "Correct PLACE or PLACE_PROVIDER.",
        rule,
    )


def _min_age(check_id: str, age_col: str, minimum: int, cond: str, msg: str, rule: str) -> Check:
    return Check(
        check_id,
        "Episodes",
        "expect_column_values_to_be_between",
        {"column": age_col, "min_value": minimum, "row_condition": cond},
        WARNING,
        msg,
        "Check the child's date of birth and the episode's codes and dates.",
        rule,
    )


def _episodes(year: str) -> list[Check]:
    s, e = _year_bounds(year)
    place_dates = schema.PLACE_CODE_DATES
    no_provider = _in_force(_NO_PROVIDER, year)
    not_required = _in_force(_PROVIDER_NOT_REQUIRED, year)
    not_given = _in_force(_PROVIDER_NOT_GIVEN, year)
    supported, min_age, message = _in_force(_SUPPORTED_ACCOMMODATION, year)
    return [
        _not_before(
            "Episodes.DEC.after_DECOM",
            "Episodes",
            "DEC",
            "DECOM",
            CRITICAL,
            "the episode ends (DEC) before it starts (DECOM)",
            "Correct DECOM or DEC.",
            "356",
        ),
        *(
            Check(
                f"Episodes.{col}.previous_ended",
                "Episodes",
                "expect_column_values_to_not_be_null",
                {"column": col, "row_condition": _present("_next_decom")},
                WARNING,
                "A new episode has started, but the previous episode has not ended.",
                "Fill in DEC and REC for the earlier episode.",
                "142",
            )
            # DfE's 142 asks for both; a REC missing beside a DEC is 148's row too.
            for col in ("DEC", "REC")
        ),
        Check(
            "Episodes.REC.with_DEC",
            "Episodes",
            "expect_column_values_to_not_be_null",
            {"column": "REC", "row_condition": _present("DEC")},
            WARNING,
            "the episode has an end date (DEC) but no reason it ended (REC)",
            "Fill in REC, or clear DEC if the episode is still open.",
            "148",
        ),
        Check(
            "Episodes.DEC.with_REC",
            "Episodes",
            "expect_column_values_to_not_be_null",
            {"column": "DEC", "row_condition": _present("REC")},
            WARNING,
            "the episode has a reason it ended (REC) but no end date (DEC)",
            "Fill in DEC, or clear REC if the episode is still open.",
            "148",
        ),
        Check(
            "Episodes.DEC.in_year",
            "Episodes",
            "expect_column_values_to_be_between",
            {"column": "DEC", "max_value": _d(e)},
            WARNING,
            "the episode ends after the end of the collection year",
            f"DEC must be on or before {e}.",
            "385",
        ),
        Check(
            "Episodes.DECOM.in_year",
            "Episodes",
            "expect_column_values_to_be_between",
            {"column": "DECOM", "min_value": _d("1991-10-14"), "max_value": _d(e)},
            WARNING,
            "the episode starts after the end of the collection year or before 14 October 1991",
            f"DECOM must be between 14/10/1991 and {e}.",
            "354",
        ),
        Check(
            "Episodes.continuation.same_day",
            "Episodes",
            "expect_column_pair_values_to_be_equal",
            {
                "column_A": "DECOM",
                "column_B": "_prev_dec",
                "ignore_row_if": "either_value_is_missing",
                "row_condition": 'RNE != "S"',
            },
            WARNING,
            "a continuation episode (RNE not S) does not start the day the last one ended",
            "Make DECOM the previous episode's DEC, or code RNE S if care restarted.",
            "433",
        ),
        Check(
            "Episodes.PLACE_PROVIDER.required",
            "Episodes",
            "expect_column_values_to_not_be_null",
            {
                "column": "PLACE_PROVIDER",
                "row_condition": f"PLACE == PLACE and PLACE not in {no_provider}",
            },
            WARNING,
            "Child is missing a placement provider code for at least one episode.",
            f"Fill in PLACE_PROVIDER (PR0-PR5); only {', '.join(no_provider)} have none.",
            "526",
        ),
        Check(
            "Episodes.PLACE_PROVIDER.not_for_temporary",
            "Episodes",
            "expect_column_values_to_be_null",
            {"column": "PLACE_PROVIDER", "row_condition": f"PLACE in {not_required}"},
            WARNING,
            "Placement provider information not required.",
            f"Clear PLACE_PROVIDER for {', '.join(not_required)} placements.",
            "213",
        ),
        Check(
            "Episodes.PLACE_PROVIDER.not_for_place",
            "Episodes",
            "expect_column_values_to_be_null",
            {"column": "PLACE_PROVIDER", "row_condition": f"PLACE in {not_given}"},
            WARNING,
            "Placement provider code is not a valid code.",
            f"Clear PLACE_PROVIDER for {', '.join(not_given)} placements.",
            "178",
        ),
        Check(
            "Episodes.PLACE_PROVIDER.PR0_place",
            "Episodes",
            "expect_column_values_to_be_in_set",
            {"column": "PLACE", "value_set": ["P1"], "row_condition": 'PLACE_PROVIDER == "PR0"'},
            WARNING,
            "placement provider PR0 goes only with placement P1",
            "Correct PLACE or PLACE_PROVIDER.",
            "550",
        ),
        _provider_not_with("PR1", ["P1", "R2", "R5"], "527"),
        _provider_not_with("PR2", ["P1", "R2", "R5"], "528"),
        _provider_not_with(
            "PR3",
            ["A3", "A4", "A5", "A6", "K1", "K2", "P1", "U1", "U2", "U3", "U4", "U5", "U6"],
            "529",
        ),
        _provider_not_with("PR4", ["P1"], "530"),
        _provider_not_with("PR5", ["P1"], "531"),
        Check(
            "Episodes.PLACE.not_temporary_at_start",
            "Episodes",
            "expect_column_values_to_not_be_in_set",
            {"column": "PLACE", "value_set": TEMP, "row_condition": 'RNE == "S"'},
            WARNING,
            "a period of care starts with a temporary placement",
            "Check PLACE and RNE.",
            "380",
        ),
        Check(
            "Episodes.PLACE.not_temporary_at_end",
            "Episodes",
            "expect_column_values_to_not_be_in_set",
            {
                "column": "PLACE",
                "value_set": TEMP,
                "row_condition": 'REC == REC and REC != "X1"',
            },
            WARNING,
            "a period of care ends with a temporary placement",
            "Check PLACE and REC.",
            "381",
        ),
        Check(
            "Episodes.PLACE.short_break_not_temporary",
            "Episodes",
            "expect_column_values_to_not_be_in_set",
            {"column": "PLACE", "value_set": TEMP, "row_condition": f"LS in {SHORT_BREAK}"},
            WARNING,
            "a short break (V3/V4) is recorded as a temporary placement",
            "Check PLACE and LS.",
            "382",
        ),
        Check(
            "Episodes.PLACE.short_break_not_long_term_foster",
            "Episodes",
            "expect_column_values_to_not_be_in_set",
            {"column": "PLACE", "value_set": ["U1", "U4"], "row_condition": f"LS in {SHORT_BREAK}"},
            WARNING,
            "a short break (V3/V4) is recorded as a long-term foster placement",
            "Check PLACE and LS.",
            "384",
        ),
        Check(
            "Episodes.LS.placed_with_parents_not_V2",
            "Episodes",
            "expect_column_values_to_not_be_in_set",
            {"column": "LS", "value_set": ["V2"], "row_condition": 'PLACE == "P1"'},
            WARNING,
            "a child placed with parents (P1) is accommodated under a single section 20 (V2)",
            "Check LS and PLACE.",
            "378",
        ),
        Check(
            "Episodes.RNE.adoption_by_foster_carers",
            "Episodes",
            "expect_column_values_to_be_in_set",
            {
                "column": "RNE",
                "value_set": ["S", "T", "U"],
                "row_condition": 'PLACE in ["A3", "A5"] and DECOM >= "2015-04-01"',
            },
            WARNING,
            "a placement for adoption with current foster carers (A3/A5) has RNE other than "
            "S, T or U",
            "Check RNE and PLACE.",
            "217",
        ),
        Check(
            "Episodes.PLACE.K3_from_date",
            "Episodes",
            "expect_column_values_to_be_between",
            {
                "column": "DECOM",
                "min_value": _d(place_dates["K3_from"]),
                "row_condition": 'PLACE == "K3"',
            },
            WARNING,
            f"K3 is used for an episode starting before {place_dates['K3_from']}",
            "K3 started on 28 October 2023: use the code in force when the episode began.",
            "146",
        ),
        Check(
            "Episodes.PLACE.H5_P2_until_date",
            "Episodes",
            "expect_column_values_to_be_between",
            {
                "column": "DECOM",
                "max_value": _d(place_dates["P2_until"]),
                "row_condition": 'PLACE in ["H5", "P2"]',
            },
            WARNING,
            "H5 or P2 is used for an episode starting after they were withdrawn",
            "H5 and P2 ended on 27 October 2023: use K3 for later placements.",
            "146",
        ),
        Check(
            "Episodes.PLACE.Z1_until_date",
            "Episodes",
            "expect_column_values_to_be_between",
            {
                "column": "DECOM",
                "max_value": _d(place_dates["Z1_until"]),
                "row_condition": 'PLACE == "Z1"',
            },
            WARNING,
            "Z1 is used for an episode starting after it was split into Z11-Z14",
            "Use Z11, Z12, Z13 or Z14 for episodes from 1 April 2025.",
            "146",
        ),
        Check(
            "Episodes.LS.D1_until_2005",
            "Episodes",
            "expect_column_values_to_be_between",
            {"column": "DECOM", "max_value": _d("2005-12-29"), "row_condition": 'LS == "D1"'},
            WARNING,
            "legal status D1 (freeing order) on an episode starting after December 2005",
            "Freeing orders ended on 30 December 2005: use E1 (placement order).",
            "445",
        ),
        Check(
            "Episodes.DECOM.after_birth",
            "Episodes",
            "expect_column_values_to_be_between",
            {"column": "_age_at_decom", "min_value": 0},
            WARNING,
            "the episode starts before the child was born",
            "Check the child's date of birth (Header) and DECOM.",
            "302",
        ),
        Check(
            "Episodes.age.started_under_18",
            "Episodes",
            "expect_column_values_to_be_between",
            {"column": "_age_at_decom", "max_value": 17, "row_condition": 'RNE == "S"'},
            WARNING,
            "a child started to be looked after aged 18 or over",
            "Check the child's date of birth and DECOM.",
            "352",
        ),
        _min_age(
            "Episodes.age.supported_accommodation",
            "_age_at_decom",
            min_age,
            f"PLACE in {supported}",
            message,
            "371",
        ),
        _min_age(
            "Episodes.age.school_4",
            "_age_at_decom",
            4,
            'PLACE == "S1"',
            "a child under 4 is placed in a school (S1)",
            "373",
        ),
        _min_age(
            "Episodes.age.residential_employment_14",
            "_age_at_decom",
            14,
            'PLACE == "P3"',
            "a child under 14 is in residential employment (P3)",
            "374",
        ),
        _min_age(
            "Episodes.age.custody_10",
            "_age_at_decom",
            10,
            'PLACE == "R5"',
            "a child under 10 is in youth custody or prison (R5)",
            "372",
        ),
        _min_age(
            "Episodes.age.independent_living_14",
            "_age_at_dec",
            14,
            'REC in ["E5", "E6"]',
            "a child under 14 left care to live independently (E5/E6)",
            "387",
        ),
        _min_age(
            "Episodes.age.adult_services_16",
            "_age_at_dec",
            16,
            'REC == "E7"',
            "a child under 16 transferred to adult social care (E7)",
            "389",
        ),
        _min_age(
            "Episodes.age.stayed_put_18",
            "_age_at_dec",
            18,
            'REC == "E17"',
            "a child under 18 is recorded as staying with carers at 18 (E17)",
            "460",
        ),
        Check(
            "Episodes.age.adopted_under_18",
            "Episodes",
            "expect_column_values_to_be_between",
            {"column": "_age_at_dec", "max_value": 17, "row_condition": 'REC in ["E11", "E12"]'},
            WARNING,
            "a young person aged 18 or over is recorded as adopted (E11/E12)",
            "Check REC, DEC and the date of birth.",
            "386",
        ),
        Check(
            "Episodes.header.present",
            "Episodes",
            "expect_column_values_to_be_in_set",
            {"column": "_in_header", "value_set": [True]},
            WARNING,
            "the child has episodes but no Header row",
            "Add the child to the Header file.",
            "INT03",
        ),
    ]


_UPN_INVALID = (
    "Unique Pupil Number (UPN) is not valid. If unknown, default codes should be UN1, UN2, "
    "UN3, UN4 or UN5."
)


def _header(year: str) -> list[Check]:
    s, e = _year_bounds(year)
    return [
        Check(
            "Header.UPN.format",
            "Header",
            "expect_column_values_to_be_in_set",
            # Both worked out from the UPN before it was pseudonymised (as_returned).
            {"column": "UPN__valid", "value_set": [True]},
            WARNING,
            _UPN_INVALID,
            "Use the child's 13-character UPN, or UN1-UN5 when it is not known.",
            "168",
        ),
        Check(
            "Header.UPN.check_letter",
            "Header",
            "expect_column_values_to_be_in_set",
            {"column": "UPN__check_letter", "value_set": [True]},
            WARNING,
            _UPN_INVALID,
            "The first letter does not match the digits (the UPN's check letter): check the "
            "UPN against the school's records.",
            "168",
        ),
        Check(
            "Header.UPN.not_blank",
            "Header",
            "expect_column_values_to_not_be_null",
            {"column": "UPN", "row_condition": _present("CHILD")},
            WARNING,
            "UPN is blank",
            "Fill in the UPN, or a UN code when it is not known.",
            "442",
        ),
        Check(
            "Header.DOB.not_after_year",
            "Header",
            "expect_column_values_to_be_between",
            {"column": "DOB", "max_value": _d(e)},
            WARNING,
            "the date of birth is after the end of the collection year",
            "Correct DOB.",
            "301",
        ),
        Check(
            "Header.DOB.under_25",
            "Header",
            "expect_column_values_to_be_between",
            {"column": "_age_start", "max_value": 25},
            WARNING,
            "the young person was over 25 at the start of the year",
            "Correct DOB.",
            "351",
        ),
        Check(
            "Header.MC_DOB.mother",
            "Header",
            "expect_column_values_to_not_be_null",
            {"column": "MC_DOB", "row_condition": 'MOTHER == "1"'},
            WARNING,
            "the child is a mother but her child's date of birth (MC_DOB) is blank",
            "Fill in MC_DOB.",
            "611",
        ),
        Check(
            "Header.MC_DOB.not_mother",
            "Header",
            "expect_column_values_to_be_null",
            {"column": "MC_DOB", "row_condition": 'MOTHER == "0"'},
            WARNING,
            "MC_DOB is filled in but MOTHER says the child is not a mother",
            "Correct MOTHER or clear MC_DOB.",
            "612",
        ),
        Check(
            "Header.MC_DOB.male",
            "Header",
            "expect_column_values_to_be_null",
            {"column": "MC_DOB", "row_condition": 'SEX in ["1", "M"]'},
            WARNING,
            "a mother's child's date of birth is recorded for a male child",
            "Correct SEX or clear MC_DOB.",
            "174",
        ),
        Check(
            "Header.MC_DOB.after_DOB",
            "Header",
            "expect_column_pair_values_a_to_be_greater_than_b",
            {
                "column_A": "MC_DOB",
                "column_B": "DOB",
                "ignore_row_if": "either_value_is_missing",
            },
            WARNING,
            "the mother's child was born before the mother",
            "Correct DOB or MC_DOB.",
            "621",
        ),
        Check(
            "Header.OC2.present_for_cohort",
            "Header",
            "expect_column_values_to_be_in_set",
            {"column": "_has_oc2", "value_set": [True], "row_condition": "_cla12 == True"},
            WARNING,
            "the child was looked after for 12 months at 31 March but has no OC2 row "
            "(health and offending figures count them as not having a check)",
            "Add the child's OC2 row.",
        ),
    ]


def _oc2(year: str) -> list[Check]:
    return [
        Check(
            "OC2.child.in_cohort",
            "OC2",
            "expect_column_values_to_be_in_set",
            {"column": "_cla12", "value_set": [True], "row_condition": "_cohort_items == True"},
            WARNING,
            "Child has not been looked after continuously for at least 12 months at 31 March "
            "but one or more data items relating to children looked after for 12 months have "
            "been completed.",
            "Clear the OC2 items, or check the child's episodes.",
            "190",
        ),
        Check(
            "OC2.SDQ_SCORE.range",
            "OC2",
            "expect_column_values_to_be_between",
            {"column": "SDQ_SCORE", "min_value": 0, "max_value": 40},
            WARNING,
            "the SDQ score is not a whole number from 0 to 40",
            "Correct SDQ_SCORE.",
            "180",
        ),
        Check(
            "OC2.SDQ_SCORE.readable",
            "OC2",
            "expect_column_values_to_not_be_null",
            {"column": "SDQ_SCORE", "row_condition": _present("SDQ_SCORE__text")},
            WARNING,
            "the SDQ score is not a number",
            "Correct SDQ_SCORE.",
            "180",
        ),
        Check(
            "OC2.SDQ_SCORE.under_4",
            "OC2",
            "expect_column_values_to_be_null",
            {"column": "SDQ_SCORE", "row_condition": "_age_end < 4"},
            WARNING,
            "an SDQ score for a child under 4 at the end of the year",
            "Clear SDQ_SCORE: the SDQ is for ages 4 to 16.",
            "188",
        ),
        *(
            Check(
                f"OC2.{col}.over_16",
                "OC2",
                "expect_column_values_to_be_null",
                {"column": col, "row_condition": "_age_start >= 17"},
                WARNING,
                "Child is aged 17 years or over at the beginning of the year, but an Strengths "
                "and Difficulties (SDQ) score or a reason for no Strengths and Difficulties "
                "(SDQ) score has been completed.",
                f"Clear {col}: the SDQ is for ages 4 to 16.",
                "189",
            )
            for col in ("SDQ_SCORE", "SDQ_REASON")
        ),
        Check(
            "OC2.SDQ_SCORE.due",
            "OC2",
            "expect_column_values_to_not_be_null",
            {
                "column": "SDQ_SCORE",
                "row_condition": "_age_start >= 4 and _age_end <= 16 and SDQ_REASON != SDQ_REASON",
            },
            WARNING,
            "a child aged 4 to 16 has neither an SDQ score nor a reason for none",
            "Fill in SDQ_SCORE, or SDQ_REASON when no score was possible.",
            "186",
        ),
        Check(
            "OC2.SDQ_REASON.with_score",
            "OC2",
            "expect_column_values_to_be_null",
            {"column": "SDQ_REASON", "row_condition": _present("SDQ_SCORE")},
            WARNING,
            "a reason for no SDQ score is given although there is a score",
            "Clear SDQ_REASON.",
            "197a",
        ),
        Check(
            "OC2.CONVICTED.under_10",
            "OC2",
            "expect_column_values_to_be_null",
            {"column": "CONVICTED", "row_condition": "_age_end < 10"},
            WARNING,
            "conviction information for a child under 10 at 31 March",
            "Clear CONVICTED.",
            "542",
        ),
        Check(
            "OC2.CONVICTED.due",
            "OC2",
            "expect_column_values_to_not_be_null",
            {"column": "CONVICTED", "row_condition": "_age_end >= 10 and _cla12 == True"},
            WARNING,
            "conviction information is blank for a child 10 or over at 31 March",
            "Fill in CONVICTED (0 or 1).",
            "543",
        ),
        Check(
            "OC2.HEALTH_CHECK.under_5",
            "OC2",
            "expect_column_values_to_not_be_null",
            {"column": "HEALTH_CHECK", "row_condition": "_age_end < 5 and _cla12 == True"},
            WARNING,
            "development assessment (HEALTH_CHECK) is blank for a child under 5",
            "Fill in HEALTH_CHECK (0 or 1).",
            "545",
        ),
        Check(
            "OC2.HEALTH_CHECK.over_5",
            "OC2",
            "expect_column_values_to_be_null",
            # DfE: for the 12-month cohort only (outside it, 190 flags any item filled in).
            {"column": "HEALTH_CHECK", "row_condition": "_age_end >= 5 and _cla12 == True"},
            WARNING,
            "Children aged 5 or over at 31 March should not have health promotion information "
            "completed.",
            "Clear HEALTH_CHECK: it is for under-5s.",
            "546",
        ),
        Check(
            "OC2.INTERVENTION_RECEIVED.substance_misuse",
            "OC2",
            "expect_column_values_to_not_be_null",
            {"column": "INTERVENTION_RECEIVED", "row_condition": 'SUBSTANCE_MISUSE == "1"'},
            WARNING,
            "a substance misuse problem with no answer on whether an intervention was received",
            "Fill in INTERVENTION_RECEIVED.",
            "192",
        ),
        Check(
            "OC2.INTERVENTION_RECEIVED.no_substance_misuse",
            "OC2",
            "expect_column_values_to_be_null",
            {"column": "INTERVENTION_RECEIVED", "row_condition": 'SUBSTANCE_MISUSE == "0"'},
            WARNING,
            "no substance misuse problem but intervention received is filled in",
            "Clear INTERVENTION_RECEIVED and INTERVENTION_OFFERED.",
            "193",
        ),
        Check(
            "OC2.INTERVENTION_OFFERED.received",
            "OC2",
            "expect_column_values_to_be_null",
            {"column": "INTERVENTION_OFFERED", "row_condition": 'INTERVENTION_RECEIVED == "1"'},
            WARNING,
            "an intervention was received, so whether one was offered should be blank",
            "Clear INTERVENTION_OFFERED.",
            "158",
        ),
        Check(
            "OC2.INTERVENTION_OFFERED.not_received",
            "OC2",
            "expect_column_values_to_not_be_null",
            {"column": "INTERVENTION_OFFERED", "row_condition": 'INTERVENTION_RECEIVED == "0"'},
            WARNING,
            "no intervention was received and whether one was offered is blank",
            "Fill in INTERVENTION_OFFERED.",
            "159",
        ),
        Check(
            "OC2.header.present",
            "OC2",
            "expect_column_values_to_be_in_set",
            {"column": "_in_header", "value_set": [True]},
            WARNING,
            "the child has an OC2 row but no Header row",
            "Add the child to the Header file.",
            "INT05",
        ),
    ]


def _oc3(year: str) -> list[Check]:
    return [
        Check(
            "OC3.age.17_to_21",
            "OC3",
            "expect_column_values_to_be_between",
            {"column": "_age_end", "min_value": 17, "max_value": 21},
            WARNING,
            "an OC3 row for a young person who did not have their 17th to 21st birthday in "
            "the year",
            "Remove the row, or check the date of birth.",
            "391",
        ),
        Check(
            "OC3.child.was_looked_after",
            "OC3",
            "expect_column_values_to_be_in_set",
            {"column": "_ever_looked_after", "value_set": [True]},
            WARNING,
            "an OC3 row for a young person with no episode of care in the returns read",
            "Check the young person's episodes, or remove the OC3 row.",
            "1002",
        ),
        Check(
            "OC3.ACTIV.blank_when_died_or_home",
            "OC3",
            "expect_column_values_to_be_null",
            {"column": "ACTIV", "row_condition": 'IN_TOUCH in ["DIED", "RHOM"]'},
            WARNING,
            "activity is filled in for a young person who died or returned home",
            "Clear ACTIV and ACCOM.",
            "344",
        ),
        Check(
            "OC3.ACCOM.blank_when_died_or_home",
            "OC3",
            "expect_column_values_to_be_null",
            {"column": "ACCOM", "row_condition": 'IN_TOUCH in ["DIED", "RHOM"]'},
            WARNING,
            "accommodation is filled in for a young person who died or returned home",
            "Clear ACTIV and ACCOM.",
            "344",
        ),
        Check(
            "OC3.ACTIV.known_when_in_touch",
            "OC3",
            "expect_column_values_to_not_be_in_set",
            {"column": "ACTIV", "value_set": ["0"], "row_condition": 'IN_TOUCH == "YES"'},
            WARNING,
            "the authority is in touch but activity is recorded as 0 (not known)",
            "Record the young person's activity.",
            "345",
        ),
        Check(
            "OC3.ACCOM.known_when_in_touch",
            "OC3",
            "expect_column_values_to_not_be_in_set",
            {"column": "ACCOM", "value_set": ["0"], "row_condition": 'IN_TOUCH == "YES"'},
            WARNING,
            "the authority is in touch but accommodation is recorded as 0 (not known)",
            "Record the young person's accommodation.",
            "345",
        ),
    ]


def _reviews(year: str) -> list[Check]:
    return [
        Check(
            "Reviews.REVIEW.in_care",
            "Reviews",
            "expect_column_values_to_be_in_set",
            {"column": "_in_care", "value_set": [True], "row_condition": _present("REVIEW")},
            WARNING,
            "a review dated when the child was not looked after",
            "Check the review date against the child's episodes.",
        ),
        Check(
            "Reviews.REVIEW_CODE.under_4",
            "Reviews",
            "expect_column_values_to_be_in_set",
            {"column": "REVIEW_CODE", "value_set": ["PN0"], "row_condition": "_age_at_review < 4"},
            WARNING,
            "participation is coded for a child aged 4 or over, but the child was under 4",
            "Use PN0 for children under 4 at the review.",
            "441",
        ),
        Check(
            "Reviews.REVIEW_CODE.over_4",
            "Reviews",
            "expect_column_values_to_not_be_in_set",
            {"column": "REVIEW_CODE", "value_set": ["PN0"], "row_condition": "_age_at_review >= 4"},
            WARNING,
            "participation is coded PN0 (under 4) but the child was 4 or over",
            "Use PN1-PN7 for children aged 4 or over at the review.",
            "440",
        ),
    ]


def _missing(year: str) -> list[Check]:
    s, e = _year_bounds(year)
    return [
        Check(
            "Missing.MISSING.with_start",
            "Missing",
            "expect_column_values_to_not_be_null",
            {"column": "MISSING", "row_condition": _present("MIS_START")},
            WARNING,
            "a missing or away period has a start date but no type (M or A)",
            "Fill in MISSING.",
            "565",
        ),
        _not_before(
            "Missing.MIS_END.after_start",
            "Missing",
            "MIS_END",
            "MIS_START",
            WARNING,
            "a missing or away period ends before it starts",
            "Correct MIS_START or MIS_END.",
            "567",
        ),
        Check(
            "Missing.MIS_START.in_year",
            "Missing",
            "expect_column_values_to_be_between",
            {"column": "MIS_START", "max_value": _d(e)},
            WARNING,
            "a missing or away period starts after the end of the collection year",
            "Correct MIS_START.",
            "570",
        ),
        _not_before(
            "Missing.MIS_START.after_care_started",
            "Missing",
            "MIS_START",
            "_first_decom",
            WARNING,
            "the child went missing before they started to be looked after",
            "Check MIS_START against the child's episodes.",
            "581",
        ),
        _not_before(
            "Missing.MIS_START.before_care_ended",
            "Missing",
            "_last_dec",
            "MIS_START",
            WARNING,
            "the child went missing after they ceased to be looked after",
            "Check MIS_START against the child's episodes.",
            "578",
        ),
        Check(
            "Missing.MIS_END.when_care_ended",
            "Missing",
            "expect_column_values_to_not_be_null",
            {"column": "MIS_END", "row_condition": _present("_last_dec")},
            WARNING,
            "the child ceased to be looked after but a missing or away period has no end date",
            "Fill in MIS_END.",
            "577",
        ),
    ]


def _other(table: str, year: str) -> list[Check]:
    if table == "UASC":
        return [
            Check(
                "UASC.DUC.by_18",
                "UASC",
                "expect_column_pair_values_a_to_be_greater_than_b",
                {
                    "column_A": "_dob_18",
                    "column_B": "DUC",
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                WARNING,
                "UASC status ceased after the child's 18th birthday",
                "DUC must be on or before the 18th birthday.",
                "304",
            )
        ]
    if table == "PlacedAdoption":
        return [
            _not_before(
                "PlacedAdoption.DATE_PLACED_CEASED.after_placed",
                "PlacedAdoption",
                "DATE_PLACED_CEASED",
                "DATE_PLACED",
                WARNING,
                "the decision to stop adoption plans is before the decision to place",
                "Correct DATE_PLACED or DATE_PLACED_CEASED.",
                "522",
            ),
            Check(
                "PlacedAdoption.REASON_PLACED_CEASED.with_date",
                "PlacedAdoption",
                "expect_column_values_to_not_be_null",
                {"column": "REASON_PLACED_CEASED", "row_condition": _present("DATE_PLACED_CEASED")},
                WARNING,
                "adoption plans stopped with no reason recorded",
                "Fill in REASON_PLACED_CEASED.",
                "119",
            ),
        ]
    if table == "AD1":
        return [
            Check(
                "AD1.DATE_MATCH.after_decision",
                "AD1",
                "expect_column_pair_values_a_to_be_greater_than_b",
                {
                    "column_A": "DATE_MATCH",
                    "column_B": "DATE_INT",
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                WARNING,
                "the child was matched before the decision that they should be adopted",
                "Correct DATE_INT or DATE_MATCH.",
                "333",
            )
        ]
    if table == "SWEpisodes":
        return [
            Check(
                "SWEpisodes.SW_ID.format",
                "SWEpisodes",
                "expect_column_values_to_match_regex",
                {"column": "SW_ID", "regex": "^(?:SW|XX)"},
                WARNING,
                "the social worker id does not begin SW or XX",
                "Use the social worker's id from the workforce census (SW...), or XX.",
                "SW02STG1",
            ),
            _not_before(
                "SWEpisodes.SW_DEC.after_start",
                "SWEpisodes",
                "SW_DEC",
                "SW_DECOM",
                WARNING,
                "a social worker episode ends before it starts",
                "Correct SW_DECOM or SW_DEC.",
            ),
            *_sw_complete(year),
        ]
    if table == "DoLo":
        return [
            Check(
                "DoLo.DOLO_END.after_start",
                "DoLo",
                "expect_column_pair_values_a_to_be_greater_than_b",
                {
                    "column_A": "DOLO_END",
                    "column_B": "DOLO_START",
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                WARNING,
                "a deprivation of liberty order ends before it starts",
                "Correct DOLO_START or DOLO_END.",
            )
        ]
    return []


_SW_INCOMPLETE = "For each social worker episode, information should be complete."
_SW_FROM = 'SW_DECOM >= "2023-04-01"'  # episodes from 1 April 2023 must give SW_REASON too
# Which of SW_ID, SW_DECOM and SW_REASON a social worker episode must give, as DfE's rules
# say in each collection year, the later ones holding until the next: (column, the rows it
# applies to, rule, DfE's message). 2023-24: all three on every episode (SW03STG1). 2024-25:
# SW_DECOM always, SW_ID always, SW_REASON from 1 April 2023 (SW01aSTG1 before then,
# SW01bSTG1 from then). From 2025-26, when DfE dropped SW01a/b: SW_REASON from 1 April
# 2023 (SW13STG1), and SW_ID (SW02STG1: a blank id does not begin SW or XX).
_SW_COMPLETE = {
    "2023-24": [
        ("SW_ID", "", "SW03STG1", _SW_INCOMPLETE),
        ("SW_DECOM", "", "SW03STG1", _SW_INCOMPLETE),
        ("SW_REASON", "", "SW03STG1", _SW_INCOMPLETE),
    ],
    "2024-25": [
        ("SW_ID", 'SW_DECOM < "2023-04-01"', "SW01aSTG1", _SW_INCOMPLETE),
        ("SW_ID", _SW_FROM, "SW01bSTG1", _SW_INCOMPLETE),
        ("SW_DECOM", "", "SW01bSTG1", _SW_INCOMPLETE),
        ("SW_REASON", _SW_FROM, "SW01bSTG1", _SW_INCOMPLETE),
    ],
    "2025-26": [
        (
            "SW_ID",
            "",
            "SW02STG1",
            "Social worker ID does not begin with the characters 'SW' or 'XX'.",
        ),
        ("SW_REASON", _SW_FROM, "SW13STG1", "The reason for social worker change is not valid."),
    ],
}


def _sw_complete(year: str) -> list[Check]:
    """The checks that a social worker episode gives SW_ID, SW_DECOM, SW_REASON (above)."""
    out = []
    for col, cond, rule, message in _in_force(_SW_COMPLETE, year):
        # SW_DECOM: a date given but unreadable is the readable check's (SW04STG1).
        given = f"{col}__text != {col}__text" if col == "SW_DECOM" else ""
        where = " and ".join(c for c in (_present("CHILD"), cond, given) if c)
        out.append(
            Check(
                f"SWEpisodes.{col}.complete" + ("_before_april_2023" if "<" in cond else ""),
                "SWEpisodes",
                "expect_column_values_to_not_be_null",
                {"column": col, "row_condition": where},
                WARNING,
                message,
                f"Fill in {col}"
                + (": episodes from 1 April 2023 need it." if col == "SW_REASON" and cond else "."),
                rule,
            )
        )
    return out


_SPECIFIC = {
    "Episodes": _episodes,
    "Header": _header,
    "OC2": _oc2,
    "OC3": _oc3,
    "Reviews": _reviews,
    "Missing": _missing,
}


def _history_checks() -> list[Check]:
    """Checks on the stitched history (every year's returns combined, latest wins)."""
    return [
        _not_before(
            "history.Episodes.DEC.after_DECOM",
            "Episodes",
            "DEC",
            "DECOM",
            CRITICAL,
            "after combining the years' returns, an episode ends (DEC) before it starts (DECOM)",
            "Correct DECOM or DEC in the latest return that holds the episode.",
            "356",
        ),
        # DfE names the new episode (the one that starts too early), not the one before it.
        _not_before(
            "history.Episodes.no_overlap",
            "Episodes",
            "DECOM",
            "_prev_dec",
            CRITICAL,
            "after combining the years' returns: a new episode has started before the end "
            "date of the previous episode (overlapping episodes)",
            "Correct DECOM of this episode or DEC of the one before it, in the latest return "
            "that holds them.",
            "501",
        ),
        Check(
            "history.Episodes.first_is_S",
            "Episodes",
            "expect_column_values_to_be_in_set",
            {"column": "RNE", "value_set": ["S"], "row_condition": "_first_seen == True"},
            WARNING,
            "the child's first episode, starting inside the returns read, does not start a "
            "period of care (RNE is not S)",
            "Check for an earlier episode left out, or code RNE S.",
            "357",
        ),
    ]


def checks_for(table: str, year: str) -> list[Check]:
    """Every check of ``table`` in the return for ``year`` (or ``"history"``)."""
    if year == HISTORY:
        return [c for c in _history_checks() if c.table == table]
    t = schema.tables_for_year(year).get(table)
    if t is None:
        return []
    specific = _SPECIFIC[table](year) if table in _SPECIFIC else _other(table, year)
    return _generic(t, year) + specific


def checks_for_all(year: str) -> list[Check]:
    """Every check of every table in the return for ``year``, then the history checks."""
    out = [c for t in schema.tables_for_year(year) for c in checks_for(t, year)]
    return out + _history_checks()


def _year_bounds(year: str) -> tuple[str, str]:
    p = year_period(year)
    return p.start.isoformat(), p.end.isoformat()


# ---------------------------------------------------------------------------------------
# Suites on disk
# ---------------------------------------------------------------------------------------
def suite_name(table: str, year: str) -> str:
    """The suite's name: ``ssda903.<year>.<table>``."""
    return f"ssda903.{year}.{table}"


def suite_path(table: str, year: str, root: Path = EXPECTATIONS_DIR) -> Path:
    """``expectations/<year>/<Table>.json``."""
    return root / year / f"{table}.json"


def suite_json(table: str, year: str) -> str:
    """The suite as it is kept in ``expectations/`` (deterministic: no ids, sorted keys)."""
    suite = {
        "name": suite_name(table, year),
        "id": None,
        "meta": {
            "generated_by": "pipeline/checks/validate.py (python -m pipeline.checks.validate)",
            "collection_year": year,
            "table": table,
        },
        "notes": None,
        "expectations": [c.expectation_config() for c in checks_for(table, year)],
    }
    return json.dumps(suite, indent=1, sort_keys=True) + "\n"


def all_suites() -> dict[Path, str]:
    """Every suite file that should exist, relative to ``expectations/``, with its text."""
    out = {}
    for year in collection_years():
        for table in schema.tables_for_year(year):
            out[suite_path(table, year, Path())] = suite_json(table, year)
    out[suite_path("Episodes", HISTORY, Path())] = suite_json("Episodes", HISTORY)
    return out


def write_suites(root: Path = EXPECTATIONS_DIR) -> list[Path]:
    """(Re)write every suite file; returns the files written."""
    written = []
    for rel, text in all_suites().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written.append(path)
    return written


# ---------------------------------------------------------------------------------------
# Check frames: one table of one return, typed, with derived columns
# ---------------------------------------------------------------------------------------
def typed(table: schema.Table, raw: pd.DataFrame) -> pd.DataFrame:
    """One table as read (text) made checkable.

    Blanks become null, codes upper case, dates and numbers typed, with the original text of
    each in ``<COL>__text``.
    """
    df = pd.DataFrame(index=raw.index)
    for col in raw.columns:
        df[col] = stripped(raw[col]) if col not in (SOURCE_ROW,) else raw[col]
    for col in table.codes:
        if col in df:
            df[col] = df[col].map(lambda v: v.upper() if isinstance(v, str) else v)
    for col in table.dates:
        if col in df:
            df[f"{col}__text"] = df[col]
            df[col] = parse_dates(raw[col]).values
    for col in table.numbers:
        if col in df:
            df[f"{col}__text"] = df[col]
            df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


@dataclass
class YearData:
    """One return's tables, typed, and what the cross-table checks need to know."""

    year: str
    frames: dict[str, pd.DataFrame]


def _lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` looked up by each of ``keys`` (missing -> null), on ``keys``' index."""
    values = values[~values.index.duplicated(keep="last")]
    return pd.Series(values.reindex(keys.to_numpy()).to_numpy(), index=keys.index)


def _episode_extras(eps: pd.DataFrame, dob: pd.Series) -> pd.DataFrame:
    eps = eps.copy()
    order = eps.sort_values(["CHILD", "DECOM"], kind="stable").index
    sorted_eps = eps.loc[order]
    same_next = sorted_eps["CHILD"].shift(-1) == sorted_eps["CHILD"]
    same_prev = sorted_eps["CHILD"].shift(1) == sorted_eps["CHILD"]
    eps["_next_decom"] = sorted_eps["DECOM"].shift(-1).where(same_next)
    eps["_prev_dec"] = sorted_eps["DEC"].shift(1).where(same_prev)
    eps["_first"] = ~same_prev.reindex(eps.index).fillna(False).astype(bool)
    child_dob = _lookup(eps["CHILD"], dob)
    eps["_age_at_decom"] = age_at(child_dob, eps["DECOM"])
    eps["_age_at_dec"] = age_at(child_dob, eps["DEC"])
    eps["_in_header"] = eps["CHILD"].isin(dob.index)
    return eps


def year_data(ret: YearReturn) -> YearData:
    """Type every table of one return and add the derived columns its checks use.

    ``_cla12`` and ``_ever_looked_after`` need the stitched history: :func:`validate` sets
    them. Everything else comes from the return itself.
    """
    tables = schema.tables_for_year(ret.year)
    frames = {n: typed(tables.get(n, schema.ALL_TABLES[n]), df) for n, df in ret.tables.items()}
    s, e = (pd.Timestamp(d) for d in _year_bounds(ret.year))
    header = frames.get("Header")
    dob = (
        header.dropna(subset=["CHILD"]).drop_duplicates("CHILD").set_index("CHILD")["DOB"]
        if header is not None and {"CHILD", "DOB"} <= set(header.columns)
        else pd.Series(dtype="datetime64[ns]")
    )
    eps = frames.get("Episodes")
    if eps is not None and {"CHILD", "DECOM", "DEC"} <= set(eps.columns):
        frames["Episodes"] = eps = _episode_extras(eps, dob)
    for name, df in frames.items():
        if "CHILD" not in df:
            continue
        own = df["DOB"] if "DOB" in df else pd.Series(pd.NaT, index=df.index)
        child_dob = pd.to_datetime(own).fillna(_lookup(df["CHILD"], dob))
        df["_age_start"] = age_at(child_dob, s)
        df["_age_end"] = age_at(child_dob, e)
        df["_cla12"] = False
        df["_in_header"] = df["CHILD"].isin(dob.index)
        if name == "Header":
            oc2 = frames.get("OC2")
            df["_has_oc2"] = df["CHILD"].isin(oc2["CHILD"] if oc2 is not None else [])
        if name == "OC3":
            df["_ever_looked_after"] = False
        if name == "OC2":
            # DfE 190 names these items (the SDQ is not among them).
            items = [c for c in schema.OC2_FLAG_COLUMNS if c in df]
            df["_cohort_items"] = df[items].notna().any(axis=1)
        if name == "UASC" and "DOB" in df:
            df["_dob_18"] = child_dob + pd.DateOffset(years=18)
        has_eps = eps is not None and "_next_decom" in eps
        if name == "Reviews" and "REVIEW" in df:
            df["_in_care"] = _dates_in_care(df, "REVIEW", eps, e) if has_eps else False
            df["_age_at_review"] = age_at(child_dob, df["REVIEW"])
        if name == "Missing":
            df["_first_decom"] = df["_last_dec"] = pd.Series(pd.NaT, index=df.index)
            if has_eps:
                first = eps.groupby("CHILD")["DECOM"].min()
                last = eps.sort_values("DECOM").groupby("CHILD").tail(1).set_index("CHILD")["DEC"]
                df["_first_decom"] = _lookup(df["CHILD"], first)
                df["_last_dec"] = _lookup(df["CHILD"], last)
    return YearData(ret.year, frames)


def _dates_in_care(df: pd.DataFrame, col: str, eps: pd.DataFrame, year_end) -> pd.Series:
    """Whether each row's date falls inside one of the child's episodes (open = to year end)."""
    pairs = (
        df[["CHILD", col]]
        .reset_index()
        .merge(eps[["CHILD", "DECOM", "DEC"]], on="CHILD", how="left")
    )
    end = pairs["DEC"].fillna(year_end)
    inside = (pairs[col] >= pairs["DECOM"]) & (pairs[col] <= end)
    return inside.groupby(pairs["index"]).any().reindex(df.index).fillna(False).astype(bool)


def history_frame(episodes: pd.DataFrame, first_year: str) -> pd.DataFrame:
    """The stitched Episodes table with the columns the history checks use.

    ``_first_seen``: the child's first episode, when it starts inside the earliest return
    read (a child already in care then may have earlier episodes that were not read).
    """
    eps = episodes.copy()
    eps["DECOM"] = pd.to_datetime(eps["DECOM"])
    eps["DEC"] = pd.to_datetime(eps["DEC"])
    eps = _episode_extras(eps, pd.Series(dtype="datetime64[ns]"))
    eps["_first_seen"] = eps["_first"] & (eps["DECOM"] >= pd.Timestamp(_year_bounds(first_year)[0]))
    return eps


# ---------------------------------------------------------------------------------------
# Running the suites
# ---------------------------------------------------------------------------------------
@dataclass
class Finding:
    """One check's result on one table of one return."""

    check: str
    rule: str
    severity: str
    table: str
    year: str
    column: str
    message: str
    action: str
    failing: int
    checked: int
    rows: dict[str, list[int]] = field(default_factory=dict)  # file -> spreadsheet rows
    detail: list[dict] = field(default_factory=list)  # internal only: row-level values


@dataclass
class Validation:
    """Every finding of one authority's data checks, and how long they took."""

    findings: list[Finding]
    seconds: float = 0.0
    suites_run: int = 0

    @property
    def critical(self) -> list[Finding]:
        """Critical checks with failing rows: the run must stop."""
        return [f for f in self.findings if f.severity == CRITICAL and f.failing]

    @property
    def warnings(self) -> list[Finding]:
        """Warning checks with failing rows."""
        return [f for f in self.findings if f.severity == WARNING and f.failing]

    def summary(self) -> dict:
        """Counts for the manifest and the annex."""
        return {
            "checks_run": len(self.findings),
            "checks_failed_critical": len(self.critical),
            "checks_failed_warning": len(self.warnings),
            "rows_failing_critical": sum(f.failing for f in self.critical),
            "rows_failing_warning": sum(f.failing for f in self.warnings),
            "suites_run": self.suites_run,
            "seconds": round(self.seconds, 2),
        }


class ValidationError(Exception):
    """Critical data checks failed: the report cannot be produced from this data."""

    def __init__(self, la_code: str, period: str, critical: list[Finding]):
        self.critical = critical
        lines = [
            f"{la_code} {period}: the data cannot support the report: "
            f"{len(critical)} critical check(s) failed (see data_quality.html)"
        ] + [
            f"    {f.year} {f.table}, {schema.column_words(f.column)}: {f.message}: "
            f"{f.failing} row(s)"
            + "".join(
                f"; {file} {row_word(file)}{'s' if len(set(rows)) > 1 else ''} "
                f"{_row_list(sorted(set(rows)))}"
                for file, rows in sorted(f.rows.items())
            )
            + f". {f.action}"
            for f in critical
        ]
        super().__init__("\n".join(lines))


def _row_list(rows: list[int], most: int = 10) -> str:
    head = ", ".join(str(r) for r in rows[:most])
    return head + (f" and {len(rows) - most} more" if len(rows) > most else "")


def _filter_caching_engine():
    """A pandas execution engine that filters a batch by each row condition once.

    Great Expectations filters the batch afresh (``DataFrame.query``) for every metric of a
    check with a ``row_condition``, so the same condition is filtered several times over
    (measured: docs/performance.md, "Data checks: row conditions"). This engine keeps each
    condition's filtered rows for the batch it is working on, and starts again when the
    batch changes. The filtered frames are only
    read by the metrics our checks use (tests/unit/test_validate.py compares the findings with
    Great Expectations' own engine on the validator's dirty data). The method overridden is
    private to the pinned ``great_expectations==1.24.*``; the same test fails if it stops
    being called.
    """
    from great_expectations.execution_engine import PandasExecutionEngine

    class FilterCachingEngine(PandasExecutionEngine):
        _batch_frame: pd.DataFrame | None = None
        _filtered: dict[str, pd.DataFrame] = {}
        filters_run = 0  # DataFrame.query calls made (the cache's misses), for the tests

        def _apply_row_condition_filter(self, data, row_condition, domain_kwargs):
            if data is not self._batch_frame:
                self._batch_frame, self._filtered = data, {}
            key = json.dumps(
                [row_condition, domain_kwargs.get("condition_parser")], sort_keys=True, default=str
            )
            if key not in self._filtered:
                self._filtered[key] = super()._apply_row_condition_filter(
                    data, row_condition, domain_kwargs
                )
                type(self).filters_run += 1
            return self._filtered[key]

    return FilterCachingEngine


@cache
def _gx():
    """Import Great Expectations once per process, quietly, with no analytics."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    t0 = time.perf_counter()
    from typing import ClassVar

    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.datasource.fluent import PandasDatasource

    class _Datasource(PandasDatasource):  # a leading "_" keeps it out of GX's type registry
        execution_engine_override: ClassVar = _filter_caching_engine()

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = ctx.add_datasource(datasource=_Datasource(name="ssda903"))
    batch = source.add_dataframe_asset("table")
    definition = batch.add_batch_definition_whole_dataframe("whole table")
    log.info("Great Expectations %s ready in %.1f s", gx.__version__, time.perf_counter() - t0)
    return gx, ctx, definition


@cache
def _definition(path: Path):
    """The ValidationDefinition for one kept suite file, made once per process."""
    from great_expectations.core import ExpectationSuite

    gx, ctx, batch = _gx()
    spec = json.loads(path.read_text())
    suite = ctx.suites.add(ExpectationSuite(**spec))
    return ctx.validation_definitions.add(
        gx.ValidationDefinition(name=spec["name"], data=batch, suite=suite)
    )


def run_suite(table: str, year: str, frame: pd.DataFrame, root: Path = EXPECTATIONS_DIR):
    """Run the kept suite for ``table``/``year`` on ``frame``; one Finding per expectation."""
    path = suite_path(table, year, root)
    if not path.exists():
        raise FileNotFoundError(
            f"no data checks for {table} {year}: {path} is missing "
            "(python -m pipeline.checks.validate)"
        )
    findings = []
    for r in _results(_definition(path.resolve()), frame):
        cfg = r.expectation_config
        meta = cfg.meta or {}
        if _raised(r.exception_info):
            missing = sorted(_columns_of(cfg.kwargs) - set(frame.columns))
            if missing:  # the critical "exists" check reports the missing column
                continue
            raise RuntimeError(
                f"data check {meta.get('check')} could not run on {table} {year}: "
                f"{r.exception_info.get('exception_message')}"
            )
        info = r.result or {}
        failing_rows = info.get("unexpected_index_list") or []
        failing = int(info.get("unexpected_count") or 0)
        if not r.success and not failing and cfg.type == "expect_table_columns_to_match_set":
            failing = len(frame) or 1
        rows: dict[str, list[int]] = {}
        detail = []
        column = cfg.kwargs.get("column") or cfg.kwargs.get("column_A") or ""
        for item in failing_rows:
            if not isinstance(item, dict):
                continue
            file = str(item.get(SOURCE_FILE) or "")
            row = item.get(SOURCE_ROW)
            if row is not None:
                rows.setdefault(file, []).append(int(row))
            value = item.get(column)
            detail.append(
                {
                    "file": file,
                    "row": None if row is None else int(row),
                    "child": item.get("CHILD"),
                    "value": "(withheld)"
                    if column.split("__")[0] in WITHHELD_COLUMNS
                    else _plain(value),
                }
            )
        findings.append(
            Finding(
                check=meta.get("check", cfg.type),
                rule=meta.get("dfe_rule", ""),
                severity=str(getattr(cfg.severity, "value", cfg.severity)),
                table=table,
                year=year,
                # ``UPN__valid`` is said as the UPN it was worked out from.
                column=column.split("__")[0] or ", ".join(cfg.kwargs.get("column_list", [])),
                message=meta.get("message", ""),
                action=meta.get("action", ""),
                failing=failing,
                checked=len(frame),
                rows={f: sorted(v) for f, v in rows.items()},
                detail=detail,
            )
        )
    return findings


def complete_format(frame: pd.DataFrame) -> dict:
    """Great Expectations' ``COMPLETE`` result format, naming rows by file, row and child."""
    return {
        "result_format": "COMPLETE",
        "return_unexpected_index_query": False,
        "unexpected_index_column_names": [
            c for c in (SOURCE_FILE, SOURCE_ROW, "CHILD") if c in frame.columns
        ],
    }


def _results(definition, frame: pd.DataFrame) -> list:
    """Every expectation's result, in suite order, with failing rows for those that failed.

    Two passes through Great Expectations: the whole suite with ``BOOLEAN_ONLY`` (pass or
    fail, no row lists), then only the expectations that failed (or raised, or allow a
    share of failures with ``mostly``) again with ``COMPLETE`` to name their rows. Most
    checks pass, so unexpected values and row lists computed for every check were mostly
    thrown away (measured: docs/performance.md, "Data checks: two passes"); the findings
    are the same as one ``COMPLETE`` run.
    """
    from copy import copy

    from great_expectations.core import ExpectationSuite

    batch = definition.data.get_batch(batch_parameters={"dataframe": frame.reset_index(drop=True)})
    suite = definition.suite
    quick = batch.validate(suite, result_format="BOOLEAN_ONLY").results
    again = {
        r.expectation_config.meta["check"]
        for r in quick
        if not r.success or "mostly" in r.expectation_config.kwargs
    }
    if not again:
        return quick
    full = batch.validate(
        ExpectationSuite(
            name=f"{suite.name} (rows)",
            expectations=[copy(e) for e in suite.expectations if e.meta["check"] in again],
        ),
        result_format=complete_format(frame),
    ).results
    rows = {r.expectation_config.meta["check"]: r for r in full}
    if set(rows) != again:
        raise RuntimeError(f"{suite.name}: the second pass did not return every failed check")
    return [rows.get(r.expectation_config.meta["check"], r) for r in quick]


def _raised(info) -> bool:
    """Whether an expectation raised (GX keys the info by metric when it did)."""
    if not info:
        return False
    if "raised_exception" in info:
        return bool(info["raised_exception"])
    return any(isinstance(v, dict) and v.get("exception_traceback") for v in info.values())


def _columns_of(kwargs: dict) -> set[str]:
    cols = {kwargs.get(k) for k in ("column", "column_A", "column_B")} - {None}
    cols |= set(kwargs.get("column_list", []))
    cond = kwargs.get("row_condition")
    if isinstance(cond, dict):
        cond = cond.get("pass_through_filter", "")
    cols |= {
        w
        for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", cond or "")
        if w.isupper() or w.startswith("_")
    }
    return cols


def _plain(v):
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return "" if pd.isna(v) else v.strftime("%d/%m/%Y")
    return str(v)


# Returns checked table by table: the ones the period's own figures come from. An annual
# report counts its own year's return (the DfE validator, too, checks this year's tables and
# uses last year's only for comparison); a quarterly report also uses the latest annual
# return (its OC2 and OC3 rows), so both are checked. Older returns were checked by their own
# period's run; the rows the trend uses from them are still checked by the history suite
# (overlaps, episode dates across years) and by reading and cleaning.
YEARS_CHECKED = 1


def years_checked(period: Period) -> int:
    """How many of the latest returns a period's run checks table by table (see above).

    >>> from pipeline.spec.period import parse_period
    >>> years_checked(parse_period("2025-26")), years_checked(parse_period("2026-27-Q2"))
    (1, 2)
    """
    return YEARS_CHECKED if period.is_annual else YEARS_CHECKED + 1


def validate(
    returns: list[YearReturn],
    tables: dict[str, pd.DataFrame],
    root: Path = EXPECTATIONS_DIR,
    years: int = YEARS_CHECKED,
    today: date | None = None,
    first_year: str | None = None,
) -> Validation:
    """Run the suites on the latest returns, then the history suite on the stitched tables.

    ``returns`` need hold only the ``years`` latest returns; ``first_year`` is the earliest
    year the stitched tables were read from (by default the first of ``returns``).

    ``returns`` are the returns as returned (:func:`~pipeline.clean.history.as_returned`: ids
    pseudonymised like the cleaned, stitched ``tables``, so the two link for the 12-month
    cohort). Ids in the findings are pseudonymised.
    """
    for ret in returns:
        header = ret.tables.get("Header")
        if header is not None and "UPN" in header and "UPN__valid" not in header:
            raise ValueError("validate() checks returns as_returned() made, not as read")
    t0 = time.perf_counter()
    _gx()
    findings: list[Finding] = []
    suites = 0
    episodes = tables.get("Episodes")
    ever = set(episodes["CHILD"]) if episodes is not None else set()
    looked_after = care.looked_after(episodes)
    for ret in returns[-years:]:
        year = year_period(ret.year)
        # The 12-month cohort is fixed at 31 March: for a year still running (a year-to-date
        # extract) it is not known yet, and no OC2 rows are due.
        finished = year.end < (today or date.today())
        at = pd.Timestamp(year.end)
        cla12 = care.continuously_looked_after(looked_after, at, 12) if finished else set()
        data = year_data(ret)
        for name, frame in data.frames.items():
            if name not in schema.tables_for_year(ret.year):
                findings.append(_not_in_year(name, ret.year, frame))
                continue
            if "CHILD" in frame:
                frame["_cla12"] = frame["CHILD"].isin(cla12)
                if name == "OC3":
                    frame["_ever_looked_after"] = frame["CHILD"].isin(ever)
            findings += run_suite(name, ret.year, frame, root)
            suites += 1
    if episodes is not None and len(episodes):
        hist = history_frame(episodes, first_year or returns[0].year)
        findings += run_suite("Episodes", HISTORY, hist, root)
        suites += 1
    return Validation(findings, time.perf_counter() - t0, suites)


def _not_in_year(table: str, year: str, frame: pd.DataFrame) -> Finding:
    """A table the year's return does not have (DoLo before 2026-27): counted, not checked."""
    rows: dict[str, list[int]] = {}
    for file, part in frame.groupby(SOURCE_FILE):
        rows[str(file)] = sorted(int(r) for r in part[SOURCE_ROW])
    return Finding(
        check=f"{table}.not_in_year",
        rule="",
        severity=WARNING,
        table=table,
        year=year,
        column="",
        message=f"the {year} return has no {table} table: these rows are not checked or used",
        action=f"Remove the {table} file from the {year} folder, or move it to the right year.",
        failing=len(frame),
        checked=len(frame),
        rows=rows,
    )


def findings_json(v: Validation) -> dict:
    """``validation.json``: every check with its result; row numbers, no values."""
    return {
        "summary": v.summary(),
        "checks": [
            {
                "check": f.check,
                "dfe_rule": f.rule,
                "severity": f.severity,
                "table": f.table,
                "collection_year": f.year,
                "column": f.column,
                "message": f.message,
                "action": f.action,
                "rows_checked": f.checked,
                "rows_failing": f.failing,
                "rows": f.rows,
            }
            for f in v.findings
        ],
    }


def findings_rows(v: Validation) -> pd.DataFrame:
    """The internal row-level list (pseudonymised child, file, row, value) for analysts."""
    out = [
        {
            "severity": f.severity,
            "dfe_rule": f.rule,
            "check": f.check,
            "table": f.table,
            "collection_year": f.year,
            "column": f.column,
            "message": f.message,
            **d,
        }
        for f in v.findings
        for d in f.detail
    ]
    cols = ["severity", "dfe_rule", "check", "table", "collection_year", "column", "message"]
    df = pd.DataFrame(out, columns=[*cols, "file", "row", "child", "value"])
    # Values and file names came from input: never let a spreadsheet run them as formulas.
    for col in ("value", "file"):
        df[col] = df[col].map(io.neutralise)
    return df


if __name__ == "__main__":  # python -m pipeline.checks.validate: regenerate expectations/
    for p in write_suites():
        print(f"wrote {p.relative_to(EXPECTATIONS_DIR.parent)}")
