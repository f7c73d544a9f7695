"""Files in a local folder: the embedded default (FILE_STORAGE_DIR, under instance/)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from app.storage.base import CHUNK_BYTES, StoredFileMissing, check_key

PARTIAL_PREFIX = ".upload-"


class LocalPending:
    """A temporary file in the destination folder, renamed into place on commit so that a
    reader never sees a partial file under a key."""

    def __init__(self, folder: Path, key: str):
        self.key = key
        self._target = folder / key
        self._target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=self._target.parent, prefix=PARTIAL_PREFIX)
        self._path = Path(name)
        self._file = os.fdopen(handle, "wb")

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)

    def commit(self) -> None:
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._path, self._target)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._path.unlink(missing_ok=True)


class LocalFolderStorage:
    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def start(self, key: str) -> LocalPending:
        return LocalPending(self.folder, check_key(key))

    def read(self, key: str) -> Iterator[bytes]:
        path = self.folder / check_key(key)
        try:
            file = path.open("rb")
        except FileNotFoundError as missing:
            raise StoredFileMissing(key) from missing
        return _chunks(file)

    def delete(self, key: str) -> None:
        (self.folder / check_key(key)).unlink(missing_ok=True)

    def keys(self) -> list[str]:
        if not self.folder.exists():
            return []
        return sorted(str(path.relative_to(self.folder)) for path in self.folder.rglob("*")
                      if path.is_file())


def _chunks(file) -> Iterator[bytes]:
    with file:
        while chunk := file.read(CHUNK_BYTES):
            yield chunk
