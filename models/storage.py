"""Where files live: a local folder or an S3 bucket prefix, through fsspec (s3fs for S3).

The rest of the code names a file by its key, a relative name such as an attachment's
stored name or `jobs/12/0000000000.csv`; only ORDERDESK_STORAGE says which store holds it.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Sequence
from typing import IO, Any
from urllib.parse import urlsplit

import fsspec
from fsspec.implementations.dirfs import DirFileSystem

# Bytes asked of the store at a time while a file streams out (S3 reads ahead this much).
STREAM_BLOCK = 8 << 20
COPY_BUFFER = 1 << 20


class Storage:
    """The files under one root, by key: written, read, streamed, removed."""

    def __init__(self, fs: Any, root: str, *, url: str, probe: Callable[[], object]) -> None:
        self.url = url
        self._files = DirFileSystem(path=root, fs=fs)
        self._probe = probe

    def write(self, key: str, data: bytes) -> None:
        self._files.pipe_file(checked_key(key), data)

    def write_from(self, key: str, source: IO[bytes]) -> None:
        """Copy a readable file to `key` a buffer at a time (never whole into memory)."""
        with self._files.open(checked_key(key), "wb") as target:
            shutil.copyfileobj(source, target, COPY_BUFFER)

    def open_write(self, key: str) -> IO[bytes]:
        """A new file at `key` (replacing any), complete once closed."""
        file: IO[bytes] = self._files.open(checked_key(key), "wb")
        return file

    def read(self, key: str) -> bytes:
        """The whole file. Raises: FileNotFoundError."""
        return bytes(self._files.cat_file(checked_key(key)))

    def open(self, key: str) -> IO[bytes]:
        """The file, to read a block at a time (downloads stream it). Raises: FileNotFoundError."""
        file: IO[bytes] = self._files.open(checked_key(key), "rb", block_size=STREAM_BLOCK)
        return file

    def open_joined(self, keys: Sequence[str]) -> IO[bytes]:
        """The files one after the other, as one stream (opened in turn as it is read)."""
        return io.BufferedReader(_Joined(self, [checked_key(key) for key in keys]), COPY_BUFFER)

    def exists(self, key: str) -> bool:
        return bool(self._files.exists(checked_key(key)))

    def size(self, key: str) -> int:
        """Its length in bytes. Raises: FileNotFoundError."""
        return int(self._files.size(checked_key(key)))

    def sizes(self, prefix: str = "") -> dict[str, int]:
        """Every file under `prefix` (all of them by default) with its length, by key."""
        where = checked_key(prefix.rstrip("/")) if prefix else ""
        try:
            found = self._files.find(where, detail=True)
        except FileNotFoundError:
            return {}
        return {key: int(info["size"]) for key, info in found.items() if info["type"] == "file"}

    def delete(self, key: str) -> None:
        """Remove the file; one already gone is fine."""
        try:
            self._files.rm_file(checked_key(key))
        except FileNotFoundError:
            pass

    def check(self) -> None:
        """Ask the store one cheap question (a local folder is made if it is not there yet).

        Raises: whatever the store raises when it does not answer (OSError and the like).
        """
        self._probe()

    def ping(self) -> bool:
        """Tell whether the store answers (check, never raising)."""
        try:
            self.check()
        except Exception:
            return False
        return True


class _Joined(io.RawIOBase):
    """Reads files of a store one after the other; each is open only while it is read."""

    def __init__(self, storage: Storage, keys: list[str]) -> None:
        super().__init__()
        self._storage, self._keys = storage, keys
        self._file: IO[bytes] | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self._file is None:
                if not self._keys:
                    return 0
                self._file = self._storage.open(self._keys.pop(0))
            data = self._file.read(len(buffer))
            if data:
                buffer[: len(data)] = data
                return len(data)
            self._file.close()
            self._file = None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        super().close()


def checked_key(key: str) -> str:
    """Return `key` when it names a file inside the root.

    Raises: ValueError for an absolute key or one with empty, `.` or `..` parts.
    """
    parts = key.split("/")
    if not key or "\\" in key or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"{key!r} is not a storage key.")
    return key


def open_storage(url: str, endpoint_url: str | None = None) -> Storage:
    """The store `url` names: a local folder (a path or file://path), or s3://bucket/prefix
    reached at `endpoint_url` when given (any S3-compatible server; credentials come from
    the usual AWS_* environment variables). Nothing is asked of the store here.

    Raises: ValueError when `url` is neither.
    """
    parts = urlsplit(url)
    if parts.scheme == "s3":
        return _s3_storage(url, endpoint_url)
    if parts.scheme in ("", "file") and url.strip():
        folder = os.path.abspath(parts.path if parts.scheme == "file" else url)
        local = fsspec.filesystem("file", auto_mkdir=True)
        return Storage(local, folder, url=folder, probe=lambda: _writable_folder(local, folder))
    raise ValueError(f"{_shown(url)} is neither a folder nor s3://bucket/prefix.")


def _s3_storage(url: str, endpoint_url: str | None) -> Storage:
    parts = urlsplit(url)
    bucket, prefix = parts.netloc, parts.path.strip("/")
    if not bucket or "@" in bucket or ":" in bucket:
        raise ValueError(
            f"{_shown(url)} names no bucket: write s3://bucket/prefix "
            "(credentials go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)."
        )
    # No listing cache: other processes (web workers, job workers) add and remove files.
    options: dict[str, Any] = {"use_listings_cache": False}
    if endpoint_url:
        options["client_kwargs"] = {"endpoint_url": endpoint_url}
    s3 = fsspec.filesystem("s3", **options)
    root = f"{bucket}/{prefix}" if prefix else bucket
    return Storage(s3, root, url=f"s3://{root}", probe=lambda: s3.info(bucket, refresh=True))


def _writable_folder(local: Any, folder: str) -> None:
    """Make the folder if it is not there yet (a fresh install) and check it takes files."""
    local.makedirs(folder, exist_ok=True)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"{folder} is not writable")


def _shown(url: str) -> str:
    """The value for a message, without what could be a password."""
    return repr(url) if "@" not in url else repr(url.split("://")[0] + "://…")
