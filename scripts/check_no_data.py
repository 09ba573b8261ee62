"""Refuse commits of data files outside tests/ and of large files (a pre-commit hook).

    python scripts/check_no_data.py FILE [FILE ...]

Children's data must never enter git: CSV, Excel, parquet, XML and SPSS files may be
committed only under tests/ (synthetic test data), expectations/, config/ or docs/, and no
file over 1 MB may be committed at all. Exits 1, naming each refused file and why.
"""

from __future__ import annotations

import sys
from pathlib import Path

DATA_SUFFIXES = {".csv", ".xlsx", ".xls", ".parquet", ".xml", ".sav", ".zip"}
ALLOWED_DIRS = ("tests/", "expectations/", "config/", "docs/")
MAX_BYTES = 1_000_000


def problems(paths: list[str]) -> list[str]:
    """One line per file that must not be committed.

    >>> problems(["tests/fixtures/a.csv", "config/x.yml"])
    []
    >>> [line.split(": ")[0] for line in problems(["data/raw/806/2024-25/ep.csv"])]
    ['data/raw/806/2024-25/ep.csv']
    """
    out = []
    for p in paths:
        norm = Path(p).as_posix()
        if Path(p).suffix.lower() in DATA_SUFFIXES and not norm.startswith(ALLOWED_DIRS):
            out.append(
                f"{norm}: data files may only be committed under tests/, expectations/, "
                "config/ or docs/ (children's data never enters git)"
            )
        elif Path(p).is_file() and Path(p).stat().st_size > MAX_BYTES:
            out.append(f"{norm}: larger than 1 MB; large files do not belong in git")
    return out


def main(argv: list[str]) -> int:
    """Print every refusal; exit 1 when there is one."""
    found = problems(argv)
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
