"""RQ on Redis: the queue the relay hands messages to, when REDIS_URL is set."""

from __future__ import annotations

from flask import current_app
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

# A job the queue will still run; any other (finished, failed, stopped, gone) runs no more.
LIVE_STATUSES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


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


def job_id(message_id: int) -> str:
    """Name a message's job after it, so that the relay can ask whether Redis still holds it."""
    return f"outbox-message-{message_id}"


def enqueuer():
    """Return a function that puts one message on the queue, or None with no Redis."""
    q = queue()
    if q is None:
        return None
    job_timeout = current_app.config["OUTBOX_JOB_TIMEOUT_SECONDS"]

    def enqueue(message_id: int, tenant_id: int | None) -> None:
        q.enqueue(
            "app.jobs.worker.deliver_message",
            message_id,
            tenant_id,
            job_id=job_id(message_id),
            job_timeout=job_timeout,
            description=f"deliver outbox message {message_id}",
        )

    def alive(message_id: int) -> bool:
        try:
            job = Job.fetch(job_id(message_id), connection=q.connection)
        except NoSuchJobError:
            return False
        return job.get_status(refresh=False) in LIVE_STATUSES

    enqueue.alive = alive
    return enqueue


def queue_depth() -> int | None:
    q = queue()
    return None if q is None else q.count
