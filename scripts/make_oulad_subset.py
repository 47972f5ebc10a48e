"""Write the OULAD tables notebook 03 reads into notebooks/data/oulad/, xz-compressed.

Usage::

    .venv/bin/python scripts/make_oulad_subset.py /path/to/oulad [--out notebooks/data/oulad]

The source folder holds the four original CSV files (see
notebooks/data/oulad/README.md for where they come from); their SHA-256
must match ``SHA256SUMS.original`` in the output folder, so the subset is
always cut from the same release.  ``courses.csv`` and ``assessments.csv``
are kept byte for byte; of ``studentAssessment.csv`` and ``studentInfo.csv``
only the columns the notebook reads are kept, every row in the original
order, rewritten with the standard ``csv`` module (minimal quoting, LF line
endings).  Then ``SHA256SUMS`` is rewritten for the shipped files.

Run once when the kept columns change; the test suite checks the shipped
files against ``SHA256SUMS`` (tests/notebooks/test_oulad_data.py).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import lzma
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "notebooks" / "data" / "oulad"

#: Table → columns kept (None: the whole file, unchanged).
KEEP: dict[str, tuple[str, ...] | None] = {
    "courses.csv": None,
    "assessments.csv": None,
    # score is not read by the notebook.
    "studentAssessment.csv": ("id_assessment", "id_student", "date_submitted", "is_banked"),
    # Only the enrolment; the demographic columns are not read.
    "studentInfo.csv": ("code_module", "code_presentation", "id_student"),
}

# Preset 6 already holds each file in one dictionary (8 MiB); higher presets only cost memory to read.
XZ_PRESET = 6


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_sums(path: Path) -> dict[str, str]:
    """``name → hex digest`` of a ``sha256sum`` file."""
    sums = {}
    for line in path.read_text(encoding="ascii").splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.lstrip("*")] = digest
    return sums


def subset(data: bytes, columns: tuple[str, ...] | None) -> bytes:
    """The CSV bytes with only `columns` (all rows, original order); unchanged if None."""
    if columns is None:
        return data
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise SystemExit(f"columns {missing} are not in the source table")
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in reader:
        writer.writerow([row[c] for c in columns])
    return out.getvalue().encode("utf-8")


def build(source: Path, out: Path = OUT) -> dict[str, bytes]:
    """Shipped file name → compressed bytes, after checking the source against the original sums."""
    expected = read_sums(out / "SHA256SUMS.original")
    files = {}
    for name, columns in KEEP.items():
        data = (source / name).read_bytes()
        if sha256(data) != expected[name]:
            raise SystemExit(f"{source / name} is not the OULAD release recorded in SHA256SUMS.original")
        files[f"{name}.xz"] = lzma.compress(subset(data, columns), preset=XZ_PRESET)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("source", type=Path, help="folder with the four original OULAD CSV files")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    files = build(args.source, args.out)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
        print(f"{name}: {len(data):,} bytes")
    (args.out / "SHA256SUMS").write_text("".join(f"{sha256(d)}  {n}\n" for n, d in files.items()), encoding="ascii")


if __name__ == "__main__":
    main()
