"""Pure DataFrame -> DataFrame cleaning: dates, codes, multi-year history, pseudonyms.

Nothing here touches a file. Every row that cannot be used is returned in a ``rejected``
frame with its reason (and its file and row), and every value that had to be read in an
unusual way is reported, so no figure is computed on silently altered data.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipeline import schema, upn
from pipeline.clean.repairs import FIX, repair_episodes
from pipeline.read.returns import SOURCE_FILE, SOURCE_ROW, YEAR, Problem, YearReturn

log = logging.getLogger(__name__)

# Columns dropped from processed tables: no indicator needs postcodes, and they identify.
DROPPED_COLUMNS = ("HOME_POST", "PL_POST")
GIVEN = "(given)"  # a dropped column's value, kept for the data checks: it was filled in

# Formats tried in order. The first is the 903's own; the rest are what Excel round trips
# make of it. Each non-standard format is reported with its rows, so nothing is guessed
# silently. Two-digit years follow Python's rule: 00-68 are 2000-2068, 69-99 1969-1999.
DATE_FORMATS = (
    ("%d/%m/%Y", "dd/mm/yyyy"),
    ("%Y-%m-%d", "yyyy-mm-dd"),
    ("%Y-%m-%d %H:%M:%S", "yyyy-mm-dd hh:mm:ss"),
    ("%d/%m/%Y %H:%M:%S", "dd/mm/yyyy hh:mm:ss"),
    ("%d/%m/%Y %H:%M", "dd/mm/yyyy hh:mm"),
    ("%d-%m-%Y", "dd-mm-yyyy"),
    ("%d.%m.%Y", "dd.mm.yyyy"),
    ("%d/%m/%y", "dd/mm/yy"),
    # Excel's own date styles ("31-Mar-25", "31 March 2025"): month names cannot be misread.
    ("%d-%b-%y", "dd-Mon-yy"),
    ("%d-%b-%Y", "dd-Mon-yyyy"),
    ("%d %b %Y", "dd Mon yyyy"),
    ("%d %B %Y", "dd Month yyyy"),
    ("%d-%B-%Y", "dd-Month-yyyy"),
    ("%d %b %y", "dd Mon yy"),
)
# A date column with more than this share of its non-blank values unreadable stops the run:
# below it, the odd typo is reported and its rows handled as stated; above it, the column
# was saved in a format corpar does not read, and every figure using it would be wrong.
UNREADABLE_DATE_SHARE = 0.01
STANDARD_DATE = "dd/mm/yyyy"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


@dataclass
class DateParse:
    """Parsed dates, which format each value was read with, and which could not be read."""

    values: pd.Series
    formats: pd.Series
    bad: pd.Series


def parse_dates(text: pd.Series) -> DateParse:
    """Parse UK dates and their usual Excel variants; blank stays missing.

    >>> r = parse_dates(pd.Series(["01/02/2024", "2024-02-01", "01/02/24", "45323", "",
    ...                            "31/02/2024"]))
    >>> [str(d.date()) if not pd.isna(d) else None for d in r.values]
    ['2024-02-01', '2024-02-01', '2024-02-01', '2024-02-01', None, None]
    >>> r.formats.tolist()
    ['dd/mm/yyyy', 'yyyy-mm-dd', 'dd/mm/yy', 'Excel serial number', '', '']
    >>> r.bad.tolist()
    [False, False, False, False, False, True]
    """
    s = text.fillna("").astype(str).str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    formats = pd.Series("", index=s.index, dtype=object)
    todo = s != ""
    for fmt, label in DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(s[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        idx = parsed.index[ok]
        out.loc[idx] = parsed[ok].dt.normalize().astype("datetime64[ns]")
        formats.loc[idx] = label
        todo.loc[idx] = False
    if todo.any():
        serial = pd.to_numeric(s[todo].where(s[todo].str.fullmatch(r"\d{4,5}")), errors="coerce")
        ok = serial.between(1, 80000)
        idx = serial.index[ok]
        out.loc[idx] = _EXCEL_EPOCH + pd.to_timedelta(serial[ok], unit="D")
        formats.loc[idx] = "Excel serial number"
        todo.loc[idx] = False
    return DateParse(out, formats, todo)


def shape(text: str) -> str:
    """A value's shape, with no value in it: digits as 9, letters as A.

    >>> shape("31-Mar-25"), shape("2025/03/31")
    ('99-AAA-99', '9999/99/99')
    """
    return "".join("9" if c.isdigit() else "A" if c.isalpha() else c for c in text)


def _unreadable_column(
    df: pd.DataFrame, table: str, col: str, text: pd.Series, bad: pd.Series
) -> list[Problem]:
    """An error for each file in which ``col`` is mostly unreadable, naming the shapes found.

    The shapes (``99-AAA-99``) say what format the file holds without showing a value.
    """
    out = []
    given = text.fillna("").astype(str).str.strip() != ""
    for f, idx in df.groupby(SOURCE_FILE, sort=True).groups.items():
        n_given = int(given.loc[idx].sum())
        n_bad = int(bad.loc[idx].sum())
        if not n_given or n_bad <= UNREADABLE_DATE_SHARE * n_given:
            continue
        shapes = text.loc[idx][bad.loc[idx]].astype(str).str.strip().map(shape)
        common = ", ".join(f"{s_} ({n:,})" for s_, n in shapes.value_counts().head(3).items())
        out.append(
            Problem(
                "error",
                f,
                f"{n_bad:,} of {n_given:,} {table} {col} values are not dates corpar can "
                f"read (shapes found, 9 for a digit and A for a letter: {common}); more than "
                f"{UNREADABLE_DATE_SHARE:.0%} unreadable means the column was saved in another "
                "format, and every figure using it would be wrong. Save the dates as "
                "dd/mm/yyyy and run again",
                col,
                _rows(df.loc[idx][bad.loc[idx]]),
            )
        )
    return out


def _rows(part: pd.DataFrame) -> tuple[int, ...]:
    """The spreadsheet row numbers of the rows in ``part``."""
    return tuple(int(r) for r in part[SOURCE_ROW])


def _files(df: pd.DataFrame, mask: pd.Series):
    """The masked rows, file by file (a problem names one file)."""
    return df.loc[mask].groupby(SOURCE_FILE, sort=True)


@dataclass
class Cleaned:
    """One table after cleaning: typed rows, rejected rows with reasons, and problems."""

    table: pd.DataFrame
    rejected: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)


def clean_table(table: schema.Table, df: pd.DataFrame) -> Cleaned:
    """Type one 903 table read as text: dates, codes, numbers; reject unusable rows.

    A row is rejected (kept, with its reason) when it has no CHILD, or when a date in its
    key (e.g. DECOM, REVIEW) or a Header DOB cannot be read. Other unreadable dates become
    missing and are reported.
    """
    df = df.copy()
    problems: list[Problem] = []
    reasons = pd.Series("", index=df.index, dtype=object)

    no_child = df["CHILD"] == ""
    reasons[no_child] = "CHILD is blank"
    for f, part in _files(df, no_child):
        problems.append(
            Problem(
                "warning",
                f,
                "CHILD is blank: these rows cannot be linked to a child and are not used",
                "CHILD",
                _rows(part),
            )
        )

    # "Total: 430" or "Grand total" in CHILD: a spreadsheet's summary row, not a child.
    total = (reasons == "") & df["CHILD"].str.fullmatch(r"(?i)\s*(grand\s+)?totals?\b.*")
    reasons[total] = "a totals row, not a child"
    for f, part in _files(df, total):
        problems.append(
            Problem(
                "warning",
                f,
                "a totals row (CHILD says 'total'), not a child: not used. Export the table "
                "without summary rows",
                "CHILD",
                _rows(part),
            )
        )

    critical_dates = set(table.key) | ({"DOB"} if table.name == "Header" else set())
    for col in table.dates:
        parsed = parse_dates(df[col])
        text = df[col]
        df[col] = parsed.values
        unusual = (parsed.formats != "") & (parsed.formats != STANDARD_DATE)
        for label in sorted(set(parsed.formats[unusual])):
            m = parsed.formats == label
            for f, part in _files(df, m):
                problems.append(
                    Problem(
                        "warning",
                        f,
                        f"dates written as {label} (not dd/mm/yyyy) were read as such; check them",
                        col,
                        _rows(part),
                    )
                )
        if parsed.bad.any():
            problems += _unreadable_column(df, table.name, col, text, parsed.bad)
            for f, part in _files(df, parsed.bad):
                action = "these rows are not used" if col in critical_dates else "treated as blank"
                problems.append(
                    Problem(
                        "warning",
                        f,
                        f"not a date that can be read (dd/mm/yyyy expected): {action}",
                        col,
                        _rows(part),
                    )
                )
            if col in critical_dates:
                reasons[parsed.bad & (reasons == "")] = f"{col} is not a readable date"
        if table.name == "Header" and col == "DOB":
            blank = (text.fillna("").astype(str).str.strip() == "") & (reasons == "")
            for f, part in _files(df, blank):
                problems.append(
                    Problem(
                        "warning",
                        f,
                        f"DOB is blank for {len(part):,} child(ren): they are counted as "
                        "looked after, but left out of every measure that needs an age (age "
                        "profile, long-term stability, SDQ, care leavers). Fill in DOB",
                        "DOB",
                        _rows(part),
                    )
                )

    for col in table.codes:
        df[col] = df[col].str.upper()
    if "SEX" in df.columns:
        df["SEX"] = df["SEX"].map(lambda v: schema.SEX_TO_STANDARD.get(v, v))
    for col in table.numbers:
        num = pd.to_numeric(df[col].where(df[col] != ""), errors="coerce")
        bad = num.isna() & (df[col] != "")
        for f, part in _files(df, bad):
            problems.append(
                Problem("warning", f, "not a number: treated as blank", col, _rows(part))
            )
        df[col] = num
    df = df.drop(columns=[c for c in DROPPED_COLUMNS if c in df.columns])

    rejected = df.loc[reasons != ""].assign(_reason=reasons[reasons != ""])
    return Cleaned(df.loc[reasons == ""].reset_index(drop=True), rejected, problems)


def stitch(frames: list[pd.DataFrame], table: schema.Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Combine one table from several years' returns: the latest return wins for a key.

    ``frames`` are cleaned tables, each with a ``_year`` column. Within one return, a key
    held by two rows keeps the later row (by ``_source_row`` when the rows carry it); the
    other is returned as rejected ("duplicate").
    Tables that belong to one year (OC2, OC3 ...) keep every year's rows.
    """
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=[*table.columns, YEAR]), pd.DataFrame()
    # "Later" means later in the return's file, whatever order the rows arrive in.
    order = [YEAR, SOURCE_ROW] if all(SOURCE_ROW in f for f in frames) else [YEAR]
    df = pd.concat(frames, ignore_index=True).sort_values(order, kind="stable")
    within = [*table.key, YEAR]
    dup_in_return = df.duplicated(within, keep="last")
    rejected = df.loc[dup_in_return].assign(
        _reason=f"duplicate {'/'.join(table.key)} in the same return: the later row is used"
    )
    df = df.loc[~dup_in_return]
    if table.name == "Header":
        df = _keep_known_facts(df)
    if not table.per_year:
        df = df.drop_duplicates(list(table.key), keep="last")
    return df.reset_index(drop=True), rejected.reset_index(drop=True)


