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


def refuse_oversized_forms() -> None:
    """Refuse a url-encoded form larger than the form limit before anything parses it.

    Werkzeug applies MAX_FORM_MEMORY_SIZE to multipart fields only; url-encoded bodies would
    otherwise be read whole, up to the much larger upload limit.
    """
    limit = current_app.config["MAX_FORM_MEMORY_SIZE"]
    if request.mimetype == "application/x-www-form-urlencoded" and (request.content_length or 0) > limit:
        abort(413)


def init_app(app: Flask) -> None:
    # First of all before_request functions, so that CSRF checking never parses such a body.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_oversized_forms)
    app.after_request(set_security_headers)
    if app.config["PCP_ENV"] == "production":

        @app.after_request
        def strict_transport(response: Response) -> Response:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
            return response
