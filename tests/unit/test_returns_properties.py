"""Property-based tests (hypothesis) of reading and stitching: any input, nothing lost.

Reader: any table of text (commas, quotes, accents, spaces, "NA", formula-like values) that
Excel or another tool writes as CSV, in UTF-8 with or without a byte-order mark or in
Windows-1252, reads back cell for cell (values stripped, wholly blank rows dropped), with
each row's spreadsheet row number, and the file is never modified.

Stitching: whatever the years and rows, every key ends up once, from the latest return
that holds it; every row that is not used is either a counted duplicate within a return or
superseded by a later return; row order changes nothing. Closing episodes left open in an
older return leaves only the latest return's episodes open, never ends an episode before
it starts, and never makes an episode overlap the child's next.

Linking (docs/validation.md, "Children missing from a table"): whichever rows of whichever
table lose their CHILD's leading zeros (a spreadsheet saving ids as numbers), every row stays
its child's, exactly those rows are reported, and no figure changes; rows of children left
out of Header are reported, file by file, with exactly their rows.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import date, timedelta

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import schema
from pipeline.clean.history import FIX, build_history, close_superseded_episodes, stitch
from pipeline.measures.registry import compute_all
from pipeline.read.returns import SOURCE_FILE, SOURCE_ROW, YearReturn, read_csv_file
from pipeline.spec.period import parse_period

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COLUMNS = list(schema.ALL_TABLES["Missing"].columns)

# Characters analysts' files really hold: separators and quotes, accented letters (in
# Windows-1252 too, so every encoding can hold them), spaces to strip. Not "’" or "£": in
# Windows-1252 they are bytes that can follow an accented letter's byte to form valid UTF-8
# ("é’’" is a Chinese character), an ambiguity no reader can resolve from the bytes alone.
cell_text = st.text(
    alphabet=st.sampled_from(list("ab019 ,;\"'=+-@/.éëÉ")), min_size=0, max_size=8
) | st.sampled_from(["", "NA", "N/A", "null", '=HYPERLINK("x")', " 001 ", "0"])


@st.composite
def grids(draw):
    n_rows = draw(st.integers(0, 12))
    rows = [[draw(cell_text) for _ in COLUMNS] for _ in range(n_rows)]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    return rows, encoding, newline


@SETTINGS
@given(grids())
def test_any_csv_reads_back_cell_for_cell_with_its_row_numbers(tmp_path_factory, grid):
    rows, encoding, newline = grid
    path = tmp_path_factory.mktemp("csv") / "missing.csv"
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, lineterminator=newline)
        w.writerow(COLUMNS)
        w.writerows(rows)
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    df, _, problems = read_csv_file(path, "missing.csv")

    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    expected = [
        (i + 2, [v.strip() for v in r]) for i, r in enumerate(rows) if any(v.strip() for v in r)
    ]
    assert df is not None, problems
    assert list(df.columns) == [*COLUMNS, SOURCE_ROW, SOURCE_FILE]
    got = [(int(r[SOURCE_ROW]), [r[c] for c in COLUMNS]) for _, r in df.iterrows()]
    assert got == expected
    assert all(p.severity == "warning" for p in problems)
    non_ascii = any(not v.isascii() for r in rows for v in r)
    assert any("not UTF-8" in p.message for p in problems) == (encoding == "cp1252" and non_ascii)


# -- stitching ----------------------------------------------------------------------------

YEARS = ["2022-23", "2023-24", "2024-25"]
MISSING = schema.ALL_TABLES["Missing"]  # keyed by CHILD and MIS_START, one per episode
OC3 = schema.ALL_TABLES["OC3"]  # per year: every year's rows are kept


@st.composite
def returns(draw, table):
    """Several years' cleaned rows of ``table``, keys drawn from a small pool to collide."""
    frames = []
    for year in draw(st.lists(st.sampled_from(YEARS), min_size=1, max_size=3, unique=True)):
        n = draw(st.integers(0, 6))
        rows = []
        for i in range(n):
            row = {c: draw(st.sampled_from(["x", "y", "z"])) for c in table.columns}
            row["CHILD"] = draw(st.sampled_from(["a", "b", "c"]))
            if len(table.key) > 1:
                row[table.key[1]] = draw(st.sampled_from(["k1", "k2"]))
            row["_year"] = year
            row[SOURCE_ROW] = i + 2
            rows.append(row)
        frames.append(pd.DataFrame(rows, columns=[*table.columns, "_year", SOURCE_ROW]))
    return frames