# A child's own facts: a later return's blank is a gap (an XML care leaver's HEADER of OC3
# fields only, a field left empty), never a change, so it must not erase a known value.
FIXED_FACTS = ("SEX", "DOB", "ETHNIC", "UPN")


def _keep_known_facts(header: pd.DataFrame) -> pd.DataFrame:
    """Fill a blank fact of a child's later Header row from their latest earlier one.

    Rows are in return order. A later value that is not blank still wins.

    >>> h = pd.DataFrame({"CHILD": ["a", "a", "a"], "SEX": ["M", "", "F"],
    ...     "ETHNIC": ["WBRI", "", ""], "_year": ["2023-24", "2024-25", "2025-26"]})
    >>> _keep_known_facts(h)[["SEX", "ETHNIC"]].values.tolist()
    [['M', 'WBRI'], ['M', 'WBRI'], ['F', 'WBRI']]
    """
    out = header.copy()
    for col in (c for c in FIXED_FACTS if c in out):
        known = out[col] if col == "DOB" else out[col].where(out[col] != "")
        filled = known.groupby(out["CHILD"], sort=False).ffill()
        out[col] = filled if col == "DOB" else filled.fillna("")
    return out


def year_end(year: str) -> pd.Timestamp:
    """31 March at the end of collection year ``year`` ("2024-25" -> 2025-03-31)."""
    return pd.Timestamp(int(year[:4]) + 1, 3, 31)


