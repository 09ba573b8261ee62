"""The SSDA903 return's tables, columns, dates and code lists, per collection year.

One base year plus each later year's differences (``YEAR_CHANGES``): nowhere else in the
package asks "is this year after ...". Reading, cleaning, the synthetic generator and the
data checks all take their columns and codes from here, so they cannot drift apart.
Source: DfE's SSDA903 guidance, as summarised in the project's brief on the return (kept
with the shared project documents, not in this repository); code lists as of the 2025/26
collection. How files are recognised and read: ``docs/inputs.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache

# ---------------------------------------------------------------------------------------
# Code lists
# ---------------------------------------------------------------------------------------
ETHNIC = frozenset(
    "WBRI WIRI WOTH WIRT WROM MWBC MWBA MWAS MOTH AIND APKN ABAN AOTH BCRB BAFR BOTH "
    "CHNE OOTH REFU NOBT".split()
)
RNE = frozenset("S L P T B U".split())
LEGAL_STATUS = frozenset("C1 C2 D1 E1 V2 V3 V4 L1 L2 L3 J1 J2 J3".split())
SHORT_BREAK_LS = frozenset({"V3", "V4"})
CIN = frozenset(f"N{i}" for i in range(1, 9))
# The categories of need in DfE's words, for readers.
CIN_WORDS = {
    "N1": "Abuse or neglect",
    "N2": "Child's disability",
    "N3": "Parental illness or disability",
    "N4": "Family in acute stress",
    "N5": "Family dysfunction",
    "N6": "Socially unacceptable behaviour",
    "N7": "Low income",
    "N8": "Absent parenting",
}
TEMPORARY_PLACE = frozenset("T0 T1 T2 T3 T4".split())
FOSTER_PLACE = frozenset("U1 U2 U3 U4 U5 U6".split())
ADOPTION_PLACE = frozenset("A3 A4 A5 A6".split())
_PLACE_BASE = frozenset(
    "A3 A4 A5 A6 K1 K2 H5 P1 P2 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 U1 U2 U3 U4 U5 U6 Z1".split()
)
PLACE_PROVIDER = frozenset("PR0 PR1 PR2 PR3 PR4 PR5".split())
REC = frozenset(
    "E11 E12 E13 E14 E15 E16 E17 E2 E3 E41 E43 E44 E45 E46 E47 E48 E4A E4B E5 E6 E7 E8 E9 "
    "X1".split()
)
REVIEW_CODE = frozenset(f"PN{i}" for i in range(8))
MISSING = frozenset({"M", "A"})
IN_TOUCH = frozenset("YES NO DIED REFU NREQ RHOM".split())
# F3/P3 are historic: no year corpar reads lists them (DfE rule 132).
ACTIV = frozenset("F1 P1 F2 P2 F4 P4 F5 P5 G4 G5 G6 0".split())
ACCOM_LETTERS = "BCDEGHKRSTUVWXYZ"
# No fixed abode (S) and custody (X) are never considered suitable: S1 and X1 are not codes
# (DfE rule 133), so a care leaver returned with one cannot count as suitably housed.
ACCOM = frozenset({f"{c}{s}" for c in ACCOM_LETTERS for s in "12"} - {"S1", "X1"} | {"0"})
SDQ_REASON = frozenset(f"SDQ{i}" for i in range(1, 6))
SW_REASON = frozenset(
    "MANAGE FCONTA LEFTRL ORGRST TSPROC ABSENC CHCHAN PCCHAN SWDIED OTHERS".split()
)
FLAG = frozenset({"0", "1"})
# A UPN not known: the reason, in place of the number (UN1-UN5). Not an identifier.
UN_CODES = frozenset(f"UN{i}" for i in range(1, 6))
# OC2's 0/1 columns, in the return's order.
OC2_FLAG_COLUMNS = (
    "CONVICTED",
    "HEALTH_CHECK",
    "IMMUNISATIONS",
    "TEETH_CHECK",
    "HEALTH_ASSESSMENT",
    "SUBSTANCE_MISUSE",
    "INTERVENTION_RECEIVED",
    "INTERVENTION_OFFERED",
)

# SEX: 1/2 before 2024-25, M/F/U from 2024-25. Cleaning maps both to one form.
SEX_OLD = frozenset({"1", "2"})
SEX_NEW = frozenset({"M", "F", "U"})
SEX_TO_STANDARD = {"1": "M", "2": "F", "M": "M", "F": "F", "U": "U"}

ETHNIC_GROUP = {
    "W": "White",
    "M": "Mixed",
    "A": "Asian",
    "B": "Black",
}


def ethnic_group(code: str | None) -> str:
    """Reporting group of an ETHNIC code.

    >>> [ethnic_group(c) for c in ["WBRI", "MWBC", "APKN", "BAFR", "CHNE", "REFU", None,
    ...                            float("nan")]]
    ['White', 'Mixed', 'Asian', 'Black', 'Other', 'Not known', 'Not known', 'Not known']
    """
    if not isinstance(code, str) or not code:  # blank, None, NaN or pandas' NA
        return "Not known"
    if code in {"CHNE", "OOTH"}:
        return "Other"
    if code in {"REFU", "NOBT"}:
        return "Not known"
    return ETHNIC_GROUP.get(code[0], "Not known")


PLACEMENT_GROUPS = {
    "Foster care": FOSTER_PLACE,
    "Placed for adoption": ADOPTION_PLACE,
    "Placed with parents": frozenset({"P1"}),
    "Children's homes and residential": frozenset("K1 K2 R1 S1 R2 R3 R5".split()),
    "Independent and semi-independent living": frozenset("K3 H5 P2".split()),
    "Other": frozenset("P3 Z1 Z11 Z12 Z13 Z14".split()),
}

LEGAL_STATUS_GROUPS = {
    "Care order (interim or full)": frozenset({"C1", "C2"}),
    "Placement order": frozenset({"E1", "D1"}),
    "Accommodated under section 20": frozenset({"V2"}),
    "Youth justice": frozenset({"J1", "J2", "J3"}),
    "Emergency and police protection": frozenset({"L1", "L2", "L3"}),
}


def group_of(code: str | None, groups: dict[str, frozenset[str]]) -> str:
    """The name of the group holding ``code`` ("Not known" when none does).

    >>> group_of("U4", PLACEMENT_GROUPS)
    'Foster care'
    >>> group_of("T1", PLACEMENT_GROUPS)
    'Not known'
    """
    for name, codes in groups.items():
        if code in codes:
            return name
    return "Not known"


# ---------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Table:
    """One 903 table: its columns, dates, codes, and how returns of several years combine.

    ``key`` identifies a row across returns: when two years' returns hold the same key, the
    later return wins. Tables whose rows belong to one collection year (OC2, OC3 ...) have
    ``per_year=True`` and keep every year's rows, keyed within the year.
    """

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    dates: tuple[str, ...] = ()
    codes: dict[str, frozenset[str]] = field(default_factory=dict)
    numbers: tuple[str, ...] = ()
    per_year: bool = False
    required: bool = False


_BASE_TABLES = (
    Table(
        "Header",
        ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
        key=("CHILD",),
        dates=("DOB", "MC_DOB"),
        codes={"SEX": SEX_OLD, "ETHNIC": ETHNIC, "MOTHER": FLAG},
        required=True,
    ),
    Table(
        "Episodes",
        (
            "CHILD",
            "DECOM",
            "RNE",
            "LS",
            "CIN",
            "PLACE",
            "PLACE_PROVIDER",
            "DEC",
            "REC",
            "REASON_PLACE_CHANGE",
            "HOME_POST",
            "PL_POST",
            "URN",
        ),
        key=("CHILD", "DECOM"),
        dates=("DECOM", "DEC"),
        codes={
            "RNE": RNE,
            "LS": LEGAL_STATUS,
            "CIN": CIN,
            "PLACE": _PLACE_BASE,
            "PLACE_PROVIDER": PLACE_PROVIDER,
            "REC": REC,
        },
        required=True,
    ),
    Table(
        "Reviews",
        ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
        key=("CHILD", "REVIEW"),
        dates=("DOB", "REVIEW"),
        codes={"REVIEW_CODE": REVIEW_CODE},
    ),
    Table(
        "UASC",
        ("CHILD", "SEX", "DOB", "DUC"),
        key=("CHILD",),
        dates=("DOB", "DUC"),
        codes={"SEX": SEX_OLD},
    ),
    Table(
        "OC2",
        (
            "CHILD",
            "DOB",
            "SDQ_SCORE",
            "SDQ_REASON",
            *OC2_FLAG_COLUMNS,
        ),
        key=("CHILD",),
        dates=("DOB",),
        codes={
            "SDQ_REASON": SDQ_REASON,
            **dict.fromkeys(OC2_FLAG_COLUMNS, FLAG),
        },
        numbers=("SDQ_SCORE",),
        per_year=True,
    ),
    Table(
        "OC3",
        ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
        key=("CHILD",),
        dates=("DOB",),
        codes={"IN_TOUCH": IN_TOUCH, "ACTIV": ACTIV, "ACCOM": ACCOM},
        per_year=True,
    ),
    Table(
        "AD1",
        (
            "CHILD",
            "DOB",
            "DATE_INT",
            "DATE_MATCH",
            "FOSTER_CARE",
            "NB_ADOPTR",
            "SEX_ADOPTR",
            "LS_ADOPTR",
        ),
        key=("CHILD",),
        dates=("DOB", "DATE_INT", "DATE_MATCH"),
        per_year=True,
    ),
    Table(
        "PlacedAdoption",
        ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
        key=("CHILD", "DATE_PLACED"),
        dates=("DOB", "DATE_PLACED", "DATE_PLACED_CEASED"),
    ),
    Table(
        "PrevPerm",
        ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
        key=("CHILD",),
        dates=("DOB",),
        per_year=True,
    ),
    Table(
        "Missing",
        ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
        key=("CHILD", "MIS_START"),
        dates=("DOB", "MIS_START", "MIS_END"),
        codes={"MISSING": MISSING},
    ),
    Table(
        "SWEpisodes",
        ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
        key=("CHILD", "SW_ID", "SW_DECOM"),
        dates=("DOB", "SW_DECOM", "SW_DEC"),
        codes={"SW_REASON": SW_REASON},
    ),
    Table(
        "DoLo",
        ("CHILD", "DOB", "DOLO_START", "DOLO_END"),
        key=("CHILD", "DOLO_START"),
        dates=("DOB", "DOLO_START", "DOLO_END"),
    ),
)
ALL_TABLES: dict[str, Table] = {t.name: t for t in _BASE_TABLES}

BASE_YEAR = "2015-16"
# Tables that do not exist in the base year, and the year each arrives.
_ARRIVES = {"SWEpisodes": "2023-24", "DoLo": "2026-27"}


@dataclass(frozen=True)
class YearChange:
    """What one collection year changes against the year before it."""

    add_tables: tuple[str, ...] = ()
    codes: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    note: str = ""


YEAR_CHANGES: dict[str, YearChange] = {
    "2023-24": YearChange(
        add_tables=("SWEpisodes",),
        codes={("Episodes", "PLACE"): _PLACE_BASE | {"K3"}},
        note="SWEpisodes table arrives; K3 from 28 Oct 2023, when P2 and H5 stop",
    ),
    "2024-25": YearChange(
        codes={
            ("Header", "SEX"): SEX_NEW,
            ("UASC", "SEX"): SEX_NEW,
            ("Episodes", "PLACE"): (_PLACE_BASE - {"H5", "P2"}) | {"K3"},
        },
        note="SEX becomes M/F/U; H5 and P2 leave the code list (K3 replaced them)",
    ),
    "2025-26": YearChange(
        codes={
            ("Episodes", "PLACE"): (_PLACE_BASE - {"H5", "P2", "Z1"})
            | {"K3", "Z11", "Z12", "Z13", "Z14"},
        },
        note="Z1 splits into Z11-Z14",
    ),
    "2026-27": YearChange(add_tables=("DoLo",), note="DoLo table arrives"),
}

# The date from which a placement code may start an episode (used by the generator and
# the data checks): P2 was retired on 28 October 2023 and K3 replaced it and H5.
PLACE_CODE_DATES = {"K3_from": "2023-10-28", "P2_until": "2023-10-27", "Z1_until": "2025-03-31"}


def _year_key(year: str) -> int:
    return int(year[:4])


@cache
def tables_for_year(year: str) -> dict[str, Table]:
    """The tables of the collection year ``year`` ("2024-25"), with that year's codes.

    >>> sorted(tables_for_year("2022-23")) == sorted(set(ALL_TABLES) - {"SWEpisodes", "DoLo"})
    True
    >>> "K3" in tables_for_year("2022-23")["Episodes"].codes["PLACE"]
    False
    >>> "K3" in tables_for_year("2023-24")["Episodes"].codes["PLACE"]
    True
    >>> "P2" in tables_for_year("2024-25")["Episodes"].codes["PLACE"]
    False
    >>> "Z1" in tables_for_year("2025-26")["Episodes"].codes["PLACE"]
    False
    """
    present = {n: t for n, t in ALL_TABLES.items() if n not in _ARRIVES}
    for change_year in sorted(YEAR_CHANGES, key=_year_key):
        if _year_key(change_year) > _year_key(year):
            break
        change = YEAR_CHANGES[change_year]
        for name in change.add_tables:
            present[name] = ALL_TABLES[name]
        for (tname, col), codes in change.codes.items():
            t = present[tname]
            present[tname] = replace(t, codes={**t.codes, col: codes})
    return present


def recognise(columns: list[str]) -> Table | None:
    """The table whose exact set of (normalised) column names is ``columns``, if any.

    >>> recognise(["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"]).name
    'Missing'
    >>> recognise(["CHILD", "DOB"]) is None
    True
    """
    cols = frozenset(columns)
    for t in ALL_TABLES.values():
        if frozenset(t.columns) == cols:
            return t
    return None


def closest_table(columns: list[str]) -> tuple[Table, set[str], set[str]] | None:
    """The table a file most resembles, with the columns it lacks and the extra ones.

    Used to explain why a file was not recognised. Returns None when no table shares at
    least half of its columns with the file.
    """
    cols = set(columns)
    best = None
    for t in ALL_TABLES.values():
        shared = len(cols & set(t.columns))
        score = shared / max(len(t.columns), len(cols))
        if shared >= 3 and score >= 0.5 and (best is None or score > best[0]):
            best = (score, t)
    if best is None:
        return None
    t = best[1]
    return t, set(t.columns) - cols, cols - set(t.columns)


# attainment.csv (docs/user_guide/getting_started.md): pupil-level results of children
# looked after.
ATTAINMENT_COLUMNS = ("CHILD", "UPN", "ACADEMIC_YEAR", "KEY_STAGE", "MEASURE", "VALUE")
# Every heading a 903 or attainment file can have: only these are ever echoed in a message.
KNOWN_COLUMNS = frozenset(c for t in ALL_TABLES.values() for c in t.columns) | frozenset(
    ATTAINMENT_COLUMNS
)
ATTAINMENT_MEASURES = {
    "KS1": frozenset({"READ_EXS", "WRIT_EXS", "MATH_EXS"}),
    "KS2": frozenset({"READ_EXS", "WRIT_EXS", "MATH_EXS", "RWM_EXS"}),
    "KS4": frozenset({"ATT8", "EM4", "EM5", "P8"}),
}


def column_words(column: str) -> str:
    """A check's column for a reader: a column the checks work out is said in words.

    >>> column_words("_age_at_decom"), column_words("DEC"), column_words("CHILD, MIS_START")
    ('age at DECOM (worked out)', 'DEC', 'CHILD, MIS_START')
    """
    if not column.startswith("_"):
        return column
    words = [w.upper() if w.upper() in KNOWN_COLUMNS else w for w in column[1:].split("_")]
    return " ".join(words) + " (worked out)"
