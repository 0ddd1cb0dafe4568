"""Where an output file goes, and how it is written there safely.

What ``-o PATH`` does, by what ``PATH`` is:

* a new file, or a regular file: written to a temporary file beside it, then renamed over
  it (atomic: a failed or interrupted run leaves the old file, or none). A new file gets
  the usual permissions (``0666`` less the umask); a replaced file keeps its mode and,
  where allowed, its owner.
* a symbolic link: followed; its final target is replaced as above and the link kept.
* ``/dev/stdout`` (``/dev/fd/1``, ``/proc/self/fd/1``): the same as ``-`` (see
  :func:`is_stdout`); ``/dev/stderr`` and ``/dev/fd/N``: written into that open
  descriptor, after what it already holds.
* a character device (``/dev/null``, a terminal) or a FIFO: written straight into it,
  never replaced; the output is first completed in a private temporary file, so that a
  failure leaves nothing half-written in the stream.
* a folder, a block device, a socket: refused (:class:`~fairwatt.errors.InputError`,
  exit 2).

:func:`check_output_path` runs these checks, and that the folder is writable, before any
work. A temporary file is removed on failure, on Ctrl-C and on SIGTERM/SIGHUP too.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from fairwatt.errors import InputError

_DESCRIPTOR = re.compile(r"/(?:dev/fd|proc/self/fd)/(\d+)")
_NAMED_DESCRIPTORS = {"/dev/stdout": 1, "/dev/stderr": 2}
_SIGNALS = tuple(
    s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s
)
_HINT = "choose another -o path"


def _descriptor(output: str) -> int | None:
    """The descriptor number a ``/dev/stdout``-like path names, else ``None``."""
    if output in _NAMED_DESCRIPTORS:
        return _NAMED_DESCRIPTORS[output]
    match = _DESCRIPTOR.fullmatch(output)
    return int(match.group(1)) if match else None


def is_stdout(output: str | None) -> bool:
    """Whether ``output`` means standard output: ``None``, ``-``, ``/dev/stdout``,
    ``/dev/fd/1`` or ``/proc/self/fd/1``."""
    return output in (None, "-") or _descriptor(str(output)) == 1


def is_stream(output: str | None) -> bool:
    """Whether ``output`` is written straight into, not replaced: standard output, an
    open descriptor, a character device or a FIFO (symbolic links followed)."""
    if is_stdout(output) or _descriptor(str(output)) is not None:
        return True
    try:
        mode = Path(str(output)).stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


@dataclass(frozen=True)
class _Target:
    """An output destination: ``kind`` is ``new`` or ``file`` (written by atomic rename
    at ``path``), ``stream`` (written straight into ``path``) or ``fd`` (into ``fd``)."""

    kind: str
    path: Path
    fd: int | None = None
    stat: os.stat_result | None = None


def _special_kind(mode: int) -> str:
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _target(output: str) -> _Target:
    """Classify ``output`` (see the module docstring); raise ``InputError`` if refused."""
    fd = _descriptor(output)
    if fd is not None:
        try:
            os.fstat(fd)
        except OSError:
            raise InputError(f"output {output}: descriptor {fd} is not open", hint=_HINT) from None
        return _Target("fd", Path(output), fd=fd)
    try:
        st: os.stat_result | None = Path(output).stat()  # follows symbolic links
    except FileNotFoundError:
        st = None
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            raise InputError(
                f"output folder is not a folder: {Path(output).parent}", hint=_HINT
            ) from None
        raise InputError(f"cannot use output path {output}: {exc.strerror}", hint=_HINT) from None
    real = Path(os.path.realpath(output))
    if st is None:
        return _Target("new", real)
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"output path is a folder: {output}", hint="give a file name")
    if stat.S_ISREG(st.st_mode):
        return _Target("file", real, stat=st)
    if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        return _Target("stream", Path(output))
    raise InputError(
        f"refusing to write to {output}: it is {_special_kind(st.st_mode)}",
        hint="outputs go to regular files, FIFOs or character devices such as /dev/null",
    )


def _create_exclusive(folder: Path, name: str, suffix: str, mode: int) -> Path:
    """Create a new empty file ``.<name>.<random><suffix>`` in ``folder``; its mode is
    ``mode`` less the umask (applied by the system)."""
    path = folder / f".{name}.{secrets.token_hex(4)}{suffix}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    os.close(os.open(path, flags, mode))
    return path


def _check_folder(folder: Path) -> None:
    """Fail unless ``folder`` exists and a file can be created in it (a real probe, so
    that read-only file systems and access control lists count too)."""
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InputError(f"output folder {what}: {folder}", hint="create it or " + _HINT)
    try:
        _create_exclusive(folder, "fairwatt-probe", ".tmp", 0o600).unlink()
    except OSError as exc:
        raise InputError(
            f"cannot write in the output folder {folder}: {exc.strerror}", hint=_HINT
        ) from None


def check_output_path(output: str | None) -> None:
    """Fail early (before any work) when ``output`` cannot be written: a missing or
    unwritable folder, a folder or special file given as the output, a descriptor that is
    not open (:class:`~fairwatt.errors.InputError`, exit 2)."""
    if is_stdout(output):
        return
    target = _target(str(output))
    if target.kind in ("new", "file"):
        _check_folder(target.path.parent)
    elif target.kind == "stream" and not os.access(target.path, os.W_OK):
        raise InputError(f"output {output} is not writable", hint=_HINT)


@contextlib.contextmanager
def _removed_on_signal(path: Path) -> Iterator[None]:
    """Remove ``path`` if SIGTERM or SIGHUP arrives, then let the signal do what it did
    before (by default: end the process, exit status 128 + signal number).

    Only the main thread can install signal handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        for sig, old in previous.items():
            signal.signal(sig, old)
        os.kill(os.getpid(), signum)

    for sig in _SIGNALS:
        old = signal.getsignal(sig)
        if old is None or old == signal.SIG_IGN:
            continue  # set outside Python, or ignored: leave it alone
        previous[sig] = old
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _keep_mode_and_owner(tmp: Path, old: os.stat_result) -> None:
    tmp.chmod(stat.S_IMODE(old.st_mode))
    mine = tmp.stat()
    if (mine.st_uid, mine.st_gid) != (old.st_uid, old.st_gid):
        with contextlib.suppress(OSError):  # only root may give a file away
            os.chown(tmp, old.st_uid, old.st_gid)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_into(tmp: Path, target: _Target) -> None:
    """Copy the finished ``tmp`` into a stream or an open descriptor (never creating or
    truncating a file)."""
    if target.fd is not None:
        for stream in (sys.stdout, sys.stderr):  # what Python still holds goes first
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        fd = os.dup(target.fd)
    else:
        fd = os.open(target.path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):  # swapped since the check
            os.close(fd)
            raise InputError(f"refusing to write to {target.path}: it changed", hint=_HINT)
    with os.fdopen(fd, "wb") as out, tmp.open("rb") as src:
        shutil.copyfileobj(src, out)


def _temporary(target: _Target) -> Path:
    if target.kind in ("stream", "fd"):
        fd, name = tempfile.mkstemp(prefix=".fairwatt-", suffix=".part")
        os.close(fd)
        return Path(name)
    return _create_exclusive(target.path.parent, target.path.name, ".part", 0o666)


def _cannot_write(target: str | Path, exc: OSError) -> InputError:
    return InputError(f"cannot write {target}: {exc.strerror or exc}", hint=_HINT)


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write the whole output to; on success it replaces
    ``target`` (or is copied into it, for a stream), on failure it is removed, so no
    half-written file is ever left behind. See the module docstring for what each kind
    of ``target`` gets. Raises :class:`~fairwatt.errors.InputError` for a target that is
    refused or cannot be written."""
    where = _target(str(target))
    try:
        tmp = _temporary(where)
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    with _removed_on_signal(tmp):
        try:
            yield tmp
            if where.kind in ("stream", "fd"):
                _copy_into(tmp, where)
                tmp.unlink()
                return
            if where.stat is not None:
                _keep_mode_and_owner(tmp, where.stat)
            _fsync(tmp)
            os.replace(tmp, where.path)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise _cannot_write(target, exc) from None
            raise
