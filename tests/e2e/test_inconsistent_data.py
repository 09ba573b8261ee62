"""Children in one table and not another, and an indicator that fails: rules, not crashes.

The faults found by feeding Z02's returns small changes (issue 18): an episode of a child in
no Header row of any year, and child ids whose leading zeros a spreadsheet dropped in one
table, both crashed stage 30 while ``corpar validate`` passed the data. The rules
(docs/validation.md, "Children missing from a table"):

* ids that differ only by leading zeros are one child, under the spelling with the zeros;
  each file whose ids were changed is a warning naming the file, CHILD and the rows;
* rows of a child with no Header row in any return are used, with age, sex and ethnicity
  not known, and each file with such rows is a warning naming the file, CHILD and the rows.

And an unexpected error inside one indicator stops the job with one line naming it.

Period 2025-26: S = 1 April 2025, E = 31 March 2026. Expected values are worked by hand.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline import cli, schema
from pipeline.clean.history import build_history, pseudonymise
from pipeline.measures.registry import IndicatorError, compute_all
from pipeline.orchestrate import jobs, kernel, stages
from pipeline.read.returns import read_history
from pipeline.spec.period import parse_period
from pipeline.spec.runspec import build_run_spec
from tests.conftest import corpar, fill_return, write_csv

PERIOD = "2025-26"
KEY = "test-key-not-secret-0123456789"  # conftest.corpar's
HEADER = list(schema.ALL_TABLES["Header"].columns)
EPISODES = list(schema.ALL_TABLES["Episodes"].columns)
SW = list(schema.ALL_TABLES["SWEpisodes"].columns)
IDS = ("02000117", "2000117", "02000473", "02000999")  # never in a published page


def episode(cid: str, decom: str) -> list[str]:
    return [cid, decom, "S", "C2", "N1", "U4", "PR1", "", "", "", "", "", "1"]


def write_return(raw: Path) -> Path:
    """One 2025-26 return with both faults.

    Header has 02000117 (born 7 Aug 2012: 13 at E) and 02000473 (born 18 Apr 2015: 10 at E,
    the 11th birthday falls after E). Episodes row 2 gives 02000117 as 2000117 (zeros
    dropped); row 4 is 02000999, in no Header. SWEpisodes row 2 is 02000473's social worker.
    """
    folder = raw / "999" / PERIOD
    write_csv(folder / "header.csv", HEADER, [
        ["02000117", "2", "07/08/2012", "WBRI", "", "", ""],
        ["02000473", "1", "18/04/2015", "WBRI", "", "", ""],
    ])  # fmt: skip
    write_csv(folder / "episodes.csv", EPISODES, [
        episode("2000117", "01/05/2025"),
        episode("02000473", "01/06/2025"),
        episode("02000999", "01/07/2025"),
    ])  # fmt: skip
    write_csv(folder / "sw_episodes.csv", SW, [["02000473", "18/04/2015", "SW1", "01/06/2025",
                                                "", ""]])  # fmt: skip
    return fill_return(folder, PERIOD)


ZEROS_WARNING = (
    "WARNING: 999/2025-26/episodes.csv, column CHILD, row 2: 1 row(s) give CHILD without the "
    "leading zeros the same child's id has in other rows (a spreadsheet saved the ids as "
    "numbers): matched to that child, as docs/validation.md says. Export CHILD as text"
)
NO_HEADER_WARNING = (
    "WARNING: 999/2025-26/episodes.csv, column CHILD, row 4: 1 Episodes row(s) of children "
    "with no Header row in any return read: used, with the children's age, sex and "
    "ethnicity not known (left out of every measure that needs an age). Add the children to "
    "the Header file, with CHILD spelled as here"
)


def test_ids_without_leading_zeros_are_the_child_with_them_and_reported(tmp_path):
    write_return(tmp_path)
    h = build_history(read_history(tmp_path / "999", PERIOD), KEY.encode())
    said = [str(p) for p in h.problems if p.column == "CHILD"]
    assert said == [ZEROS_WARNING, NO_HEADER_WARNING]
    # 2000117 is 02000117: its episode carries 02000117's pseudonym; nothing rejected
    want = pseudonymise(pd.Series(["02000117", "02000473", "02000999"]), KEY.encode())
    assert sorted(h.tables["Episodes"]["CHILD"]) == sorted(want)
    assert h.rejected.empty

    out = compute_all(h.tables, parse_period(PERIOD))
    parts = out.loc[out["indicator"] == "cla_at_end"].set_index("breakdown")["value"]
    # three children looked after at E; 02000999's age and sex are not known
    assert parts[""] == 3
    assert parts["Age band: 10 to 15"] == 2 and parts["Age band: Not known"] == 1
    assert parts["Sex: Female"] == parts["Sex: Male"] == parts["Sex: Not known"] == 1


def test_two_spellings_in_one_header_are_two_children(tmp_path):
    # 42 and 042 are both Header rows of one return: the authority's ids differ so.
    folder = tmp_path / "999" / PERIOD
    write_csv(folder / "header.csv", HEADER, [
        ["42", "1", "01/06/2015", "WBRI", "", "", ""],
        ["042", "2", "01/06/2016", "WBRI", "", "", ""],
    ])  # fmt: skip
    write_csv(folder / "episodes.csv", EPISODES, [episode("42", "01/05/2025"),
                                                  episode("042", "01/05/2025")])  # fmt: skip
    h = build_history(read_history(tmp_path / "999", PERIOD), KEY.encode())
    assert not [p for p in h.problems if p.column == "CHILD"]
    assert h.tables["Episodes"]["CHILD"].nunique() == 2


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> dict[str, Path]:
    """One real ``corpar validate`` of the return with both faults."""
    base = tmp_path_factory.mktemp("inconsistent")
    write_return(base / "raw")
    dirs = {k: base / k for k in ("raw", "ref", "p", "out")}
    dirs["ref"].mkdir()
    proc = corpar(
        "validate", "--la", "999", "--period", PERIOD,
        "--raw-dir", str(dirs["raw"]), "--reference-dir", str(dirs["ref"]),
        "--processed-dir", str(dirs["p"]), "--output-dir", str(dirs["out"]),
    )  # fmt: skip
    dirs["proc"] = proc
    return dirs


def test_validate_reports_both_and_the_indicators_stage_then_runs(checked):
    proc = checked["proc"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (checked["out"] / "999" / PERIOD / "data_quality.html").read_text()
    # each warning with its file, column and row count (the page holds counts, not rows)
    assert "the leading zeros the same child&#x27;s id has in other rows" in page
    assert "1 Episodes row(s) of children with no Header row in any return read" in page
    assert not [i for i in IDS if i in page + proc.stdout + proc.stderr]
    # the checks link rows as the figures do: only 02000999 (row 4) lacks a Header row
    v = json.loads((checked["p"] / "999" / PERIOD / "validation.json").read_text())
    int03 = [c for c in v["checks"] if c["check"] == "Episodes.header.present"]
    assert int03[0]["rows"] == {"999/2025-26/episodes.csv": [4]}
    # and the stage that crashed on this data runs: three children looked after at E
    spec = build_run_spec(
        "999", PERIOD, None, str(checked["raw"]), str(checked["ref"]), str(checked["p"]),
        str(checked["out"]),
    )  # fmt: skip
    current, _ = stages.indicators(spec)
    total = current.loc[(current["indicator"] == "cla_at_end") & (current["breakdown"] == "")]
    assert total["value"].tolist() == [3]


def _broken_social_worker_dates(processed: Path) -> None:
    """Processed SWEpisodes with SW_DECOM as text, not dates (a file changed by hand)."""
    path = processed / "999" / PERIOD / "tables" / "SWEpisodes.parquet"
    sw = pd.read_parquet(path)
    sw["SW_DECOM"] = sw["SW_DECOM"].dt.strftime("%d/%m/%Y")
    sw.to_parquet(path)


HEAD = "indicator sw_changes_2plus_pct (2025-26) could not be computed: TypeError: "
TAIL = (
    ". This is a fault in corpar, not in the data: report it with the executed "
    "30_indicators notebook (internal, under the processed folder), which holds the traceback"
)


def test_an_indicator_that_raises_is_named_in_one_line(checked, tmp_path):
    shutil.copytree(checked["p"], tmp_path / "p")
    _broken_social_worker_dates(tmp_path / "p")
    spec = build_run_spec(
        "999", PERIOD, None, str(checked["raw"]), str(checked["ref"]), str(tmp_path / "p"),
        str(tmp_path / "out"),
    )  # fmt: skip
    with pytest.raises(IndicatorError) as err:
        stages.indicators_computable(spec)
    text = str(err.value)
    assert text.startswith(HEAD) and text.endswith(TAIL) and "\n" not in text
    assert err.value.indicator == "sw_changes_2plus_pct"
    assert "01/06/2025" not in text and "2025-06-01" not in text  # no value of the row


def test_the_run_summary_names_the_failing_indicator_in_one_line(checked, tmp_path, capsys):
    # Stage 30's own notebook, run by papermill as a job runs it, on the broken file: the
    # analyst's summary (stderr) is one line naming the indicator, not a traceback.
    shutil.copytree(checked["p"], tmp_path / "p")
    _broken_social_worker_dates(tmp_path / "p")
    spec = build_run_spec("999", PERIOD, None, checked["raw"], checked["ref"],
                          tmp_path / "p", tmp_path / "out")  # fmt: skip
    job = jobs.Job(spec)
    result = jobs.JobResult(job.la_code, job.period)
    try:
        kernel.execute_notebook(
            "30_indicators",
            tmp_path / "30_indicators.ipynb",
            {"run_spec": spec.to_json()},
            "python3",
        )
    except Exception as exc:
        jobs._failed(job, result, "30_indicators", exc)
    assert cli._report([result], time.perf_counter()) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"999 2025-26: 30_indicators failed: IndicatorError: {HEAD}")
    assert lines[0].endswith(TAIL)
