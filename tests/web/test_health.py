"""/healthz: anonymous, numbers only, with the queue depth and the oldest undelivered message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue

from app.db import utcnow
from app.extensions import db
from app.jobs.models import MessageState
from app.jobs.outbox import enqueue_email
from app.jobs.queue import redis_connection
from app.tenants.scoping import Scope, scoped_as
from tests.support.processes import RedisServer

KEYS = {"status", "database", "redis", "queue_depth", "oldest_undelivered_seconds",
        "failed_messages", "unknown_messages"}


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def _message(app, tenant_id: int | None, age: timedelta, state=MessageState.PENDING,
             due_for: timedelta = timedelta(0)) -> None:
    scope = Scope(tenant_id=tenant_id) if tenant_id else Scope(platform_admin=True)
    with app.app_context(), scoped_as(db.session, scope):
        message = enqueue_email(db.session, tenant_id=tenant_id, template="invitation",
                                recipient=f"secret-{tenant_id}-{state}@example.org",
                                key=f"health:{tenant_id}:{state}:{age}",
                                context={"authority_name": "Secret Council"}, case_id=4242)
        message.state, message.created_at = state, utcnow() - age
        message.available_at = utcnow() - due_for
        db.session.commit()


def _health(app):
    response = app.test_client().get("/healthz")
    return response, response.get_json()


def test_it_reports_the_oldest_undelivered_message_across_authorities(app, world):
    app.config.update(REDIS_URL="")
    _message(app, world.host_a, timedelta(days=2), MessageState.SENT)  # delivered: not counted
    _message(app, world.host_a, timedelta(days=3), MessageState.FAILED)  # a person's decision
    _message(app, world.host_a, timedelta(seconds=30))
    _message(app, world.host_b, timedelta(seconds=600), MessageState.QUEUED)
    _message(app, None, timedelta(seconds=90))
    response, body = _health(app)
    assert response.status_code == 200
    assert set(body) == KEYS and body["database"] == "ok"
    assert body["queue_depth"] is None and body["redis"] == "not_configured"
    assert 600 <= body["oldest_undelivered_seconds"] < 660
    # The failed message waits on a person: the service is degraded, still in the pool.
    assert body["failed_messages"] == 1 and body["unknown_messages"] == 0
    assert body["status"] == "degraded"


def test_with_nothing_waiting_the_age_is_null(app, world):
    app.config.update(REDIS_URL="")
    _message(app, world.host_a, timedelta(hours=1), MessageState.SENT)
    assert _health(app)[1]["oldest_undelivered_seconds"] is None


def test_it_reports_the_queue_depth_from_redis(app, world, redis_server):
    app.config.update(REDIS_URL=redis_server.url, RQ_QUEUE="health-test")
    with app.app_context():
        queue = Queue("health-test", connection=redis_connection())
        for _ in range(3):
            queue.enqueue("app.jobs.worker.relay")
    _message(app, world.host_b, timedelta(seconds=45))
    response, body = _health(app)
    assert response.status_code == 200
    assert body["queue_depth"] == 3 and body["redis"] == "ok" and body["status"] == "ok"
    assert 45 <= body["oldest_undelivered_seconds"] < 105


def test_with_redis_down_it_still_answers(app, world, redis_server):
    app.config.update(REDIS_URL=redis_server.url)
    redis_server.stop()
    response, body = _health(app)
    assert response.status_code == 200 and body["queue_depth"] is None
    assert body["redis"] == "unreachable" and body["status"] == "degraded"


def test_nothing_wrong_is_ok(app, world):
    app.config.update(REDIS_URL="")
    _message(app, world.host_a, timedelta(hours=1), MessageState.SENT)
    _message(app, world.host_b, timedelta(seconds=20))
    response, body = _health(app)
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["failed_messages"] == 0 and body["unknown_messages"] == 0


def test_messages_of_unknown_fate_are_counted_and_degrade(app, world):
    app.config.update(REDIS_URL="")
    _message(app, world.host_a, timedelta(minutes=5), MessageState.UNKNOWN)
    _message(app, None, timedelta(minutes=5), MessageState.UNKNOWN)
    body = _health(app)[1]
    assert body["unknown_messages"] == 2 and body["failed_messages"] == 0
    assert body["status"] == "degraded"


def test_a_relay_that_stalled_past_the_threshold_degrades(app, world):
    app.config.update(REDIS_URL="", HEALTH_STALL_SECONDS=300)
    # Written long ago but due only now (a back-off): not a stall.
    _message(app, world.host_a, timedelta(hours=2), due_for=timedelta(seconds=10))
    assert _health(app)[1]["status"] == "ok"
    app.extensions.pop("pcp_health_outbox", None)
    _message(app, world.host_b, timedelta(minutes=20), MessageState.QUEUED, due_for=timedelta(minutes=6))
    response, body = _health(app)
    assert response.status_code == 200 and body["status"] == "degraded"


def test_it_answers_anonymously_and_shows_no_tenant_data(app, world):
    app.config.update(REDIS_URL="")
    _message(app, world.host_a, timedelta(seconds=30))
    response, body = _health(app)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and set(body) == KEYS
    for secret in ("secret-", "Secret Council", "Host A", "4242", "invitation", world.case_a_reference):
        assert secret not in text
    assert "Set-Cookie" not in response.headers
