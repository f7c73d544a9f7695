"""Response headers: a Content Security Policy with no inline script, and friends."""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def set_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if response.mimetype == "text/html":
        # Pages hold personal data about vulnerable adults: never keep them in shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def refuse_oversized_bodies() -> None:
    """Refuse a body larger than its limit before anything parses it, with or without a
    Content-Length.

    Only ``multipart/form-data`` carries files: it may reach MAX_CONTENT_LENGTH, which Werkzeug
    enforces while reading (also for a chunked body), each field held to MAX_FORM_MEMORY_SIZE.
    Every other body (url-encoded forms, JSON, anything else) is held to MAX_FORM_MEMORY_SIZE
    and read here, so that a chunked body, which has no length to check up front, is refused
    as soon as it passes the limit rather than read whole by whichever code parses it first.
    """
    if request.mimetype == "multipart/form-data":
        return
    limit = current_app.config["MAX_FORM_MEMORY_SIZE"]
    if (request.content_length or 0) > limit:
        abort(413)
    # Werkzeug stops a stream without a length quietly at its limit, handing on a truncated
    # body: read one byte more than allowed, so that a body past the limit is seen and refused.
    # The bytes read are kept for the form parser.
    request.max_content_length = limit + 1
    if len(request.get_data(cache=True)) > limit:
        abort(413)


def init_app(app: Flask) -> None:
    # First of all before_request functions, so that CSRF checking never parses such a body.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_oversized_bodies)
    app.after_request(set_security_headers)
    if app.config["PCP_ENV"] == "production":

        @app.after_request
        def strict_transport(response: Response) -> Response:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
            return response
