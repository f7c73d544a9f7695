"""Recurring jobs for ``rq cron app/jobs/cron.py``: the outbox relay and the deadline sweep.

RQ's cron scheduler puts each job on the queue at its interval; ``rq worker`` runs it. Both jobs
are safe to run twice at once (the relay claims rows with a lease, the sweep's reminders carry
idempotency keys), so a second ``rq cron`` for resilience does no harm.
"""

from __future__ import annotations

import os

from rq import cron

from app.jobs.worker import relay, sweep

QUEUE = os.environ.get("RQ_QUEUE", "default")
RELAY_INTERVAL_SECONDS = int(os.environ.get("OUTBOX_RELAY_INTERVAL_SECONDS", "10"))
SWEEP_INTERVAL_SECONDS = int(os.environ.get("SWEEP_INTERVAL_SECONDS", "900"))

cron.register(relay, queue_name=QUEUE, interval=RELAY_INTERVAL_SECONDS, job_timeout=300,
              result_ttl=600)
cron.register(sweep, queue_name=QUEUE, interval=SWEEP_INTERVAL_SECONDS, job_timeout=1800,
              result_ttl=3600)
