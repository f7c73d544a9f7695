"""RQ on Redis: the queue the relay hands messages to, when REDIS_URL is set."""

from __future__ import annotations

from flask import current_app
from redis import Redis
from rq import Queue

JOB_TIMEOUT = 120


def redis_connection() -> Redis | None:
    url = current_app.config["REDIS_URL"]
    if not url:
        return None
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def queue() -> Queue | None:
    connection = redis_connection()
    if connection is None:
        return None
    return Queue(current_app.config["RQ_QUEUE"], connection=connection)


def enqueuer():
    """Return a function that puts one message on the queue, or None with no Redis."""
    q = queue()
    if q is None:
        return None

    def enqueue(message_id: int, tenant_id: int | None) -> None:
        q.enqueue(
            "app.jobs.worker.deliver_message",
            message_id,
            tenant_id,
            job_timeout=JOB_TIMEOUT,
            description=f"deliver outbox message {message_id}",
        )

    return enqueue


def queue_depth() -> int | None:
    q = queue()
    return None if q is None else q.count
