"""Error pages in the GOV.UK look, for every error a user can cause."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db

MESSAGES = {
    400: ("There is a problem with your request", "The page could not understand what was sent. Go back and try again."),
    403: ("You do not have permission to see this page", "If you think you should have access, contact your authority's administrator."),
    409: ("This case is closed", "A closed case cannot be changed, except for what is owed after closing (the closure letters and the contract monitoring review) and corrections to its audit trail."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."),
    405: ("There is a problem with your request", "This page cannot be used in that way. Go back and try again."),
    413: ("What you sent is too large", "The form or file you sent is larger than the service accepts. Go back, make it smaller and try again."),
    429: ("Too many attempts", "You have tried too many times in a short period. Wait a few minutes and try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you entered has been saved unless you saw a confirmation."),
}


def render_error(status: int, title: str | None = None, body: str | None = None):
    default_title, default_body = MESSAGES.get(status, MESSAGES[400])
    return (
        render_template(
            "errors/error.html", status=status, title=title or default_title, body=body or default_body
        ),
        status,
    )


def handle_http_error(error: HTTPException):
    status = error.code or 500
    if status == 403 and error.description == "wrong_realm":
        return render_error(
            403,
            body="This page is not part of the service you are signed in to. "
            "Staff and provider accounts use separate sign-in pages.",
        )
    return render_error(status if status in MESSAGES else 400)


def handle_csrf_error(error: CSRFError):
    return render_error(
        400,
        title="Your form could not be sent",
        body="The page you used has expired or was opened in another window. "
        "Go back, refresh the page and send the form again.",
    )


def handle_unexpected_error(error: Exception):
    # Logged with its traceback: the user sees a calm page, operations see what broke.
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.config.get("PROPAGATE_EXCEPTIONS"):
        app.register_error_handler(Exception, handle_unexpected_error)
