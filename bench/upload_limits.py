"""How long the upload step reads a hostile or a very large file, and the memory it adds (security review,
finding 10).

    python bench/upload_limits.py [--max-rows 20000]

Builds the review's two files (tests/upload_files.py): a CSV of 8 million two-byte rows just under the
16 MiB upload limit, and a workbook of 3 million rows in a few hundred KB; and, for scale, the largest
honest upload: a 20,000-row workbook (bench/imports.py's synthetic portfolio). Each is read as the upload
step reads it (imports.reading.scan_table: headers, a count up to the row limit, five rows kept), in a
fresh process with openpyxl already imported; prints one JSON object per file: outcome, seconds, and the
process's peak resident memory above what it held with the file's bytes loaded (VmHWM, reset just
before, against VmRSS).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> None:
    """Linux: the peak resident size starts again from the current one (reading the file had its own peak)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def measure(path: str, max_rows: int) -> dict:
    """Runs in the child process."""
    # Imported in the measured child: a web process has openpyxl loaded after its first workbook (about 30 MB).
    import openpyxl  # noqa: F401, PLC0415

    from marketplace.imports.reading import UnreadableFile, scan_table  # noqa: PLC0415 (counted in the child)

    data = Path(path).read_bytes()
    _reset_peak()
    before = _status_mb("VmRSS")
    start = time.perf_counter()
    try:
        scan = scan_table(data, max_rows=max_rows)
        outcome = f"read: {scan.total_rows} rows"
    except UnreadableFile as exc:
        outcome = f"refused: {exc}"
    seconds = time.perf_counter() - start
    peak = _status_mb("VmHWM")
    return {
        "file": Path(path).name,
        "bytes": len(data),
        "outcome": outcome,
        "seconds": round(seconds, 3),
        "extra_memory_mb": round(max(0.0, peak - before), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-rows", type=int, default=20_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.max_rows)))
        return 0

    sys.path.insert(0, str(ROOT / "bench"))
    from imports import portfolio  # noqa: PLC0415 (bench/imports.py, importable once bench/ is on the path)

    from tests.upload_files import huge_csv, zip_bomb  # noqa: PLC0415 (only the parent builds the files)

    scratch = Path(tempfile.mkdtemp(prefix="innomatch-upload-limits-"))
    files = [huge_csv(scratch / "8m-rows.csv"), zip_bomb(scratch / "3m-rows-bomb.xlsx")]
    honest = scratch / "20k-rows.xlsx"
    honest.write_bytes(portfolio(20_000))
    files.append(honest)
    for path in files:
        child = subprocess.run(
            [sys.executable, __file__, "--measure", str(path), "--max-rows", str(args.max_rows)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        print(child.stdout.strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
