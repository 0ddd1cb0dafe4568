"""`-o` through the command line: special files, early checks, hostile site ids."""

from __future__ import annotations

import ctypes
import os
import re
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fairwatt.cli.app import app

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX special files")

runner = CliRunner()

SITES = {
    '=HYPERLINK("http://evil.example","x")': "XX-US",
    "+cmd|' /C calc'!A0": "XX-US",
    "@SUM(1+1)": "XX-AZ",
    "-5": "XX-AZ",
    "a|b": "XX-AZ",
}


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@pytest.fixture
def inputs(tmp_path: Path) -> list[str]:
    """An audit of five sites whose ids are spreadsheet formulas or hold a ``|``."""
    log = tmp_path / "log.csv"
    log.write_text(
        "timestamp,site,energy_kwh\n"
        + "".join(
            f"2023-05-01T00:00:00+00:00,{quoted(s)},{100 * (i + 1)}\n" for i, s in enumerate(SITES)
        )
    )
    sites = tmp_path / "sites.csv"
    rows = "".join(f"{quoted(s)},{z},1.1,0.5\n" for s, z in SITES.items())
    sites.write_text("site,zone,pue,wue_l_per_kwh\n" + rows)
    factors = tmp_path / "factors.csv"
    factors.write_text(
        "zone,year,ewif_l_per_kwh,carbon_g_per_kwh\nXX-US,2023,3.1,400\nXX-AZ,2023,4.9,350\n"
    )
    return [str(log), "--sites", str(sites), "--factors", str(factors), "-q"]


def audit(inputs: list[str], *args: str) -> object:
    return runner.invoke(app, ["audit", *inputs, "--footprints", "carbon", *args])


def one_line_error(res: object) -> str:
    assert res.exit_code == 2, res.output  # type: ignore[attr-defined]
    lines = res.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("fairwatt: error: "), lines
    return str(lines[0])


def test_csv_site_ids_cannot_run_as_formulas(tmp_path: Path, inputs: list[str]) -> None:
    out = tmp_path / "out.csv"
    res = audit(inputs, "-o", str(out))
    assert res.exit_code == 0, res.stderr
    back = pd.read_csv(out, dtype={"site": str})
    assert set(back["site"]) == {
        """'=HYPERLINK("http://evil.example","x")""",
        "'+cmd|' /C calc'!A0",
        "'@SUM(1+1)",
        "-5",  # a number as text: left as it is
        "a|b",
    }
    assert sorted(back["energy_kwh"]) == [100, 200, 300, 400, 500]  # numbers untouched


def test_markdown_table_survives_a_pipe_in_a_site_id(tmp_path: Path, inputs: list[str]) -> None:
    out = tmp_path / "out.md"
    res = audit(inputs, "-o", str(out))
    assert res.exit_code == 0, res.stderr
    text = out.read_text()
    table = text.split("## footprint\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    borders = {len(re.findall(r"(?<!\\)\|", row)) for row in table}
    assert len(table) == 2 + len(SITES) and len(borders) == 1, table
    assert "| a\\|b |" in text and "| +cmd\\|' /C calc'!A0 |" in text


def test_symlink_keeps_the_link_and_the_mode(tmp_path: Path, inputs: list[str]) -> None:
    real = tmp_path / "reports" / "audit.csv"
    real.parent.mkdir()
    real.write_text("old\n")
    real.chmod(0o644)
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    res = audit(inputs, "-o", str(link))
    assert res.exit_code == 0, res.stderr
    assert link.is_symlink() and link.readlink() == real
    assert real.read_text().startswith("site,zone,energy_kwh")
    assert stat.S_IMODE(real.stat().st_mode) == 0o644
    assert [p.name for p in real.parent.iterdir()] == ["audit.csv"]


def test_fifo_is_written_into(tmp_path: Path, inputs: list[str]) -> None:
    fifo = tmp_path / "stream"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    res = audit(inputs, "-o", str(fifo))  # no extension: CSV, as on a pipe
    reader.join(timeout=60)
    assert res.exit_code == 0, res.stderr
    assert received and received[0].startswith("site,zone,energy_kwh")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_dev_null_and_dev_stdout(inputs: list[str]) -> None:
    if not stat.S_ISCHR(Path("/dev/null").stat().st_mode):
        pytest.skip("/dev/null is not a character device on this machine")
    res = audit(inputs, "-o", "/dev/null")
    assert res.exit_code == 0, res.stderr
    assert res.stdout == "" and stat.S_ISCHR(Path("/dev/null").stat().st_mode)
    res = audit(inputs, "-o", "/dev/stdout", "-f", "json")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith("{")


def test_a_socket_is_refused(tmp_path: Path, inputs: list[str]) -> None:
    import socket

    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        line = one_line_error(audit(inputs, "-o", str(path)))
    assert f"refusing to write to {path}: it is a socket" in line


def test_bad_output_folder_is_found_before_the_work(tmp_path: Path, inputs: list[str]) -> None:
    # without the AZ factors the audit itself would fail with exit 3: the output check,
    # which comes first, reports the folder instead
    Path(inputs[4]).write_text("zone,year,carbon_g_per_kwh\nXX-US,2023,400\n")
    assert audit(inputs, "-o", str(tmp_path / "ok.csv")).exit_code == 3  # type: ignore[attr-defined]
    (tmp_path / "file.txt").write_text("a file\n")
    line = one_line_error(audit(inputs, "-o", str(tmp_path / "file.txt" / "out.csv")))
    assert f"output folder is not a folder: {tmp_path / 'file.txt'}" in line
    line = one_line_error(audit(inputs, "-o", str(tmp_path / "missing" / "out.csv")))
    assert f"output folder does not exist: {tmp_path / 'missing'}" in line


def _without_dac_override() -> None:
    """In the child, before exec: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
    bounding set, so that root, too, is held to permission bits."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_unwritable_folder_is_one_line_and_exit_2(tmp_path: Path, inputs: list[str]) -> None:
    """A real permission error, in a real process: tests run as root, whom permission bits
    do not stop, so the child runs without the capability that overrides them."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    cmd = [sys.executable, "-m", "fairwatt", "audit", *inputs, "-o", str(folder / "out.csv")]
    preexec = _without_dac_override if os.geteuid() == 0 else None
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, preexec_fn=preexec)
    except subprocess.SubprocessError as exc:
        pytest.skip(f"cannot drop capabilities here: {exc}")
    finally:
        folder.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        f"fairwatt: error: cannot write in the output folder {folder}: Permission denied; "
        "choose another -o path"
    )
    assert list(folder.iterdir()) == []
