"""Every figure declares the columns it reads (pipeline/measures/reads.yml).

data_quality.html names, for each failed check, the figures that read the column it failed
on. A figure that reads a column without declaring it would go unnamed beside a problem
that changes it. So each column of a real cleaned history (the demo's Z03, 640 children)
is shuffled among its rows in turn, every indicator is computed again, and any figure that
moves must declare the column (a shuffled CHILD moves every reader of its table). The
converse is not asked: a shuffle can leave a figure that reads a column unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.measures.registry import READS, compute_all
from pipeline.spec.period import parse_period

CODE, PERIOD = "Z03", "2025-26"


def _figures(tables, period) -> dict:
    out = compute_all(tables, period, {y: 100_000.0 for y in range(2010, 2031)})
    return {
        (r.indicator, r.breakdown): tuple(
            None if pd.isna(v) else round(float(v), 9)
            for v in (r.numerator, r.denominator, r.value)
        )
        for r in out.itertuples()
    }


def _declares(indicator: str, table: str, column: str) -> bool:
    reads = READS[indicator]
    if column == "CHILD":
        return any(r.startswith(f"{table}.") for r in reads)
    return f"{table}.{column}" in reads


@pytest.mark.slow
def test_a_figure_moves_only_with_a_column_it_declares(demo):
    folder = demo["processed"] / CODE / PERIOD / "tables"
    tables = {f.stem: pd.read_parquet(f) for f in sorted(folder.glob("*.parquet"))}
    period = parse_period(PERIOD)
    before = _figures(tables, period)
    rng = np.random.default_rng(903)
    undeclared, shuffled = [], 0
    for name, frame in tables.items():
        for column in [c for c in frame.columns if not c.startswith("_")]:
            if frame[column].nunique(dropna=False) < 2:
                continue  # nothing to shuffle
            shuffled += 1
            changed = frame.copy()
            changed[column] = rng.permutation(changed[column].to_numpy())
            after = _figures({**tables, name: changed}, period)
            moved = {k[0] for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
            undeclared += [f"{i} moves with {name}.{column}" for i in sorted(moved)
                           if not _declares(i, name, column)]  # fmt: skip
    assert shuffled >= 40  # the history has the tables and columns to try
    assert undeclared == []
