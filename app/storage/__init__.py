"""Where uploaded files live: a storage interface with a local folder and S3-compatible back-end.

``storage()`` returns the back-end the FILE_STORAGE setting names ("local", the embedded
default, or "s3"), made once per app.
"""

from __future__ import annotations

from flask import current_app

from app.storage.base import Pending, Storage, StoredFileMissing

__all__ = ["Pending", "Storage", "StoredFileMissing", "storage", "make_storage"]


def make_storage(config) -> Storage:
    """Build the back-end a configuration names."""
    kind = config.get("FILE_STORAGE", "local")
    if kind == "local":
        from app.storage.local import LocalFolderStorage

        return LocalFolderStorage(config["FILE_STORAGE_DIR"])
    if kind == "s3":
        from app.storage.s3 import S3Storage

        return S3Storage.from_config(config)
    raise ValueError(f"FILE_STORAGE must be local or s3, not {kind!r}")


def storage() -> Storage:
    extensions = current_app.extensions
    if "pcp_storage" not in extensions:
        extensions["pcp_storage"] = make_storage(current_app.config)
    return extensions["pcp_storage"]
