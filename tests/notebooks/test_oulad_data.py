"""The OULAD tables shipped for notebook 03: listed, intact, and cut as their README says."""

from __future__ import annotations

import csv
import hashlib
import io
import lzma
from pathlib import Path

import pytest

from tests.scripts import load_script

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "notebooks" / "data" / "oulad"
GENERATOR = load_script("make_oulad_subset")
SHIPPED = GENERATOR.read_sums(DATA / "SHA256SUMS")
ORIGINAL = GENERATOR.read_sums(DATA / "SHA256SUMS.original")


def test_every_shipped_file_is_listed_with_its_checksum():
    present = {p.name for p in DATA.iterdir()} - {"README.md", "SHA256SUMS", "SHA256SUMS.original"}
    assert present == set(SHIPPED)
    for name, digest in SHIPPED.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize(("table", "columns"), GENERATOR.KEEP.items(), ids=list(GENERATOR.KEEP))
def test_each_table_is_the_original_or_its_stated_columns(table, columns):
    data = lzma.decompress((DATA / f"{table}.xz").read_bytes())
    if columns is None:
        assert hashlib.sha256(data).hexdigest() == ORIGINAL[table]  # byte for byte the release
    else:
        header = next(csv.reader(io.StringIO(data.decode("utf-8"))))
        assert tuple(header) == columns
        assert f"`{table}.xz`" in (DATA / "README.md").read_text(encoding="utf-8")
