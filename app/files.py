"""The file storage: uploaded files kept under FILE_STORAGE_DIR, each under a name of its own.

A file is written to a temporary name in the same folder, flushed to disk and then renamed into
place, so a failed or interrupted upload never leaves a partial file under a stored name.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

from flask import current_app

_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{1,8}$")


def _folder() -> Path:
    return Path(current_app.config["FILE_STORAGE_DIR"])


def _path(name: str) -> Path:
    # Names are made here; refuse anything else so a stored name can never walk out of the folder.
    if not _NAME.match(name):
        raise ValueError(f"not a stored file name: {name!r}")
    return _folder() / name


def store(data: bytes, extension: str) -> str:
    """Keep ``data`` and return its stored name."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{extension}"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, _path(name))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name


def read(name: str) -> bytes | None:
    """Return a stored file's bytes, or None when it is not there."""
    try:
        return _path(name).read_bytes()
    except FileNotFoundError:
        return None


def remove(name: str) -> None:
    _path(name).unlink(missing_ok=True)