NEVER_LOOKED_AFTER = "OC3 row for a young person never looked after in the returns read"


def split_never_looked_after(
    tables: dict[str, pd.DataFrame], first_year: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """OC3 rows of care leavers, and those of young people the history shows never in care.

    A care leaver was looked after on or after their 16th birthday, so when the returns read
    start on or before that birthday, a care leaver has an episode in them. Without such
    an episode the row is not a care leaver's. When the returns start later, nothing can be
    said and the row is kept.

    >>> oc3 = pd.DataFrame({"CHILD": ["a", "b", "c"], "DOB": pd.to_datetime(
    ...     ["2006-05-01", "2006-05-01", "2001-05-01"])})
    >>> eps = pd.DataFrame({"CHILD": ["a"]})
    >>> kept, never = split_never_looked_after({"OC3": oc3, "Episodes": eps}, "2021-22")
    >>> list(kept["CHILD"]), list(never["CHILD"])
    (['a', 'c'], ['b'])
    """
    oc3 = tables["OC3"]
    episodes = tables.get("Episodes", pd.DataFrame(columns=["CHILD"]))
    start = pd.Timestamp(int(first_year[:4]), 4, 1)
    dob = pd.to_datetime(oc3["DOB"])
    header = tables.get("Header")
    if header is not None and "DOB" in header:
        dob = dob.fillna(
            oc3["CHILD"].map(header.drop_duplicates("CHILD").set_index("CHILD")["DOB"])
        )
    sixteenth = dob + pd.DateOffset(years=16)
    never = ~oc3["CHILD"].isin(set(episodes["CHILD"])) & (sixteenth >= start)
    return oc3.loc[~never].reset_index(drop=True), oc3.loc[never]


def leading_zero_ids(returns: list[YearReturn]) -> dict[str, str]:
    """CHILD ids that lost their leading zeros, mapped to the spelling with them.

    A spreadsheet that reads a column of ids as numbers writes them with no leading zero
    (02000117 becomes 2000117), in one table or one year. So an all-digit id with no
    leading zero is the child whose id is the same digits after leading zeros, when exactly
    one such id is in the returns. Left as they are: two spellings that are both rows of one
    return's Header (two children: the authority's ids really differ so), a number matching
    several padded ids (which one is not known), and padded ids alone (``001`` and
    ``0001`` are not a spreadsheet's doing).

    >>> from pipeline.read.returns import YearReturn
    >>> h = pd.DataFrame({"CHILD": ["02000117", "0042", "042", "0005", "5"]})
    >>> e = pd.DataFrame({"CHILD": ["2000117", "02000117", "42", "A17", "017", "0017"]})
    >>> leading_zero_ids([YearReturn("2024-25", {"Header": h, "Episodes": e})])
    {'2000117': '02000117'}
    """
    spellings: set[str] = set()
    for r in returns:
        for df in [*r.tables.values(), r.attainment]:
            if df is not None and "CHILD" in df:
                spellings |= set(df["CHILD"].dropna().astype(str))
    padded: dict[str, list[str]] = {}
    for sp in spellings:
        if sp.isascii() and sp.isdigit() and sp.startswith("0") and sp.lstrip("0"):
            padded.setdefault(sp.lstrip("0"), []).append(sp)
    apart: set[str] = set()  # numbers with two spellings in one Header: two children
    for r in returns:
        h = r.tables.get("Header")
        if h is not None and "CHILD" in h:
            ids = set(h["CHILD"].dropna().astype(str))
            apart |= {n for n, pads in padded.items() if n in ids and ids & set(pads)}
    return {
        n: pads[0]
        for n, pads in padded.items()
        if len(pads) == 1 and n in spellings and n not in apart
    }


def restore_leading_zeros(returns: list[YearReturn]) -> tuple[list[YearReturn], list[Problem]]:
    """Every table's CHILD ids with the leading zeros a spreadsheet dropped put back.

    The rule is :func:`leading_zero_ids`'s; each file with ids changed is reported (the
    rows, never the ids). The returns are copied, never changed in place.
    """
    zeros = leading_zero_ids(returns)
    if not zeros:
        return returns, []
    problems: list[Problem] = []

    def fix(df: pd.DataFrame | None) -> pd.DataFrame | None:
        if df is None or "CHILD" not in df:
            return df
        hit = df["CHILD"].isin(zeros)
        if not hit.any():
            return df
        df = df.copy()
        df.loc[hit, "CHILD"] = df.loc[hit, "CHILD"].map(zeros)
        for f, part in _files(df, hit) if SOURCE_FILE in df else ():
            problems.append(
                Problem(
                    "warning",
                    f,
                    f"{len(part):,} row(s) give CHILD without the leading zeros the same "
                    "child's id has in other rows (a spreadsheet saved the ids as numbers): "
                    "matched to that child, as docs/validation.md says. Export CHILD as text",
                    "CHILD",
                    _rows(part),
                )
            )
        return df

    fixed = [
        replace(r, tables={n: fix(df) for n, df in r.tables.items()}, attainment=fix(r.attainment))
        for r in returns
    ]
    log.info("restored leading zeros of %d child id spelling(s)", len(zeros))
    return fixed, problems


# Tables whose rows are a child's, reported when the child has no Header row in any return.
# OC3 carries its own DOB (and its own rule, NEVER_LOOKED_AFTER); attainment is matched to
# the cohort by CHILD or UPN, and results of pupils outside it are not used.
WITHOUT_HEADER_CHECKED = tuple(n for n in schema.ALL_TABLES if n not in ("Header", "OC3"))


def without_header(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Rows of children with no Header row in any return read, file by file (warnings).

    Rule: the rows are used (an episode still says the child was looked after), and the
    child's age, sex and ethnicity are not known, as for a blank DOB: left out of every
    measure that needs an age, and counted as "Not known" in the breakdowns.
    """
    header = tables.get("Header")
    known = set(header["CHILD"]) if header is not None and "CHILD" in header else set()
    problems = []
    for name in WITHOUT_HEADER_CHECKED:
        df = tables.get(name)
        if df is None or df.empty or SOURCE_FILE not in df:
            continue
        for f, part in _files(df, ~df["CHILD"].isin(known)):
            problems.append(
                Problem(
                    "warning",
                    f,
                    f"{len(part):,} {name} row(s) of children with no Header row in any "
                    "return read: used, with the children's age, sex and ethnicity not known "
                    "(left out of every measure that needs an age). Add the children to "
                    "the Header file, with CHILD spelled as here",
                    "CHILD",
                    tuple(sorted(_rows(part))),  # stitched rows are in key order, not the file's
                )
            )
    return problems


def close_superseded_episodes(episodes: pd.DataFrame, latest_year: str) -> pd.DataFrame:
    """Close episodes left open in an older return that a later return supersedes.

    An episode open (DEC blank) in an older return that is not in the latest return cannot
    still be open. Rules (after liia-tools' "fix episodes" stage, written for this project):

    * the child's next episode is a new period of care (RNE S): DEC = the earlier of that
      year's 31 March and the day before the next DECOM; REC stays blank (reason unknown);
    * the child's next episode continues care: DEC = the next DECOM, REC = X1;
    * no next episode: DEC = 31 March of the older return's year; REC blank.

    Each changed row is marked in ``_fix``. Open episodes of the latest return stay open.

    >>> e = pd.DataFrame({"CHILD": ["a", "a", "b"],
    ...     "DECOM": pd.to_datetime(["2022-05-01", "2023-06-01", "2022-07-01"]),
    ...     "DEC": pd.to_datetime([None, None, None]), "RNE": ["S", "P", "S"],
    ...     "REC": ["", "", ""], "_year": ["2022-23", "2023-24", "2022-23"]})
    >>> out = close_superseded_episodes(e, "2023-24")
    >>> out["DEC"].dt.strftime("%Y-%m-%d").fillna("open").tolist(), out["REC"].tolist()
    (['2023-06-01', 'open', '2023-03-31'], ['X1', '', ''])
    """
    df = episodes.sort_values(["CHILD", "DECOM"], kind="stable").reset_index(drop=True)
    if FIX not in df.columns:
        df[FIX] = ""
    if df.empty:
        return df
    same_child_next = df["CHILD"].shift(-1) == df["CHILD"]
    next_decom = df["DECOM"].shift(-1).where(same_child_next)
    next_rne = df["RNE"].shift(-1).where(same_child_next)
    stale = df["DEC"].isna() & (df[YEAR] < latest_year)
    ye = df[YEAR].map(year_end)

    reentry = stale & same_child_next & (next_rne == "S")
    df.loc[reentry, "DEC"] = np.minimum(ye[reentry], next_decom[reentry] - timedelta(days=1))
    df.loc[reentry, FIX] = "closed: open in an older return, child re-entered care later"

    cont = stale & same_child_next & (next_rne != "S")
    df.loc[cont, "DEC"] = next_decom[cont]
    df.loc[cont, "REC"] = "X1"
    df.loc[cont, FIX] = "closed: open in an older return, superseded by the next episode"

    last = stale & ~same_child_next
    df.loc[last, "DEC"] = ye[last]
    df.loc[last, FIX] = "closed: open in an older return, child absent from later returns"
    n = int(stale.sum())
    if n:
        log.info("closed %d episode(s) left open in older returns", n)
    return df


def pseudonymise(values: pd.Series, key: bytes, kind: str = "CHILD") -> pd.Series:
    """Replace identifiers with a keyed hash (HMAC-SHA256), stable for one key.

    The same id gives the same pseudonym in every table and year, so tables still join;
    without the key the id cannot be recovered or confirmed by guessing. Blank stays blank,
    and so do the UPN codes that say it is not known (UN1-UN5).

    >>> p = pseudonymise(pd.Series(["001", "", "001", "002"]), b"k").tolist()
    >>> p[0] == p[2] != p[3], p[1], len(p[0]), "001" in p[0]
    (True, '', 20, False)
    """

    def one(v: str) -> str:
        if not v:
            return ""
        if kind == "UPN" and v in schema.UN_CODES:
            return v  # "not known, for this reason": shared by many, identifies no one
        return hmac.new(key, f"{kind}:{v}".encode(), hashlib.sha256).hexdigest()[:20]

    uniq = {v: one(v) for v in pd.unique(values.fillna("").astype(str))}
    return values.fillna("").astype(str).map(uniq)


@dataclass
class History:
    """Every table of one authority's stitched history, cleaned, with what was rejected."""

    tables: dict[str, pd.DataFrame]
    attainment: pd.DataFrame
    rejected: pd.DataFrame
    problems: list[Problem]
    years: list[str]
    files: list = field(default_factory=list)  # FileInfo of every file read
    repairs: list = field(default_factory=list)  # pipeline.clean.repairs.Repair, earlier returns


def build_history(returns: list[YearReturn], key: bytes, repair: bool = True) -> History:
    """Clean and stitch several years' returns into one pseudonymised history.

    Ids that lost their leading zeros in a spreadsheet are given them back first
    (:func:`restore_leading_zeros`); rows of children with no Header row in any return are
    reported once stitched (:func:`without_header`). With ``repair``, earlier returns'
    episodes that disagree are repaired by the written rules of :mod:`pipeline.clean.repairs`;
    the latest return is never changed by them.
    """
    problems = [p for r in returns for p in r.problems]
    repairs = []
    returns, zero_problems = restore_leading_zeros(returns)
    problems += zero_problems
    rejected_parts = []
    tables: dict[str, pd.DataFrame] = {}
    for name, table in schema.ALL_TABLES.items():
        cleaned = []
        for r in returns:
            if name in r.tables:
                c = clean_table(table, r.tables[name])
                problems.extend(c.problems)
                cleaned.append(c.table)
                if len(c.rejected):
                    rejected_parts.append(c.rejected.assign(_table=name))
        stitched, dup = stitch(cleaned, table)
        if len(dup):
            rejected_parts.append(dup.assign(_table=name))
            for f, part in dup.groupby(SOURCE_FILE):
                problems.append(
                    Problem(
                        "warning",
                        f,
                        f"{len(part)} row(s) repeat "
                        f"{'/'.join(table.key)} of another row: the later row "
                        "is used",
                        table.key[-1],
                        _rows(part),
                    )
                )
        if name == "Episodes" and returns:
            stitched = close_superseded_episodes(stitched, returns[-1].year)
            if repair:
                stitched, left_out, done = repair_episodes(stitched, returns[-1].year)
                repairs += done
                if len(left_out):
                    rejected_parts.append(left_out.assign(_table=name))
        tables[name] = stitched
    if returns and len(tables.get("OC3", ())):
        tables["OC3"], never = split_never_looked_after(tables, returns[0].year)
        if len(never):
            rejected_parts.append(never.assign(_table="OC3", _reason=NEVER_LOOKED_AFTER))
            for f, part in never.groupby(SOURCE_FILE, sort=True):
                problems.append(
                    Problem(
                        "warning",
                        f,
                        f"{len(part):,} OC3 row(s) for young people with no episode of care in "
                        f"any return read, though the returns cover them from age 16: not care "
                        "leavers, so left out of the care-leaver measures. Check CHILD",
                        "CHILD",
                        _rows(part),
                    )
                )
    problems += without_header(tables)
    attainment = pd.concat(
        [r.attainment for r in returns if r.attainment is not None]
        or [pd.DataFrame(columns=list(schema.ATTAINMENT_COLUMNS))],
        ignore_index=True,
    )
    rejected = (
        pd.concat(rejected_parts, ignore_index=True)
        if rejected_parts
        else pd.DataFrame(columns=["_table", "_reason", SOURCE_FILE, SOURCE_ROW])
    )
    # Pseudonymise last: every table and the rejected rows share one mapping.
    for name, df in tables.items():
        tables[name] = _pseudonymise_frame(df, key)
    attainment = _pseudonymise_frame(attainment, key)
    rejected = _pseudonymise_frame(rejected, key)
    files = [f for r in returns for f in r.files]
    years = [r.year for r in returns]
    return History(tables, attainment, rejected, problems, years, files, repairs)


def as_returned(returns: list[YearReturn], key: bytes, latest: int = 1) -> list[YearReturn]:
    """The ``latest`` returns as returned, for the data checks to read instead of the files.

    Every row as read (the ones cleaning rejects too), as text, so the checks see what the
    authority sent. Changed only so that it may be kept between stages like the cleaned
    tables: ids get their leading zeros back as :func:`build_history` gives them (so the checks
    link rows as the figures do) and are pseudonymised; whether a UPN is well formed and its
    check letter right are kept (``UPN__valid``, ``UPN__check_letter``: :mod:`pipeline.upn`)
    and the UPN pseudonymised; a postcode becomes :data:`GIVEN` (or blank), and
    columns that are not the 903's keep only their position (for the column checks).

    >>> from pipeline.read.returns import YearReturn
    >>> h = pd.DataFrame({"CHILD": ["7", " 7 ", ""], "UPN": ["B801200005001", "UN2", "X1"],
    ...                   "Name": ["Ann", "Bo", "Cy"]})
    >>> got = as_returned([YearReturn("2024-25", {"Header": h})], b"k")[0].tables["Header"]
    >>> list(got.columns)
    ['CHILD', 'UPN', 'column 3', 'UPN__valid', 'UPN__check_letter']
    >>> got["UPN__valid"].tolist(), got["UPN"][1], "X1" in got["UPN"][2]
    ([True, True, False], 'UN2', False)
    >>> got["CHILD"][0] == got["CHILD"][1] != "7", got["CHILD"][2], got["column 3"].tolist()
    (True, None, [None, None, None])
    >>> e = pd.DataFrame({"CHILD": ["7", "7"], "HOME_POST": ["ZX1 1AA", " "]})
    >>> as_returned([YearReturn("2024-25", {"Episodes": e})], b"k")[0].tables["Episodes"][
    ...     "HOME_POST"].tolist()
    ['(given)', None]
    """
    returns, _ = restore_leading_zeros(returns)
    out = []
    for ret in returns[-latest:] if latest else returns:
        tables = {}
        for name, raw in ret.tables.items():
            df = raw.copy()
            for col in DROPPED_COLUMNS:
                if col in df:  # whether it was given, never what
                    given = stripped(df[col]).notna().to_numpy()
                    df[col] = pd.Series(np.where(given, GIVEN, None), df.index, dtype=object)
            unknown = {
                c: f"column {i + 1}"
                for i, c in enumerate(raw.columns)
                if c not in schema.KNOWN_COLUMNS and c not in (SOURCE_FILE, SOURCE_ROW, YEAR)
            }
            df = df.assign(**{c: None for c in unknown}).rename(columns=unknown)
            if "CHILD" in df:
                df["CHILD"] = _pseudonymised_text(df["CHILD"], key, "CHILD")
            if "UPN" in df:
                text = stripped(df["UPN"])
                df["UPN__valid"] = text.map(upn.well_formed, na_action="ignore").astype(object)
                df["UPN__check_letter"] = text.map(
                    upn.check_letter_right, na_action="ignore"
                ).astype(object)
                df["UPN"] = _pseudonymised_text(df["UPN"], key, "UPN")
            tables[name] = df
        out.append(YearReturn(ret.year, tables))
    return out


def stripped(values: pd.Series) -> pd.Series:
    """Text as the checks read it: surrounding spaces removed, blank as null (None).

    >>> stripped(pd.Series([" a ", "", "  ", None, 3])).tolist()
    ['a', None, None, None, 3]
    """
    s = values.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
    return s.where(s.notna() & (s != ""), None)


def _pseudonymised_text(values: pd.Series, key: bytes, kind: str) -> pd.Series:
    text = stripped(values)
    return pseudonymise(text.fillna(""), key, kind).astype(object).where(text.notna(), None)


def _pseudonymise_frame(df: pd.DataFrame, key: bytes) -> pd.DataFrame:
    df = df.copy()
    if "CHILD" in df.columns:
        df["CHILD"] = pseudonymise(df["CHILD"], key, "CHILD")
    if "UPN" in df.columns:
        df["UPN"] = pseudonymise(df["UPN"], key, "UPN")
    return df


def as_date(d: date | pd.Timestamp) -> pd.Timestamp:
    """A date as a pandas Timestamp at midnight (for comparisons with cleaned columns)."""
    return pd.Timestamp(d).normalize()
