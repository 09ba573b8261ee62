"""``run.json``: what was run, on what, with what, how long (no row-level content)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from pipeline import io, resources
from pipeline.orchestrate.provenance import versions
from pipeline.read.returns import sha256_file
from pipeline.spec.runspec import RunSpec

log = logging.getLogger(__name__)


def write_manifest(
    spec: RunSpec, editions: list[str], timings: dict[str, float], fp: str = ""
) -> None:
    """``outputs/<la>/<period>/run.json``: what was run, on what, with what, how long.

    Input files are named relative to the raw folder with their sha256, so a figure can be
    traced to the exact files; no row-level content is written.
    """
    record, checks = io.read_record(spec), io.read_checks(spec)
    manifest = {
        "la_code": spec.la_code,
        "authority": spec.authority.name,
        "period": spec.period.label,
        "period_start": spec.period.start.isoformat(),
        "period_end": spec.period.end.isoformat(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "editions": sorted(editions),
        "outputs": sorted(p.name for p in spec.output_dir.iterdir() if p.is_file()) + ["run.json"],
        # What a later run checks before it skips: each published file as this run left it.
        "output_sha256": {
            p.name: sha256_file(p) for p in sorted(spec.output_dir.iterdir()) if p.is_file()
        },
        "inputs": [
            f.model_dump(include={"file", "sha256", "table", "rows", "encoding"})
            for f in record.files
        ],
        "years_read": record.years_read,
        "checks": {
            "errors": record.errors,
            "warnings": record.warnings,
            "rejected_rows": record.rejected,
        },
        "data_checks": checks.summary if checks else {},
        "settings": {
            "suppress_min": spec.settings.suppress_min,
            "suppress_max": spec.settings.suppress_max,
            "trend_years": spec.settings.trend_years,
        },
        "versions": dict(versions()),
        # None for an installed package, which has no commit; "code" says which it was.
        "git_commit": resources.git_commit(),
        "code": resources.code_description(versions().get("corpar", "")),
        "fingerprint": fp,
        "timings_seconds": timings,
    }
    io.write_public_bytes(
        io.output_file(spec, "run.json"), json.dumps(manifest, indent=1).encode("utf-8")
    )
