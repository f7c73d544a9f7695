"""Delivery under faults, end to end: the scheduler (``flask scheduler``) and an RQ worker as
separate processes, a Redis of the test's own (stopped, restarted and emptied under them), the
real PostgreSQL, and an aiosmtpd server that refuses at RCPT, at DATA and after DATA, answers
late, or drops the connection.

After each run the server's accepted messages are counted against the outbox rows, per
recipient: every row ends SENT (and the server took it exactly once) or waits on a person
(FAILED, or UNKNOWN when it may have arrived); nothing is accepted more often than the rows
allow. Zero lost without a person being shown it, zero duplicates.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from redis import Redis
from sqlalchemy import select

from app import create_app
from app.config import ConfigError
from app.extensions import db
from app.jobs import services
from app.jobs.models import OPEN_STATES, MessageState, OutboxMessage
from app.jobs.outbox import deliver, enqueue_email, relay_once
from app.jobs.queue import enqueuer
from app.tenants.scoping import Scope, scoped_as
from tests.conftest import pg_config
from tests.support.mail import DROP, SmtpServer
from tests.support.processes import ROOT, RedisServer, Worker, wait_for
from tests.support.services import APP_ROLE, url

MAIL_TIMEOUT = 2
CONTEXT = {"name": "Nina", "invited_by": "Ada", "authority_name": "Host A", "link": "http://x/y", "expires_hours": 72}


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def settings(pg_database, smtp, redis_server, tmp_path):
    """The settings of the scheduler and worker processes (through the environment)."""
    return {
        "DATABASE_URL": url(APP_ROLE, pg_database),
        "SECRET_KEY": "test-secret-key",
        "REDIS_URL": redis_server.url,
        "RQ_QUEUE": "faults-test",
        "MAIL_CHANNEL": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "MAIL_TIMEOUT_SECONDS": str(MAIL_TIMEOUT),
        "OUTBOX_JOB_TIMEOUT_SECONDS": "20",
        "OUTBOX_LEASE_SECONDS": "30",
        "OUTBOX_RETRY_BASE_SECONDS": "1",
        "OUTBOX_RELAY_INTERVAL_SECONDS": "1",
        "SWEEP_INTERVAL_SECONDS": "3600",
        "PCP_INSTANCE_DIR": str(tmp_path / "instance"),
    }


@pytest.fixture
def queue_app(settings, pg_database, world):
    return create_app({
        **pg_config(pg_database),
        "REDIS_URL": settings["REDIS_URL"],
        "RQ_QUEUE": settings["RQ_QUEUE"],
        "MAIL_CHANNEL": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": int(settings["SMTP_PORT"]),
        "MAIL_TIMEOUT_SECONDS": MAIL_TIMEOUT,
    })


class Scheduler:
    """``flask --app wsgi scheduler`` as production runs it, in a process of its own."""

    def __init__(self, env: dict):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"],
            cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> str:
        if self.alive():
            self.process.terminate()
        try:
            output, _ = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
        return output.decode(errors="replace")


@pytest.fixture
def running(settings):
    """The long-running processes: the scheduler and one RQ worker."""
    scheduler, worker = Scheduler(settings), Worker(settings, settings["RQ_QUEUE"])
    yield scheduler, worker
    output = scheduler.stop()
    worker.stop()
    print(output[-3000:])


def _write(app, tenant_id, recipient: str, key: str | None = None) -> None:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant_id)):
        enqueue_email(db.session, tenant_id=tenant_id, template="invitation", recipient=recipient,
                      context=CONTEXT, key=key or f"fault:{recipient}")
        db.session.commit()


def _rows(app, tenant_ids) -> list[OutboxMessage]:
    rows = []
    with app.app_context():
        for tenant_id in tenant_ids:
            with scoped_as(db.session, Scope(tenant_id=tenant_id)):
                found = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
                shown = {m.id for m in services.needing_attention()}
            for row in found:
                row.shown_to_a_person = row.id in shown  # on the authority's messages page
            rows += found
        db.session.expunge_all()
    return rows


def _settled(app, tenant_ids) -> list[OutboxMessage] | None:
    rows = _rows(app, tenant_ids)
    return None if any(row.state in OPEN_STATES for row in rows) else rows


def _account(rows: list[OutboxMessage], smtp: SmtpServer) -> dict[str, MessageState]:
    """Check nothing was lost unseen nor accepted twice; return each recipient's final state."""
    accepted = Counter(str(message["To"]) for message in smtp.accepted)
    states: dict[str, list[MessageState]] = {}
    for row in rows:
        states.setdefault(row.recipient, []).append(row.state)
    for recipient, found in states.items():
        sent, unknown = found.count(MessageState.SENT), found.count(MessageState.UNKNOWN)
        # Zero duplicates: the server took each message at most once, and a SENT row was taken.
        assert sent <= accepted[recipient] <= sent + unknown, (recipient, found, accepted[recipient])
    for row in rows:
        # Zero lost: what did not arrive for sure is in front of a person.
        assert row.state is MessageState.SENT or row.shown_to_a_person, (row.recipient, row.state)
    assert set(accepted) <= set(states), "the server took a message no row accounts for"
    return {row.recipient: row.state for row in rows}


