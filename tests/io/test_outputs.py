"""Where output files go: symbolic links, FIFOs, devices, modes, early checks, signals."""

from __future__ import annotations

import errno
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fairwatt.errors import InputError
from fairwatt.io.outputs import atomic_path, check_output_path, is_stdout

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX files and signals")


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def write(target: str | Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_stdout_names() -> None:
    for name in (None, "-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"):
        assert is_stdout(name), name
    for name in ("/dev/stderr", "/dev/fd/12", "out.csv", "/dev/null"):
        assert not is_stdout(name), name


def test_new_file_respects_the_umask(tmp_path: Path, umask: None) -> None:
    write(tmp_path / "a.csv", "a\n")
    assert stat.S_IMODE((tmp_path / "a.csv").stat().st_mode) == 0o644
    os.umask(0o077)
    write(tmp_path / "b.csv", "b\n")
    assert stat.S_IMODE((tmp_path / "b.csv").stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []


def test_replaced_file_keeps_its_mode(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    for mode in (0o644, 0o640, 0o444):
        target.chmod(mode)
        write(target, f"new {mode:o}\n")
        assert target.read_text() == f"new {mode:o}\n"
        assert stat.S_IMODE(target.stat().st_mode) == mode


def test_symlink_target_is_replaced_and_the_link_kept(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "out.csv"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    check_output_path(str(link))
    write(link, "new\n")
    assert link.is_symlink() and link.readlink() == real
    assert real.read_text() == "new\n" and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "real") == []


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "made.csv")
    write(link, "x\n")
    assert link.is_symlink() and (tmp_path / "made.csv").read_text() == "x\n"


def test_fifo_is_written_straight_into(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    check_output_path(str(fifo))
    write(fifo, "a,b\n1,2\n")
    reader.join(timeout=30)
    assert received == [b"a,b\n1,2\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still a FIFO, not replaced
    assert leftovers(tmp_path) == []


def test_dev_null_stays_a_device() -> None:
    if not stat.S_ISCHR(Path("/dev/null").stat().st_mode):
        pytest.skip("/dev/null is not a character device on this machine")
    check_output_path("/dev/null")
    write("/dev/null", "discarded\n")
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)
    assert leftovers(Path("/dev")) == []


def test_open_descriptor_gets_the_whole_output_or_nothing() -> None:
    r, w = os.pipe()
    try:
        check_output_path(f"/dev/fd/{w}")
        with pytest.raises(RuntimeError), atomic_path(f"/dev/fd/{w}") as tmp:
            tmp.write_text("half")
            raise RuntimeError("rendering failed")
        write(f"/dev/fd/{w}", "whole\n")
    finally:
        os.close(w)
    with os.fdopen(r, "rb") as fh:
        assert fh.read() == b"whole\n"


def test_closed_descriptor_is_refused() -> None:
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    with pytest.raises(InputError, match=f"descriptor {w} is not open"):
        check_output_path(f"/dev/fd/{w}")


def test_socket_and_folder_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        for call in (check_output_path, lambda p: write(p, "x")):
            with pytest.raises(InputError, match=r"refusing to write to .*s\.sock: it is a socket"):
                call(str(path))
        assert stat.S_ISSOCK(path.lstat().st_mode)
    with pytest.raises(InputError, match="output path is a folder"):
        check_output_path(str(tmp_path))


def test_missing_folder_or_a_file_as_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"output folder does not exist: .*missing"):
        check_output_path(str(tmp_path / "missing" / "out.csv"))
    (tmp_path / "file.txt").write_text("not a folder\n")
    with pytest.raises(InputError, match=r"output folder is not a folder: .*file\.txt"):
        check_output_path(str(tmp_path / "file.txt" / "out.csv"))
    with pytest.raises(InputError, match=r"file\.txt"):
        write(tmp_path / "file.txt" / "out.csv", "x")


def test_write_error_is_one_input_error_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with (
        pytest.raises(InputError, match=r"cannot write .*out\.csv: No space left"),
        atomic_path(target) as tmp,
    ):
        tmp.write_text("partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert target.read_text() == "old\n" and leftovers(tmp_path) == []


def test_works_outside_the_main_thread(tmp_path: Path) -> None:
    worker = threading.Thread(target=write, args=(tmp_path / "t.csv", "t\n"))
    worker.start()
    worker.join(timeout=30)
    assert (tmp_path / "t.csv").read_text() == "t\n"


SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    from fairwatt.io.outputs import atomic_path

    with atomic_path(sys.argv[1]) as tmp:
        tmp.write_text("partial")
        print(tmp, flush=True)
        time.sleep(60)
    """
)


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_signal_during_the_write_removes_the_temporary_file(tmp_path: Path, sig: str) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        tmp = Path(proc.stdout.readline().strip())
        assert tmp.parent == tmp_path and tmp.read_text() == "partial"
        proc.send_signal(getattr(signal, sig))
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.communicate()
    if sig != "SIGINT":  # the signal ends the process as it would have (shell status 128+n)
        assert proc.returncode == -getattr(signal, sig)
    assert not tmp.exists() and leftovers(tmp_path) == []
    assert target.read_text() == "old\n"
