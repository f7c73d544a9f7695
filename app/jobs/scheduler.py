"""The recurring work: relay the outbox every few seconds and sweep deadlines every few minutes.

``flask --app wsgi scheduler`` runs this loop for as long as its supervisor lets it. It replaces
``rq cron``, which (RQ 2.12) exits on the first Redis error and stays down. Here Redis is needed
only to hand messages on: while it is down the relay leaves them PENDING in the database and
the next pass hands them on; while the database is down each pass fails, is logged, and the next
comes after a back-off that doubles up to a minute. Both jobs are safe to run in two places at
once (leases and idempotency keys), so a second scheduler for resilience does no harm.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import current_app

from app.extensions import db

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 60.0


@dataclass
class Timetable:
    relay_every: float
    sweep_every: float
    next_relay: float = 0.0
    next_sweep: float = 0.0

    def next_due(self) -> float:
        return min(self.next_relay, self.next_sweep)


def run(stop: threading.Event | None = None) -> None:
    """Relay and sweep at their intervals until ``stop`` is set, surviving outages."""
    stop = stop or threading.Event()
    config = current_app.config
    table = Timetable(config["OUTBOX_RELAY_INTERVAL_SECONDS"], config["SWEEP_INTERVAL_SECONDS"])
    backoff = 1.0
    while not stop.is_set():
        try:
            _run_due(table, time.monotonic())
            backoff = 1.0
            wait = table.next_due() - time.monotonic()
        except Exception:  # the database or Redis went away: log it, wait, try again
            log.exception("scheduler pass failed; trying again in %.0f seconds", backoff)
            wait, backoff = backoff, min(backoff * 2, MAX_BACKOFF_SECONDS)
        finally:
            db.session.remove()
        stop.wait(max(wait, 0.05))


def _run_due(table: Timetable, now: float) -> None:
    from app.jobs.outbox import relay_once
    from app.jobs.queue import enqueuer
    from app.jobs.sweep import sweep_once

    if now >= table.next_sweep:
        queued = sweep_once()
        table.next_sweep = now + table.sweep_every
        log.info("sweep queued %s reminder(s)", queued)
    if now >= table.next_relay:
        handed = relay_once(enqueuer())
        table.next_relay = now + table.relay_every
        if handed:
            log.info("relay handed %s message(s) on", handed)