@dataclass(frozen=True)
class Fault:
    name: str
    step: str
    faults: tuple
    ends: MessageState


FAULTS = [
    Fault("rcpt-try-later", "rcpt", ("451 4.3.0 Try again later",), MessageState.SENT),
    Fault("rcpt-no-such-user", "rcpt", ("550 5.1.1 No such user",), MessageState.FAILED),
    Fault("rcpt-dropped", "rcpt", (DROP,), MessageState.SENT),
    Fault("rcpt-slow", "rcpt", (("delay", MAIL_TIMEOUT + 2),), MessageState.SENT),
    Fault("data-try-later", "data_command", ("451 4.3.0 Try again later",), MessageState.SENT),
    Fault("data-refused", "data_command", ("554 5.7.1 Not from you",), MessageState.FAILED),
    Fault("data-dropped", "data_command", (DROP,), MessageState.UNKNOWN),
    Fault("after-data-too-big", "after_data", ("552 5.3.4 Message too big",), MessageState.FAILED),
    Fault("after-data-content", "after_data", ("554 5.7.1 Rejected by content filter",), MessageState.FAILED),
    Fault("after-data-try-later", "after_data", ("451 4.7.1 Greylisted, try later",), MessageState.SENT),
    Fault("after-data-twice-later", "after_data", ("451 4.3.0 Busy", "421 4.3.2 Closing"), MessageState.SENT),
    Fault("after-data-slow", "after_data", (("delay", MAIL_TIMEOUT + 2),), MessageState.UNKNOWN),
    Fault("after-data-dropped", "after_data", (DROP,), MessageState.UNKNOWN),
    Fault("no-fault", "rcpt", (), MessageState.SENT),
]


def test_every_fault_ends_sent_or_before_a_person_and_nothing_twice(queue_app, smtp, running, world):
    for fault in FAULTS:
        smtp.handler.plan(f"{fault.name}@example.org", fault.step, *fault.faults)
        _write(queue_app, world.host_a, f"{fault.name}@example.org")
    rows = wait_for(lambda: _settled(queue_app, [world.host_a]), timeout=120, interval=0.5)
    states = _account(rows, smtp)
    assert states == {f"{fault.name}@example.org": fault.ends for fault in FAULTS}
    # A refusal after the content is not "sent": it says what the server answered.
    by_recipient = {row.recipient: row for row in rows}
    assert "552" in by_recipient["after-data-too-big@example.org"].last_error
    assert by_recipient["after-data-twice-later@example.org"].attempts == 3


def test_the_scheduler_and_worker_survive_a_redis_restart(queue_app, smtp, running, redis_server, world):
    scheduler, worker = running
    _write(queue_app, world.host_a, "before@example.org")
    wait_for(lambda: _settled(queue_app, [world.host_a]), timeout=30)
    redis_server.stop()
    _write(queue_app, world.host_a, "during@example.org")  # waits in the table meanwhile
    time.sleep(6)  # longer than the outage that stopped `rq cron` for good
    redis_server.start()
    _write(queue_app, world.host_b, "after@example.org")
    rows = wait_for(lambda: _settled(queue_app, [world.host_a, world.host_b]), timeout=60, interval=0.5)
    assert _account(rows, smtp) == {f"{name}@example.org": MessageState.SENT
                                    for name in ("before", "during", "after")}
    assert scheduler.alive() and worker.process.poll() is None


