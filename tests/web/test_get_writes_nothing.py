"""A GET request changes nothing: every GET route of ``app.url_map``, opened with real ids from
a seeded world by host staff, a placing authority, a provider user, a platform administrator
and an anonymous visitor, must not write a row or commit.

Writes are caught where they reach the database (every INSERT, UPDATE or DELETE the app role
sends) and at every commit, so a write through the ORM, a Core statement or a raw SQL string
is seen alike. A write that belongs to reading a page is allowed only if listed in ``ALLOWED_GET_WRITES``,
and a writer that runs after any request only if listed in ``ALLOWED_GET_WRITERS``, each with
its reason (signing out, which also ends a session, is not: its reason differs).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from app.auth.models import User
from app.cases.models import Case
from app.extensions import db
from app.jobs import in_process
from app.plans import operations as plan_operations
from app.plans.models import PlanArea, Rag
from app.tenants.models import Authority, Role
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.integration.test_visibility_equivalence import build_full_world
from tests.support.clients import sign_in

STATIC_ENDPOINTS = {"static", "assets.static"}

# Writes a GET may make, and why. Adding one is a decision: make it in review.
ALLOWED_GET_WRITES = {
    "user_session.last_seen_at": "the server-side session is touched (last seen) at most once "
                                 "a minute as the user loader reads it (app/auth/sessions.py "
                                 "user_for_token), so that idle expiry counts from real use",
    "user_session.ended_at(idle)": "a session presented after its idle timeout is ended there "
                                   "and then (app/auth/sessions.py user_for_token)",
    "user_session.ended_at(absolute_lifetime)": "likewise a session past its absolute lifetime",
    # Opening a feedback link or a "you said, we did" code that leads nowhere counts against
    # the address (app/quality/throttle.py), or anyone could try codes by the thousand.
    "feedback_throttle.attempts": "a public link or code that opens nothing counts against "
                                  "the address, so that codes cannot be guessed at speed",
    "DELETE feedback_throttle": "the address's count from an earlier minute is dropped",
    "INSERT feedback_throttle": "the address's first attempt of the minute is counted",
}

# Code that may write during any request, and why. Its writes are tagged as its own.
ALLOWED_GET_WRITERS = {
    "outbox relay": "on the embedded default (no Redis) the web process delivers the outbox: "
                    "after any request it relays due messages, at most every "
                    "OUTBOX_INLINE_RETRY_SECONDS (app/jobs/in_process.py _relay); with Redis "
                    "the workers do it",
}

DML = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?(?:\s+SET\s+(\w+))?",
                 re.IGNORECASE)


def describe(statement: str, parameters) -> str | None:
    """Name a write: ``table`` for an insert or delete, ``table.first_column_set`` for an
    update (with the reason given, for a session ended); None for a read."""
    match = DML.match(statement)
    if match is None:
        return None
    verb, table, column = match.groups()
    if not verb.upper().startswith("UPDATE"):
        return f"{verb.split()[0].upper()} {table}"
    name = f"{table}.{column}"
    if isinstance(parameters, dict) and "ended_reason" in parameters:
        name += f"({parameters['ended_reason']})"
    return name


@contextmanager
def writes_seen(app):
    """Collect, while open, every write and every commit, in order; those made by an allowed
    writer (``ALLOWED_GET_WRITERS``) are tagged with its name."""
    seen: list[str] = []
    writer: list[str] = []

    def tagged(entry: str) -> str:
        return f"{writer[-1]}: {entry}" if writer else entry

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        write = describe(statement, parameters)
        if write:
            seen.append(tagged(write))

    def on_commit(session):
        seen.append(tagged("COMMIT"))

    relay = in_process._relay

    def relay_as_allowed_writer():
        writer.append("outbox relay")
        try:
            return relay()
        finally:
            writer.pop()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(Session, "after_commit", on_commit)
    in_process._relay = relay_as_allowed_writer
    try:
        yield seen
    finally:
        in_process._relay = relay
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(Session, "after_commit", on_commit)


def unexplained(seen: list[str]) -> list[str]:
    """The writes of one request that the allow-lists do not explain: any other write, or a
    commit with no allowed write before it."""
    own = [entry for entry in seen if entry.split(":")[0] not in ALLOWED_GET_WRITERS]
    allowed_write = any(write in ALLOWED_GET_WRITES for write in own)
    return [entry for entry in own
            if (entry == "COMMIT" and not allowed_write)
            or (entry != "COMMIT" and entry not in ALLOWED_GET_WRITES)]


def _one(owner_engine, sql: str, **params) -> int:
    with owner_engine.connect() as conn:
        value = conn.scalar(text(sql), params)
    assert value is not None, f"the seeded world has no row for: {sql}"
    return value


def _seed(app):
    """The full world (rows of every scoped model), an Improvement Plan with an item, and a
    host and a placing user holding every role, so that every page opens."""
    with app.app_context():
        world, users, _, _ = build_full_world()
        host_all = factories.member(db.session.get(Authority, world.host_a), *Role).email
        placing_all = factories.member(db.session.get(Authority, world.placing_shared), *Role).email
        db.session.commit()
        manager = db.session.scalar(select(User).where(User.email == world.users["provider_a_manager"]))
        with scoped_as(db.session, Scope(provider_id=world.provider_a, user_id=manager.id)):
            plan_operations.add_item(db.session.get(Case, world.case_a), {
                "area": list(PlanArea)[0], "action": "Recruit", "lead": "Manager",
                "target_on": date(2026, 6, 1), "evidence_required": "Rotas", "rag": Rag.AMBER})
    return world, host_all, placing_all


def _values(owner_engine, world, authority_id: int) -> dict:
    case = world.case_a
    return {
        "authority_id": authority_id,
        "authority_ref": world.host_a,
        "case_id": case,
        "resident_id": world.resident_a_placed,
        "membership_id": _one(owner_engine, "select min(id) from membership where tenant_id = :t",
                              t=authority_id),
        "provider_id": world.provider_a,
        "meeting_id": _one(owner_engine, "select min(id) from meeting where case_id = :c", c=case),
        "risk_id": _one(owner_engine, "select min(id) from risk where case_id = :c", c=case),
        "action_id": _one(owner_engine, "select min(id) from case_action where case_id = :c", c=case),
        "item_id": _one(owner_engine, "select min(id) from plan_item where case_id = :c", c=case),
        "code": _one(owner_engine, "select code from authority where id = :a", a=world.host_a),
        "addressee": "provider",
        "token": "not-a-real-token",
        "section": "meetings",
        "clock_key": "findings_meeting",
        "evidence_id": _one(owner_engine, "select min(id) from evidence_file where case_id = :c", c=case) or 1,
        "point_id": _one(owner_engine, "select min(id) from reply_point where case_id = :c", c=case) or 1,
        "notice_id": _one(owner_engine, "select min(id) from provider_notice where case_id = :c", c=case) or 1,
        "task_id": _one(owner_engine, "select min(id) from delegated_task where case_id = :c", c=case) or 1,
        "response_id": _one(owner_engine, "select min(id) from feedback_response where case_id = :c", c=case) or 1,
        # Public feedback addresses with values that open nothing: a kind page, and no write.
        "credential": "1.not-a-real-feedback-token-xx",
        "public_code": "1-ABCDEFGH",
    }


def _get_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint not in STATIC_ENDPOINTS]


@pytest.fixture
def seeded(app, owner_engine):
    return _seed(app)


@pytest.mark.parametrize("who", ["host", "placing", "provider", "platform admin", "anonymous"])
def test_no_get_request_writes_or_commits(app, owner_engine, seeded, who):
    world, host_all, placing_all = seeded
    client = app.test_client()
    authority_id = world.placing_shared if who == "placing" else world.host_a
    if who == "host":
        sign_in(client, host_all)
    elif who == "placing":
        sign_in(client, placing_all)
    elif who == "provider":
        sign_in(client, world.users["provider_a_manager"], provider=True)
    elif who == "platform admin":
        sign_in(client, world.users["platform_admin"])
    values = _values(owner_engine, world, authority_id)
    rules = _get_rules(app)
    assert len(rules) > 60, "the url_map should hold every page"
    failures, opened = [], 0
    for rule in rules:
        missing = set(rule.arguments) - set(values)
        assert not missing, f"teach this test a real value for {missing} in {rule.rule}"
        path = rule.build({name: values[name] for name in rule.arguments})[1]
        with writes_seen(app) as seen:
            response = client.get(path)
        assert response.status_code < 500, (who, path, response.status_code)
        opened += response.status_code == 200
        if unexplained(seen):
            failures.append((path, unexplained(seen)))
    assert failures == [], f"GET requests that wrote as {who}: {failures}"
    # The ids are real: pages opened, not only refusals and redirects.
    assert opened >= {"host": 40, "placing": 10, "provider": 5, "platform admin": 8,
                      "anonymous": 2}[who], (who, opened)


def test_the_session_touch_is_the_allowed_get_write(app, seeded, owner_engine):
    """The allow-list is needed and enough: a session last seen over a minute ago is touched
    by a GET, and that write is explained."""
    world, host_all, _ = seeded
    client = sign_in(app.test_client(), host_all)
    with owner_engine.begin() as conn:
        conn.execute(text("update user_session set last_seen_at = last_seen_at - interval '1 hour', "
                          "created_at = created_at - interval '1 hour'"))
    with writes_seen(app) as seen:
        assert client.get(f"/authorities/{world.host_a}/cases").status_code == 200
    assert "user_session.last_seen_at" in seen and "COMMIT" in seen
    assert unexplained(seen) == []


def test_a_write_in_a_get_is_caught(app, seeded):
    """The hook sees a write made during a GET (here, one the test adds to the request)."""
    world, host_all, _ = seeded
    writing = []

    @app.before_request
    def _write_something():
        if writing:
            db.session.execute(text("update authority set name = name where id = :a"),
                               {"a": world.host_a})

    client = sign_in(app.test_client(), host_all)
    writing.append(True)
    with writes_seen(app) as seen:
        client.get(f"/authorities/{world.host_a}/cases")
    assert unexplained(seen) == ["authority.name"]


def test_the_outbox_relay_after_a_get_is_an_allowed_writer(app, seeded):
    """On the embedded default the relay runs after any request once its interval has passed:
    its writes are its own, tagged and explained, and nothing else is written."""
    client = app.test_client()
    app.extensions.pop(in_process.LAST_RETRY_KEY, None)
    with writes_seen(app) as seen:
        assert client.get("/healthz").status_code in (200, 503)
    assert any(entry.startswith("outbox relay: outbox_message.") for entry in seen), seen
    assert unexplained(seen) == []
