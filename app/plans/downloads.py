"""Serving a stored evidence file: streamed from the storage, always as an attachment under a
safe name (RFC 6266: an ASCII fallback and the UTF-8 name percent-encoded), never sniffed."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response, abort, stream_with_context

from app.plans.evidence import EvidenceFile
from app.storage import Storage, StoredFileMissing

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]")


def content_disposition(name: str) -> str:
    """An attachment header for ``name`` that no browser reads as markup or a path."""
    cleaned = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    cleaned = cleaned.replace("/", "_").replace("\\", "_").strip(" .") or "evidence"
    ascii_name = _UNSAFE.sub("_", unicodedata.normalize("NFKD", cleaned)
                             .encode("ascii", "ignore").decode()).strip(" .") or "evidence"
    return (f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(cleaned, safe='')}")


def send_evidence(storage: Storage, evidence: EvidenceFile) -> Response:
    return send_stored(storage, evidence)


def send_stored(storage: Storage, stored) -> Response:
    """Serve a stored file described by ``stored`` (its storage key, name, type and size)."""
    try:
        chunks = storage.read(stored.storage_key)
    except StoredFileMissing:
        abort(404)
    response = Response(stream_with_context(chunks), mimetype=stored.content_type)
    response.headers["Content-Length"] = str(stored.size)
    response.headers["Content-Disposition"] = content_disposition(stored.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    # Should a browser still open it, it runs nothing and reaches nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
