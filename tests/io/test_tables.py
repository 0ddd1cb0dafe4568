"""read_table: one missing-value rule for every table that is not an energy log."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pandas as pd
import pytest

from fairwatt.errors import InputError
from fairwatt.io.tables import first_row_number, read_table

TEXT = "zone,note,value\nNA,N/A,1\nDE,null,\nFR,nan,3\nUS,None,4\n"


def check_text_kept(df: pd.DataFrame) -> None:
    assert df["zone"].tolist() == ["NA", "DE", "FR", "US"]
    assert df["note"].tolist() == ["N/A", "null", "nan", "None"]
    assert df["value"].isna().tolist() == [False, True, False, False]  # only the empty cell


def test_csv_keeps_na_like_text(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text(TEXT)
    check_text_kept(read_table(p))


def test_gzip_and_txt(tmp_path: Path) -> None:
    gz = tmp_path / "t.csv.gz"
    gz.write_bytes(gzip.compress(TEXT.encode()))
    check_text_kept(read_table(str(gz)))
    txt = tmp_path / "t.txt"
    txt.write_text(TEXT)
    check_text_kept(read_table(txt))


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(TEXT))
    check_text_kept(read_table("-"))


def test_parquet(tmp_path: Path) -> None:
    p = tmp_path / "t.parquet"
    pd.DataFrame({"zone": ["NA", "DE"], "value": [1.0, 2.0]}).to_parquet(p)
    assert read_table(p)["zone"].tolist() == ["NA", "DE"]
    q = tmp_path / "t.pq"
    p.rename(q)
    assert len(read_table(q)) == 2


def test_first_row_number() -> None:
    assert first_row_number("a.csv") == 2  # the header is line 1
    assert first_row_number("a.parquet") == 1
    assert first_row_number("-") == 2


@pytest.mark.parametrize(
    ("name", "content", "pattern"),
    [
        ("missing.csv", None, r"missing\.csv: weights file not found"),
        ("t.xlsx", b"x", r"t\.xlsx: unknown weights file type '\.xlsx'"),
        ("t.parquet", b"not parquet", r"t\.parquet: cannot read the weights file as Parquet"),
        ("t.csv", b"", r"t\.csv: the weights file is empty"),
        ("t.csv", b'a,b\n"1,2\n', r"t\.csv: cannot read the weights file as CSV"),
        ("t.csv.gz", b"not gzip", r"t\.csv\.gz: cannot read the weights file as CSV"),
    ],
)
def test_errors_name_the_file(
    tmp_path: Path, name: str, content: bytes | None, pattern: str
) -> None:
    p = tmp_path / name
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(InputError, match=pattern):
        read_table(p, what="weights file")
