"""Recurring jobs for ``rq cron app/jobs/cron.py``: the outbox relay and the deadline sweep.

Not for production: RQ 2.12's ``rq cron`` exits on the first Redis error and stays down
(tests/integration/test_delivery_faults.py shows it). Production runs ``flask scheduler``
(app/jobs/scheduler.py), which survives Redis and database outages. This file remains for
setups that already supervise ``rq cron`` and restart it.
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