def _ids(df: pd.DataFrame) -> set[tuple[str, int]]:
    if df.empty:
        return set()
    return set(zip(df["_year"], df[SOURCE_ROW].astype(int), strict=True))


@SETTINGS
@given(returns(MISSING), st.randoms(use_true_random=False))
def test_stitching_keeps_each_key_once_from_the_latest_return_and_loses_no_row(frames, rnd):
    everything = pd.concat(frames, ignore_index=True)
    out, rejected = stitch([f.copy() for f in frames], MISSING)
    key = list(MISSING.key)

    # each key once, and from the latest year that holds it
    assert not out.duplicated(key).any()
    assert set(map(tuple, out[key].to_numpy())) == set(map(tuple, everything[key].to_numpy()))
    latest = everything.groupby(key)["_year"].max()
    for r in out.to_dict("records"):
        assert r["_year"] == latest[(r["CHILD"], r["MIS_START"])]
        # within a return, the later row of a repeated key is the one used
        same = everything.loc[
            (everything["CHILD"] == r["CHILD"])
            & (everything["MIS_START"] == r["MIS_START"])
            & (everything["_year"] == r["_year"])
        ]
        assert r[SOURCE_ROW] == same[SOURCE_ROW].max()
    # nothing lost: every row is used, a counted duplicate, or superseded by a later return
    used, dup = _ids(out), _ids(rejected)
    assert not used & dup
    assert len(rejected) == int(everything.duplicated([*key, "_year"], keep="last").sum())
    for r in everything.to_dict("records"):
        rid = (r["_year"], r[SOURCE_ROW])
        if rid not in used | dup:
            assert latest[(r["CHILD"], r["MIS_START"])] > rid[0]  # superseded later

    # the order of returns and of rows changes nothing ("later" is by spreadsheet row)
    shuffled = [f.sample(frac=1, random_state=rnd.randint(0, 99)) for f in frames]
    rnd.shuffle(shuffled)
    out2, rejected2 = stitch(shuffled, MISSING)
    norm = ["CHILD", "MIS_START", "_year"]
    assert (
        out2.sort_values(norm)
        .reset_index(drop=True)
        .equals(out.sort_values(norm).reset_index(drop=True))
    )
    assert _ids(rejected2) == dup


@SETTINGS
@given(returns(OC3))
def test_yearly_tables_keep_every_years_rows(frames):
    everything = pd.concat(frames, ignore_index=True)
    out, rejected = stitch([f.copy() for f in frames], OC3)
    assert len(out) + len(rejected) == len(everything)
    assert not out.duplicated(["CHILD", "_year"]).any()
    assert set(zip(out["CHILD"], out["_year"], strict=True)) == set(
        zip(everything["CHILD"], everything["_year"], strict=True)
    )


