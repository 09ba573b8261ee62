"""Shared test helpers: tiny hand-written 903 folders, the shared/ folder, the demo run."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corpar_synthetic import generator as synthetic
from pipeline import schema

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CORPAR_SHARED", ROOT.parent / "shared"))


# Session fixtures that run corpar end to end: the tests sharing one run it once.
_RUNS = ("demo", "small_authorities")


def pytest_itemcollected(item):
    """Under pytest-xdist, the tests sharing one of ``_RUNS`` go to one worker.

    ``make test`` runs a worker per core; a session fixture is made once per worker, so
    this keeps each end-to-end run to one. Marked as each test is collected, before
    xdist's ``loadgroup`` reads the marks.
    """
    used = [f for f in _RUNS if f in getattr(item, "fixturenames", ())]
    if used:
        item.add_marker(pytest.mark.xdist_group(used[0]))


@pytest.fixture(scope="session")
def shared() -> Path:
    """The project's shared/ folder (DfE reference tables, the dirty 903 fixture)."""
    if not (SHARED / "reference" / "dfe").is_dir():
        pytest.skip(
            f"needs the shared/ folder beside the checkout ({SHARED} is absent): "
            "DfE reference tables and the validator's fake 903 data live there"
        )
    return SHARED


def write_csv(
    path: Path, header: list[str], rows: list[list[str]], encoding="utf-8", newline="\n"
) -> Path:
    """Write a small CSV by hand (no pandas), as an authority's system would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header)] + [",".join(r) for r in rows]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def minimal_return(folder: Path, header_rows=None, episode_rows=None) -> Path:
    """A return with just Header and Episodes (the required tables)."""
    header_rows = (
        header_rows
        if header_rows is not None
        else [["001", "1", "01/06/2015", "WBRI", "A123456789012", "", ""]]
    )
    episode_rows = (
        episode_rows
        if episode_rows is not None
        else [
            [
                "001",
                "01/05/2024",
                "S",
                "C2",
                "N1",
                "U4",
                "PR1",
                "",
                "",
                "",
                "ZX1 1AA",
                "ZX2 2BB",
                "1000001",
            ]
        ]
    )
    write_csv(folder / "header.csv", list(schema.ALL_TABLES["Header"].columns), header_rows)
    write_csv(folder / "episodes.csv", list(schema.ALL_TABLES["Episodes"].columns), episode_rows)
    return folder


def fill_return(folder: Path, year: str) -> Path:
    """Every table of the year's return that the folder lacks, as its headings alone.

    A return holding some optional tables but not all is refused (a table lost in the
    export); a hand-made return with one optional table needs the rest, empty.
    """
    from pipeline.read.returns import read_year

    present = set(read_year(folder, year).tables)
    for name, t in schema.tables_for_year(year).items():
        if not t.required and name not in present:
            write_csv(folder / f"{name.lower()}.csv", list(t.columns), [])
    return folder


@pytest.fixture(scope="session")
def csv_form(tmp_path_factory) -> Path:
    """Synthetic authority Z01's returns as CSV (the generator's own form); read only."""
    root = tmp_path_factory.mktemp("csv")
    la = next(a for a in synthetic.AUTHORITIES if a.code == "Z01")
    synthetic.write_authority(la, root)
    return root


def xml_form(csv_root: Path, out: Path) -> Path:
    """Each year as one XML return; the tables XML does not carry stay as CSV beside it."""
    import shutil

    from pipeline.read.returns import read_year

    for year_dir in sorted((csv_root / "Z01").iterdir()):
        dest = out / "Z01" / year_dir.name
        dest.mkdir(parents=True)
        read = read_year(year_dir, year_dir.name)
        carried = {n: t for n, t in read.tables.items() if n not in ("SWEpisodes", "DoLo")}
        synthetic.write_xml_return(carried, dest / f"Z01 SSDA903 {year_dir.name}.xml")
        for f in read.files:
            if f.table in ("SWEpisodes", "DoLo", "attainment"):
                shutil.copy(csv_root / f.file, dest)
    return out


@pytest.fixture
def tiny_notebook(tmp_path, monkeypatch):
    """``write(name, *cell_sources)``: a notebook that ``execute_notebook(name, ...)`` runs.

    Written to a folder of its own, which the kernel module reads instead of notebooks/;
    the first cell is the parameters cell.
    """
    import nbformat

    from pipeline.orchestrate import kernel

    folder = tmp_path / "tiny-notebooks"
    folder.mkdir()
    monkeypatch.setattr(kernel, "NOTEBOOKS", folder)

    def write(name: str, *sources: str) -> None:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
        nb.cells[0].metadata["tags"] = ["parameters"]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}  # fmt: skip
        nbformat.write(nb, folder / f"{name}.ipynb")

    return write


def tree_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (to prove raw files are never modified)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def corpar(
    *args: str, env_extra: dict | None = None, timeout=900, cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    """Run the real ``corpar`` command line (from the repository, or ``cwd``).

    Away from the repository the project folder is ``cwd`` itself: ``CORPAR_PROJECT`` is
    not passed on.
    """
    env = {
        **os.environ,
        "CORPAR_PSEUDONYM_KEY": "test-key-not-secret-0123456789",
        **(env_extra or {}),
    }
    if cwd != ROOT:
        env.pop("CORPAR_PROJECT", None)
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> dict[str, Path]:
    """One real ``corpar demo`` run into temporary folders, shared by the end-to-end tests."""
    base = tmp_path_factory.mktemp("demo")
    dirs = {k: base / k for k in ("raw", "reference", "processed", "outputs")}
    proc = corpar(
        "demo",
        "--raw-dir",
        str(dirs["raw"]),
        "--reference-dir",
        str(dirs["reference"]),
        "--processed-dir",
        str(dirs["processed"]),
        "--output-dir",
        str(dirs["outputs"]),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    dirs["stdout"] = proc.stdout
    return dirs


# Small synthetic authorities for the disclosure tests of rendered pages: tiny (12 children
# looked after), small (180) and medium (320); the small and medium ones have attainment
# cohorts with 1 to 5 pupils achieving beside cohorts of 6 or more.
_NE = ("North East", "E12000001")
TINY = synthetic.SyntheticAuthority("Z90", "Tiny Vale", *_NE, 12, 40.0, 9090)
SMALL = synthetic.SyntheticAuthority("Z97", "Smallton", *_NE, 180, 55.0, 9797)
MEDIUM = synthetic.SyntheticAuthority("Z94", "Middleham", *_NE, 320, 70.0, 9494)
RENDER_PERIODS = ("2025-26", "2026-27-Q2")


@pytest.fixture(scope="session")
def small_authorities(tmp_path_factory) -> Path:
    """One real ``corpar run`` of every edition, both periods, for TINY, SMALL and MEDIUM.

    One command for the three (six jobs on the pool's warm workers) rather than one each:
    the disclosure tests of rendered pages and the repair tests share it.
    """
    base = tmp_path_factory.mktemp("small-authorities")
    raw, ref = base / "raw", base / "reference"
    synthetic.generate(raw, ref, ["Z01"])  # the reference tables; Z01's own files are unused
    for la in (TINY, SMALL, MEDIUM):
        synthetic.write_authority(la, raw)
    # MEDIUM's earlier returns disagree (tests/unit/test_repairs.py): the rules undo the faults,
    # so its figures are the same and its pages must say what was repaired.
    add_history_faults(raw / MEDIUM.code)
    proc = corpar(
        "run", "--la", TINY.code, SMALL.code, MEDIUM.code, "--period", *RENDER_PERIODS,
        "--raw-dir", str(raw), "--reference-dir", str(ref),
        "--processed-dir", str(base / "processed"), "--output-dir", str(base / "outputs"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return base


# -- faults of an imperfect history (pipeline/clean/repairs.py) -----------------------------------
def _episodes_file(year_dir: Path) -> Path:
    for f in sorted(year_dir.iterdir()):
        head = f.read_text(encoding="utf-8-sig").split("\n", 1)[0].upper()
        if "DECOM" in head and "RNE" in head:
            return f
    raise AssertionError(f"no Episodes file in {year_dir}")


def _heading(name: str) -> str:
    return name.strip().upper()


def _read_rows(path: Path) -> tuple[list[str], list[dict]]:
    """The file's headings as written, and its rows keyed by the 903 heading."""
    import csv

    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    fields = rows[0]
    return fields, [{_heading(k): v for k, v in zip(fields, r, strict=False)} for r in rows[1:]]


def _write_rows(path: Path, fields: list[str], rows: list[dict]) -> None:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(fields)
        w.writerows([[r.get(_heading(k), "") for k in fields] for r in rows])


def _day(text: str):
    from datetime import datetime

    return datetime.strptime(text, "%d/%m/%Y").date()


def add_history_faults(la_dir: Path, overlap_years=("2021-22", "2022-23"), extra_year="2020-21"):
    """Faults of already-submitted returns, each one the repair rules undo exactly.

    In each of ``overlap_years`` one episode that ends on the day the child's next episode
    starts is made to end 10 days later (an overlap), choosing episodes no later return
    repeats (so the faulty row is the one used). In ``extra_year`` an episode that ends 3
    days before it starts is added for a child, starting the day after one of the child's
    episodes of more than 5 days starts (so, unrepaired, that one overlaps it). Returns
    ``{year: (rule, rows)}``, worked out here from the definitions: shortening the overlap
    gives back the original end, and leaving out the backwards episode gives back the
    original history.
    """
    from datetime import timedelta

    years = sorted(p.name for p in la_dir.iterdir() if p.is_dir())
    expected = {}
    for year in overlap_years:
        path = _episodes_file(la_dir / year)
        fields, rows = _read_rows(path)
        later = set()
        for y in years[years.index(year) + 1 :]:
            later |= {(r["CHILD"], r["DECOM"]) for r in _read_rows(_episodes_file(la_dir / y))[1]}
        by_child: dict[str, list[dict]] = {}
        for r in rows:
            by_child.setdefault(r["CHILD"], []).append(r)
        done = False
        for eps in by_child.values():
            eps.sort(key=lambda r: _day(r["DECOM"]))
            for a, b in zip(eps, eps[1:], strict=False):
                if (
                    a["DEC"] == b["DECOM"]
                    and b["DEC"]
                    and (a["CHILD"], a["DECOM"]) not in later
                    and (b["CHILD"], b["DECOM"]) not in later
                    and _day(b["DEC"]) > _day(b["DECOM"]) + timedelta(days=10)
                ):
                    a["DEC"] = (_day(a["DEC"]) + timedelta(days=10)).strftime("%d/%m/%Y")
                    done = True
                    break
            if done:
                break
        assert done, f"no episode to make overlap in {year}"
        _write_rows(path, fields, rows)
        expected[year] = ("history.Episodes.overlap_shortened", 1)
    path = _episodes_file(la_dir / extra_year)
    fields, rows = _read_rows(path)
    base = next(r for r in rows if r["DEC"] and _day(r["DEC"]) > _day(r["DECOM"]) + timedelta(5))
    start = _day(base["DECOM"]) + timedelta(days=1)
    extra = {**base, "DECOM": start.strftime("%d/%m/%Y")}
    extra["DEC"] = (start - timedelta(days=3)).strftime("%d/%m/%Y")
    _write_rows(path, fields, [*rows, extra])
    expected[extra_year] = ("history.Episodes.ends_before_start_removed", 1)
    return expected
