"""Entry points that RQ workers run. Jobs take ids and set their own tenant context."""

from __future__ import annotations

from functools import cache

from app import create_app


@cache
def _app():
    # One app per worker process; each job gets its own app context and so its own session.
    return create_app()


def deliver_message(message_id: int, tenant_id: int | None) -> str:
    """Deliver one outbox message (the scope is set from tenant_id inside ``deliver``)."""
    from app.extensions import db
    from app.jobs.outbox import deliver

    with _app().app_context():
        try:
            return deliver(message_id, tenant_id)
        finally:
            db.session.remove()


def relay() -> int:
    """Hand due outbox messages to the queue (run by ``flask scheduler`` or ``flask outbox relay``)."""
    from app.jobs.outbox import relay_once
    from app.jobs.queue import enqueuer

    with _app().app_context():
        return relay_once(enqueuer())


def sweep() -> int:
    """Queue the deadline reminders now due (run by ``flask scheduler`` or ``flask sweep run``)."""
    from app.extensions import db
    from app.jobs.sweep import sweep_once

    with _app().app_context():
        try:
            return sweep_once()
        finally:
            db.session.remove()