@st.composite
def episode_returns(draw):
    """Stitched episodes of 1-4 children over three returns; some left open in older ones.

    Each episode sits in the return of the year it starts in or a later one (a return holds
    the episodes open during its year), and starts on or before that return's 31 March.
    """
    rows = []
    for i in range(draw(st.integers(1, 4))):
        d = date(2022, 4, 1) + timedelta(days=draw(st.integers(0, 300)))
        for _ in range(draw(st.integers(1, 4))):
            year_of_start = next(y for y in YEARS if d <= date(int(y[:4]) + 1, 3, 31))
            later = YEARS[YEARS.index(year_of_start) :]
            year = draw(st.sampled_from(later))
            open_ = draw(st.booleans())
            length = draw(st.integers(1, 200))
            dec = None if open_ else d + timedelta(days=length)
            rows.append(
                {
                    "CHILD": f"c{i}",
                    "DECOM": pd.Timestamp(d),
                    "DEC": pd.Timestamp(dec) if dec else pd.NaT,
                    "RNE": draw(st.sampled_from(["S", "P", "L", "T", "U", "B"])),
                    "REC": "" if dec is None else draw(st.sampled_from(["X1", "E11", "E13"])),
                    "_year": year,
                }
            )
            d = d + timedelta(days=length + draw(st.integers(0, 60)))
            if d > date(2025, 3, 31):
                break
    return pd.DataFrame(rows)


@SETTINGS
@given(episode_returns())
def test_closing_stale_episodes_leaves_a_consistent_history(eps):
    latest = max(eps["_year"])
    out = close_superseded_episodes(eps.copy(), latest)
    assert len(out) == len(eps)
    # only the latest return's episodes may still be open
    assert (out.loc[out["DEC"].isna(), "_year"] == latest).all()
    # rows that were already closed, or open in the latest return, are untouched
    merged = out.merge(eps, on=["CHILD", "DECOM"], suffixes=("", "_in"))
    kept = merged.loc[merged[FIX] == ""]
    assert kept["DEC"].equals(kept["DEC_in"]) and kept["REC"].equals(kept["REC_in"])
    fixed = merged.loc[merged[FIX] != ""]
    assert fixed["DEC_in"].isna().all() and (fixed["_year"] < latest).all()
    # a closed episode never ends before it starts, nor after the child's next one starts
    assert (fixed["DEC"] >= fixed["DECOM"]).all()
    s = out.sort_values(["CHILD", "DECOM"])
    nxt = s.groupby("CHILD")["DECOM"].shift(-1)
    changed = s[FIX] != ""
    assert (s.loc[changed & nxt.notna(), "DEC"] <= nxt[changed & nxt.notna()]).all()


# -- linking a child's rows across tables ---------------------------------------------------

LINK_YEAR = "2024-25"
# Each example cleans two returns and computes every indicator twice: fewer of them.
LINK_SETTINGS = settings(SETTINGS, max_examples=25)
LINK_TABLES = ("Header", "Episodes", "OC2")


def _text_table(name: str, rows: list[dict]) -> pd.DataFrame:
    """A table as the reader gives it: every cell text, with its file and spreadsheet row."""
    cols = list(schema.ALL_TABLES[name].columns)
    df = pd.DataFrame([{c: r.get(c, "") for c in cols} for r in rows], columns=cols, dtype="str")
    df[SOURCE_ROW] = range(2, len(df) + 2)
    df[SOURCE_FILE] = f"999/{LINK_YEAR}/{name.lower()}.csv"
    df["_year"] = LINK_YEAR
    return df


