"""The storage interface: a file is written in chunks to a pending upload that no reader can
see, then committed under its key or aborted, leaving nothing behind."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

# Keys are made by the app (a folder word and 32 hex digits), never from what a user sent.
KEY = re.compile(r"^[a-z]{1,20}/[0-9a-f]{32}$")

CHUNK_BYTES = 1024 * 1024


class StoredFileMissing(LookupError):
    """No stored file under that key."""


def check_key(key: str) -> str:
    if not KEY.match(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class Pending(Protocol):
    """An upload under way: invisible until committed, gone once aborted."""

    key: str

    def write(self, chunk: bytes) -> None: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...


class Storage(Protocol):
    def start(self, key: str) -> Pending:
        """Begin writing the file that ``key`` will name once committed."""

    def read(self, key: str) -> Iterator[bytes]:
        """Yield the stored file's bytes in chunks; raise StoredFileMissing if absent."""

    def delete(self, key: str) -> None:
        """Remove a committed file (no error if it is not there)."""

    def keys(self) -> list[str]:
        """Every committed key, and any upload left pending, for checks and sweeps."""