def test_rq_cron_does_not_survive_a_redis_restart(settings, redis_server):
    """Why the README runs `flask scheduler` instead: RQ 2.12's `rq cron` exits for good."""
    cron = subprocess.Popen(
        [sys.executable, "-m", "rq.cli", "cron", "app/jobs/cron.py", "--url", redis_server.url],
        cwd=ROOT, env={**os.environ, **settings, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)
        assert cron.poll() is None
        redis_server.stop()
        time.sleep(6)
        redis_server.start()
        assert wait_for(lambda: cron.poll() is not None, timeout=30)
    finally:
        if cron.poll() is None:
            cron.kill()
        cron.wait(10)


def test_a_message_whose_job_redis_lost_is_queued_again_at_once(queue_app, settings, smtp, world):
    _write(queue_app, world.host_a, "lost-job@example.org")
    with queue_app.app_context():
        assert relay_once(enqueuer()) == 1
        Redis.from_url(settings["REDIS_URL"]).flushall()  # Redis restarted without its data
        # The queued lease (15 minutes by default) has not run out; the lost job is seen anyway.
        assert relay_once(enqueuer()) == 1
        assert relay_once(enqueuer()) == 0  # its new job is alive: not handed on twice
    worker = Worker(settings, settings["RQ_QUEUE"], burst=True)
    worker.process.wait(60)
    worker.stop()
    assert _account(_rows(queue_app, [world.host_a]), smtp) == {"lost-job@example.org": MessageState.SENT}


def _fencing_app(pg_database, smtp):
    return create_app({**pg_config(pg_database), "MAIL_CHANNEL": "smtp", "SMTP_HOST": "127.0.0.1",
                       "SMTP_PORT": smtp.port, "OUTBOX_LEASE_SECONDS": 2,
                       "OUTBOX_JOB_TIMEOUT_SECONDS": 1, "MAIL_TIMEOUT_SECONDS": 30})


def _slow_delivery(app, message_id, tenant_id, outcome: list) -> threading.Thread:
    def run():
        with app.app_context():
            outcome.append(deliver(message_id, tenant_id))
            db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _message_id(app, tenant_id) -> int:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant_id)):
        return db.session.scalars(select(OutboxMessage.id)).one()


def test_a_worker_that_outlived_its_lease_does_not_send_after_another_took_over(pg_database, smtp, world):
    app = _fencing_app(pg_database, smtp)
    _write(app, world.host_a, "slow@example.org")
    smtp.handler.stall_rcpt.set()
    outcome: list[str] = []
    slow = _slow_delivery(app, _message_id(app, world.host_a), world.host_a, outcome)
    wait_for(lambda: _rows(app, [world.host_a])[0].state is MessageState.WORKING)
    time.sleep(2.5)  # the slow worker's lease runs out while it waits on the server
    with app.app_context():
        assert relay_once() == 1  # taken back and delivered by another (here, in process)
    smtp.handler.release.set()
    slow.join(30)
    assert outcome == ["lease lost"]
    assert len(smtp.messages) == 1
    assert _account(_rows(app, [world.host_a]), smtp) == {"slow@example.org": MessageState.SENT}


def test_a_worker_whose_lease_ran_out_stops_before_the_hand_over(pg_database, smtp, world):
    app = _fencing_app(pg_database, smtp)
    _write(app, world.host_a, "late@example.org")
    smtp.handler.stall_rcpt.set()
    outcome: list[str] = []
    slow = _slow_delivery(app, _message_id(app, world.host_a), world.host_a, outcome)
    wait_for(lambda: _rows(app, [world.host_a])[0].state is MessageState.WORKING)
    time.sleep(2.5)
    smtp.handler.release.set()  # no one took it over yet; the lease has run out all the same
    slow.join(30)
    assert outcome == ["lease lost"] and smtp.messages == []
    with app.app_context():
        assert relay_once() == 1
    assert _account(_rows(app, [world.host_a]), smtp) == {"late@example.org": MessageState.SENT}


def test_a_lease_no_longer_than_the_job_timeout_is_refused_at_start_up(pg_database):
    with pytest.raises(ConfigError, match="OUTBOX_LEASE_SECONDS"):
        create_app({**pg_config(pg_database), "OUTBOX_LEASE_SECONDS": 120, "OUTBOX_JOB_TIMEOUT_SECONDS": 120})