@st.composite
def linked_returns(draw):
    """One return of 1-5 children with zero-padded ids, in Header, Episodes and OC2.

    Also drawn: which rows of each table lose their ids' leading zeros, and which children
    are left out of Header.
    """
    numbers = draw(st.lists(st.integers(1, 9999), min_size=1, max_size=5, unique=True))
    rows: dict[str, list[dict]] = {t: [] for t in LINK_TABLES}
    for n in numbers:
        cid = "0" * draw(st.integers(1, 3)) + str(n)
        dob = date(2008, 1, 1) + timedelta(days=draw(st.integers(0, 3000)))
        rows["Header"].append(
            {"CHILD": cid, "SEX": draw(st.sampled_from(["1", "2"])),
             "DOB": dob.strftime("%d/%m/%Y"), "ETHNIC": "WBRI"}
        )  # fmt: skip
        start = date(2021, 1, 1) + timedelta(days=draw(st.integers(0, 1000)))
        for k in range(draw(st.integers(1, 2))):
            rows["Episodes"].append(
                {"CHILD": cid, "DECOM": (start + timedelta(days=400 * k)).strftime("%d/%m/%Y"),
                 "RNE": "S" if k == 0 else "P", "LS": "C2", "CIN": "N1", "PLACE": "U4",
                 "DEC": "" if k else (start + timedelta(days=400)).strftime("%d/%m/%Y"),
                 "REC": "" if k else "X1", "URN": str(k)}
            )  # fmt: skip
            if draw(st.booleans()):  # one episode: the period of care continues, or not
                break
        if rows["Episodes"][-1]["DEC"]:
            rows["Episodes"][-1]["DEC"], rows["Episodes"][-1]["REC"] = "", ""
        if draw(st.booleans()):
            rows["OC2"].append(
                {"CHILD": cid, "HEALTH_ASSESSMENT": draw(st.sampled_from(["1", "0", ""])),
                 "SDQ_SCORE": draw(st.sampled_from(["", "12", "20"]))}
            )  # fmt: skip
    stripped = {t: [draw(st.booleans()) for _ in rows[t]] for t in LINK_TABLES}
    return rows, stripped


def _history(rows: dict[str, list[dict]]):
    ret = YearReturn(LINK_YEAR, {t: _text_table(t, r) for t, r in rows.items()})
    return build_history([ret], b"k" * 32)


@LINK_SETTINGS
@given(linked_returns())
def test_ids_that_lost_leading_zeros_stay_their_childs_and_change_no_figure(drawn):
    rows, stripped = drawn
    lost = {
        t: [dict(r, CHILD=r["CHILD"].lstrip("0")) if s else r for r, s in zip(rows[t],
            stripped[t], strict=True)]
        for t in LINK_TABLES
    }  # fmt: skip
    before, after = _history(rows), _history(lost)
    period = parse_period(LINK_YEAR)
    pd.testing.assert_frame_equal(
        compute_all(before.tables, period), compute_all(after.tables, period)
    )
    # A child whose every row lost its zeros has no padded spelling left: one child all the
    # same, under another id. Otherwise exactly the rows that lost them are reported.
    padded_somewhere = {
        r["CHILD"].lstrip("0")
        for t in LINK_TABLES
        for r, s in zip(rows[t], stripped[t], strict=True)
        if not s
    }
    for t in LINK_TABLES:
        want = [
            i + 2
            for i, (r, s) in enumerate(zip(rows[t], stripped[t], strict=True))
            if s and r["CHILD"].lstrip("0") in padded_somewhere
        ]
        got = [
            p.rows for p in after.problems if p.file.endswith(f"/{t.lower()}.csv")
            and "leading zeros" in p.message
        ]  # fmt: skip
        assert got == ([tuple(want)] if want else []), t
    assert after.rejected.empty


@LINK_SETTINGS
@given(linked_returns(), st.randoms(use_true_random=False))
def test_rows_of_children_left_out_of_header_are_reported_with_exactly_their_rows(drawn, rnd):
    rows, _ = drawn
    left_out = {r["CHILD"] for r in rows["Header"] if rnd.random() < 0.5}
    kept = {**rows, "Header": [r for r in rows["Header"] if r["CHILD"] not in left_out]}
    h = _history(kept)
    for t in ("Episodes", "OC2"):
        want = [i + 2 for i, r in enumerate(rows[t]) if r["CHILD"] in left_out]
        got = [p.rows for p in h.problems if "no Header row" in p.message
               and p.file.endswith(f"/{t.lower()}.csv")]  # fmt: skip
        assert got == ([tuple(want)] if want else []), t
    # still looked after: every child's episodes are used
    assert len(h.tables["Episodes"]) == len(rows["Episodes"])
