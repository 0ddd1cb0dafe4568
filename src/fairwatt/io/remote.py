"""Energy logs in object storage: ``s3://``, ``gs://``, ``abfs://`` (any fsspec URL).

URLs are listed and opened through `fsspec <https://filesystem-spec.readthedocs.io>`_
and its backends (``s3fs``, ``gcsfs``, ``adlfs``), which take credentials from the usual
environment and configuration of each store (for S3: ``AWS_ACCESS_KEY_ID``,
``AWS_PROFILE``, ``~/.aws``, ``AWS_ENDPOINT_URL``; fsspec's own
``FSSPEC_<PROTOCOL>_<OPTION>`` variables also apply). fairwatt never prints them: the
messages it builds name the URL only, and text from a backend is scrubbed of the values
of the credential variables it knows before it is shown.

The embedded engine reads the files through the same filesystem objects, registered on
its DuckDB connection; each task of the distributed engine does the same on its worker.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from fairwatt.errors import DataUnavailableError, InputError

if TYPE_CHECKING:
    import duckdb

#: environment variables whose values never appear in a message
SECRET_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_ACCOUNT_KEY",
    "AZURE_STORAGE_SAS_TOKEN",
    "AZURE_STORAGE_CONNECTION_STRING",
    "AZURE_CLIENT_SECRET",
    "GOOGLE_OAUTH_ACCESS_TOKEN",
)
INSTALL_HINT = "install the object-storage readers: pip install 'fairwatt[dask]'"
#: the fsspec backend of each store that the ``dask`` extra does not bring
BACKENDS = {"gs": "gcsfs", "gcs": "gcsfs", "abfs": "adlfs", "abfss": "adlfs", "az": "adlfs"}


def is_url(path: str) -> bool:
    """Whether ``path`` is a URL (``scheme://...``) rather than a local path."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", path) is not None


def protocol(url: str) -> str:
    """The scheme of ``url`` (``s3``, ``gs``, ``abfs``, ...)."""
    return url.split("://", 1)[0].lower()


def scrub(text: str) -> str:
    """``text`` without the values of :data:`SECRET_VARIABLES` or URL query strings
    (which carry signed tokens)."""
    for name in SECRET_VARIABLES:
        value = os.environ.get(name)
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return re.sub(r"(://[^\s?'\"]*)\?[^\s'\"]*", r"\1?***", text)


def filesystem(proto: str) -> Any:
    """The fsspec filesystem of ``proto``, configured from the environment."""
    try:
        import fsspec
    except ImportError as exc:
        raise InputError(
            f"cannot read {proto}:// URLs: fsspec is missing", hint=INSTALL_HINT
        ) from exc
    try:
        return fsspec.filesystem(proto)
    except (ImportError, ValueError) as exc:
        backend = BACKENDS.get(proto)
        hint = f"install its reader: pip install {backend}" if backend else INSTALL_HINT
        first = (scrub(str(exc)).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(f"cannot read {proto}:// URLs: {first}", hint=hint) from exc


def _unavailable(url: str, exc: Exception) -> DataUnavailableError:
    text = scrub(str(exc)).strip().splitlines()
    return DataUnavailableError(
        f"{url}: cannot list the object store: {text[0] if text else type(exc).__name__}",
        hint="check the URL, the network and the store's credentials in the environment",
    )


def expand(url: str) -> list[str]:
    """The files of ``url``, as URLs: the object itself, every ``*.parquet`` below a
    folder (prefix), or the matches of a glob (``*``, ``?``, ``[``), sorted.

    Raises
    ------
    InputError
        Nothing at ``url``, or a folder without Parquet files.
    DataUnavailableError
        The store cannot be reached or refuses the listing.
    """
    proto = protocol(url)
    fs = filesystem(proto)
    path = url.split("://", 1)[1]
    try:
        if any(ch in path for ch in "*?["):
            found = sorted(str(p) for p in fs.glob(path))
            if not found:
                raise InputError(f"{url}: no file matches this pattern")
        elif fs.isdir(path):
            found = sorted(str(p) for p in fs.find(path) if str(p).endswith(".parquet"))
            if not found:
                raise InputError(
                    f"{url}: folder holds no Parquet files (*.parquet)",
                    hint="point at a folder of Parquet files, or at a CSV file",
                )
        elif fs.exists(path):
            found = [path]
        else:
            raise InputError(f"{url}: file not found", hint="check the URL")
        empty = [p for p in found if fs.size(p) == 0]
    except InputError:
        raise
    except Exception as exc:  # backends raise many error classes; all mean unreachable
        raise _unavailable(url, exc) from exc
    if empty:
        raise InputError(f"{proto}://{empty[0]}: the file is empty")
    return [f"{proto}://{p}" for p in found]


def register(con: duckdb.DuckDBPyConnection, files: list[str]) -> None:
    """Let DuckDB on ``con`` read the URLs among ``files`` through fsspec."""
    protocols = sorted({protocol(f) for f in files if is_url(f)} - {"file"})
    if not protocols:
        return
    known = set(con.list_filesystems())
    for proto in protocols:
        fs = filesystem(proto)
        names = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
        if not known.intersection(names):
            con.register_filesystem(fs)
            known.update(con.list_filesystems())
