"""The outbox against the real PostgreSQL, a real Redis, real RQ worker processes and a real
SMTP server: nothing lost, nothing sent twice, nothing sent for a rolled-back change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.jobs.models import MessageState, OutboxMessage
from app.jobs.outbox import enqueue_email, relay_once
from app.jobs.queue import enqueuer
from app.tenants.scoping import Scope, scoped_as
from tests.conftest import pg_config
from tests.support.mail import SmtpServer
from tests.support.processes import RedisServer, Worker, wait_for
from tests.support.services import APP_ROLE, url

LEASE_SECONDS = 3
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
    """The settings shared by this process and the worker processes (through the environment)."""
    return {
        "DATABASE_URL": url(APP_ROLE, pg_database),
        "SECRET_KEY": "test-secret-key",
        "REDIS_URL": redis_server.url,
        "RQ_QUEUE": "outbox-test",
        "MAIL_CHANNEL": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        "OUTBOX_JOB_TIMEOUT_SECONDS": str(LEASE_SECONDS - 1),
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
    })


def _write(app, tenant_id, key="invitation:1", commit=True, **extra):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant_id)):
        enqueue_email(db.session, tenant_id=tenant_id, template="invitation",
                      recipient="nina@example.org", context=CONTEXT, key=key, **extra)
        if commit:
            db.session.commit()
        else:
            db.session.rollback()


def _relay(app) -> int:
    with app.app_context():
        return relay_once(enqueuer())


def _states(app, tenant_id) -> list[MessageState]:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant_id)):
        return list(db.session.scalars(select(OutboxMessage.state).order_by(OutboxMessage.id)))


def _run_burst_worker(settings) -> str:
    worker = Worker(settings, settings["RQ_QUEUE"], burst=True)
    worker.process.wait(60)
    return worker.stop()


def test_a_committed_message_is_delivered_by_a_worker(queue_app, settings, smtp, world):
    _write(queue_app, world.host_a)
    assert _relay(queue_app) == 1
    assert _states(queue_app, world.host_a) == [MessageState.QUEUED]
    output = _run_burst_worker(settings)
    assert len(smtp.messages) == 1, output
    assert smtp.messages[0]["To"] == "nina@example.org"
    assert "Host A" in str(smtp.messages[0]["Subject"])
    assert _states(queue_app, world.host_a) == [MessageState.SENT]


def test_a_rolled_back_change_sends_nothing(queue_app, settings, smtp, world):
    _write(queue_app, world.host_a, commit=False)
    assert _relay(queue_app) == 0
    _run_burst_worker(settings)
    assert smtp.messages == [] and _states(queue_app, world.host_a) == []


def test_writing_the_same_message_twice_keeps_one(queue_app, world):
    _write(queue_app, world.host_a, key="same")
    _write(queue_app, world.host_a, key="same")
    assert _states(queue_app, world.host_a) == [MessageState.PENDING]


def test_with_redis_down_the_row_waits_and_is_delivered_once_redis_is_back(
    queue_app, settings, smtp, redis_server, world
):
    redis_server.stop()
    _write(queue_app, world.host_a)
    assert _relay(queue_app) == 0
    assert _states(queue_app, world.host_a) == [MessageState.PENDING]
    redis_server.start()
    assert _relay(queue_app) == 1
    _run_burst_worker(settings)
    assert len(smtp.messages) == 1
    assert _states(queue_app, world.host_a) == [MessageState.SENT]


def test_a_worker_killed_before_sending_leads_to_exactly_one_delivery(queue_app, settings, smtp, world):
    smtp.handler.stall_rcpt.set()
    _write(queue_app, world.host_a)
    _relay(queue_app)
    worker = Worker(settings, settings["RQ_QUEUE"])
    wait_for(lambda: _states(queue_app, world.host_a) == [MessageState.WORKING])
    worker.kill()
    smtp.handler.release.set()
    assert smtp.messages == []
    # Once the dead worker's lease runs out the relay takes the message back and queues it again.
    wait_for(lambda: _relay(queue_app) == 1, timeout=LEASE_SECONDS * 5, interval=0.5)
    _run_burst_worker(settings)
    assert len(smtp.messages) == 1
    assert _states(queue_app, world.host_a) == [MessageState.SENT]


def test_a_worker_killed_after_handing_over_leaves_the_message_unknown(queue_app, settings, smtp, world):
    smtp.handler.stall_data.set()
    _write(queue_app, world.host_a)
    _relay(queue_app)
    worker = Worker(settings, settings["RQ_QUEUE"])
    wait_for(lambda: _states(queue_app, world.host_a) == [MessageState.SENDING] and smtp.messages)
    worker.kill()
    smtp.handler.release.set()
    wait_for(lambda: _relay(queue_app) == 0 and _states(queue_app, world.host_a) == [MessageState.UNKNOWN],
             timeout=LEASE_SECONDS * 5, interval=0.5)
    _run_burst_worker(settings)
    assert len(smtp.messages) == 1
    assert _states(queue_app, world.host_a) == [MessageState.UNKNOWN]


def test_a_refused_recipient_fails_for_good_with_the_error(queue_app, settings, smtp, world):
    smtp.handler.reject_rcpt = True
    _write(queue_app, world.host_a)
    _relay(queue_app)
    _run_burst_worker(settings)
    with queue_app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.state is MessageState.FAILED
        assert "550" in message.last_error


def test_another_authority_cannot_see_the_message(queue_app, world):
    _write(queue_app, world.host_a)
    assert _states(queue_app, world.host_b) == []
