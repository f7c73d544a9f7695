"""Documents an outbox message carries, named by kind and ids and built when it is sent.

The outbox is core: it knows no domain area. Each area that attaches a document registers
its builder here, and ``create_app`` wires them (``app._register_documents``), so that a
message names a document by kind and the builder runs only when it is sent.
"""

from __future__ import annotations

from collections.abc import Callable

from app.jobs.rendering import Attachment

BUILDERS: dict[str, Callable[..., Attachment]] = {}


def register_document(kind: str, builder: Callable[..., Attachment]) -> None:
    BUILDERS[kind] = builder


def build_attachment(kind: str, **ids) -> Attachment:
    builder = BUILDERS.get(kind)
    if builder is None:
        raise LookupError(f"no document builder registered for {kind!r}")
    return builder(**ids)
