"""The embedded default: with no Redis, deliver the outbox in this process after a commit."""

from __future__ import annotations

from flask import Flask, Response, current_app

from app.extensions import db
from app.jobs.outbox import WRITTEN_KEY, relay_once


def deliver_after_request(response: Response) -> Response:
    session = db.session()
    if current_app.config["REDIS_URL"] or not session.info.pop(WRITTEN_KEY, False):
        return response
    # The view has committed by now; a rolled-back change left no rows to deliver.
    db.session.rollback()
    relay_once()
    return response


def init_app(app: Flask) -> None:
    app.after_request(deliver_after_request)
