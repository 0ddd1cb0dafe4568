"""-o with .tsv, .csv.gz and .tsv.gz: the same table, tab-separated and/or compressed."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from fairwatt.io.writers import resolve_format, write_report
from fairwatt.reporting.report import Report

FRAME = pd.DataFrame({"site": ["a\tb", "c"], "carbon_kg": [1.5, 2.25], "note": ["x,y", 'say "hi"']})


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("o.tsv", "tsv"),
        ("o.TSV", "tsv"),
        ("o.csv.gz", "csv"),
        ("o.tsv.gz", "tsv"),
        ("o.csv", "csv"),
    ],
)
def test_the_format_follows_the_whole_extension(name: str, fmt: str) -> None:
    assert resolve_format(name, None, stdout_is_terminal=False) == fmt


@pytest.mark.parametrize("name", ["o.tsv", "o.csv.gz", "o.tsv.gz"])
def test_files_read_back_as_the_table(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    fmt = resolve_format(str(path), None, stdout_is_terminal=False)
    write_report(Report("t", {"t": FRAME}), str(path), fmt)
    if name.endswith(".gz"):
        assert path.read_bytes()[:2] == b"\x1f\x8b"  # gzip magic number
        text = gzip.decompress(path.read_bytes()).decode()
    else:
        text = path.read_text()
    sep = "\t" if ".tsv" in name else ","
    assert text.splitlines()[0] == sep.join(FRAME.columns)
    back = pd.read_csv(path, sep=sep)  # pandas infers gzip from the extension
    pd.testing.assert_frame_equal(back, FRAME, check_dtype=False)


def test_compressed_output_is_reproducible(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv.gz", tmp_path / "b.csv.gz"
    write_report(Report("t", {"t": FRAME}), str(a), "csv")
    write_report(Report("t", {"t": FRAME}), str(b), "csv")
    assert a.read_bytes() == b.read_bytes()
