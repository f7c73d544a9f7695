"""Absolute links for messages, documents and identity providers.

Every link that leaves the service (an email, a Word document, an SSO redirect URI) is built
from one setting, ``PUBLIC_URL``, never from the request's Host header, which a client chooses.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def public_url() -> str:
    """The service's public address without a trailing slash, e.g. ``https://pcp.council.gov.uk``."""
    return current_app.config["PUBLIC_URL"].rstrip("/")


def absolute_url(endpoint: str, **values) -> str:
    """Build ``endpoint``'s address under the public address, inside or outside a request."""
    parts = urlsplit(public_url())
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
