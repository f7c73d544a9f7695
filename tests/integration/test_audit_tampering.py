"""``flask verify-audit`` detects what someone with the database's owner rights could do to
the audit trail outside the product: delete the newest event, delete a whole authority's
chain, rewrite the first event with every later hash recomputed, or rewind the head too (then
the anchors the command printed before prove it). The app role itself may only advance a head.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.audit.models import AuditEvent
from app.audit.services import canonical_content, event_hash, record
from app.extensions import db
from app.tenants.scoping import Scope, scoped_as
from tests.integration.test_row_level_security import app_engine, session_as  # noqa: F401


@pytest.fixture
def trail(app, world):
    """Four events in host A's chain, two in host B's."""
    for tenant, count in ((world.host_a, 4), (world.host_b, 2)):
        with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant)):
            for n in range(count):
                record(db.session, action=f"test.{n}", object_type="Case", object_id=n,
                       tenant_id=tenant, actor_user_id=None, new={"n": n})
            db.session.commit()
    return world


def _verify(app, *args):
    return app.test_cli_runner().invoke(args=["verify-audit", *args])


def _as_owner(owner_engine, *statements, **values):
    with owner_engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), values)


def test_an_untouched_trail_is_intact_and_its_heads_are_printed(app, trail):
    result = _verify(app)
    assert result.exit_code == 0, result.output
    heads = [json.loads(line.removeprefix("audit-head ")) for line in result.output.splitlines()
             if line.startswith("audit-head ")]
    assert {(h["chain"], h["length"]) for h in heads} == {(trail.host_a, 4), (trail.host_b, 2)}


def test_deleting_the_newest_event_is_detected(app, trail, owner_engine):
    _as_owner(owner_engine, "delete from audit_event where id = (select max(id) from audit_event "
                            "where tenant_id = :t)", t=trail.host_a)
    result = _verify(app)
    assert result.exit_code != 0
    assert "Host A County Council: the chain holds 3 events but its head says 4" in result.output


def test_deleting_a_whole_authoritys_chain_is_detected(app, trail, owner_engine):
    _as_owner(owner_engine, "delete from audit_event where tenant_id = :t", t=trail.host_b)
    result = _verify(app)
    assert result.exit_code != 0
    assert "Host B County Council: the chain holds 0 events but its head says 2" in result.output


def _rewrite_first_event_and_rechain(app, owner_engine, tenant_id, hasher):
    """Forge event 1, recompute every later hash with ``hasher`` and move the head along."""
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant_id)):
        events = list(db.session.scalars(
            select(AuditEvent).where(AuditEvent.tenant_id == tenant_id).order_by(AuditEvent.id)))
        db.session.expunge_all()
    events[0].new_values = {"n": "forged"}
    previous = "0" * 64
    with owner_engine.begin() as conn:
        conn.execute(text("alter table audit_head disable trigger user"))
        for event in events:
            event.prev_hash = previous
            event.hash = hasher(event)
            conn.execute(text("update audit_event set new_values = :new, prev_hash = :prev, hash = :hash "
                              "where id = :id"), {"new": json.dumps(event.new_values), "prev": event.prev_hash,
                                                  "hash": event.hash, "id": event.id})
            previous = event.hash
        conn.execute(text("update audit_head set head_hash = :h where chain = :c"), {"h": previous, "c": tenant_id})
        conn.execute(text("alter table audit_head enable trigger user"))


def _plain_sha256(event):
    # The chain as it was before it was keyed: anyone could recompute it.
    return hashlib.sha256(canonical_content(event)).hexdigest()


@pytest.mark.parametrize("hasher", [
    _plain_sha256,
    lambda event: event_hash(event, key=b"a key the forger guessed"),
], ids=["sha256", "wrong-key"])
def test_rewriting_event_one_with_every_later_hash_recomputed_is_detected(app, trail, owner_engine, hasher):
    _rewrite_first_event_and_rechain(app, owner_engine, trail.host_a, hasher)
    result = _verify(app)
    assert result.exit_code != 0
    assert "content does not match its hash" in result.output
    assert "Host B County Council" not in result.output


def test_a_head_rewound_with_the_deletion_is_caught_by_the_logged_anchors(app, trail, owner_engine, tmp_path):
    log = tmp_path / "app.log"
    log.write_text("2026-12-01 INFO " + "\n2026-12-01 INFO ".join(_verify(app).output.splitlines()))
    _as_owner(owner_engine,
              "alter table audit_head disable trigger user",
              "delete from audit_event where id = (select max(id) from audit_event where tenant_id = :t)",
              "update audit_head set length = 3, head_hash = (select hash from audit_event where "
              "tenant_id = :t order by id desc limit 1) where chain = :t",
              "delete from audit_event where tenant_id = :b",
              "delete from audit_head where chain = :b",
              "alter table audit_head enable trigger user",
              t=trail.host_a, b=trail.host_b)
    assert _verify(app).exit_code == 0  # the rows agree with each other...
    result = _verify(app, "--anchors", str(log))
    assert result.exit_code != 0  # ...but not with what was logged before
    assert "Host A County Council: the chain holds 3 events but held 4" in result.output
    assert "Host B County Council: the chain holds 0 events but held 2" in result.output


def test_the_app_role_may_only_advance_a_head(app, trail, app_engine):  # noqa: F811
    statements = [
        "delete from audit_head",
        "update audit_head set length = length - 1",
        "update audit_head set length = length + 1",
        "update audit_head set head_hash = repeat('0', 64)",
        "insert into audit_head (tenant_id, chain, length, head_hash, updated_at) "
        "values (:t, :t, 0, repeat('0', 64), now())",
    ]
    for statement in statements:
        sql = text(statement.replace(":t", str(trail.host_a)))
        with session_as(app_engine, Scope(tenant_id=trail.host_a)) as session:
            with pytest.raises(DBAPIError, match="permission denied|audit head|duplicate key"):
                session.execute(sql)
        with session_as(app_engine, Scope(tenant_id=trail.placing_shared)) as session:
            try:
                assert session.execute(sql).rowcount == 0  # another authority's head is not there
            except DBAPIError as error:
                assert any(word in str(error) for word in ("permission denied", "row-level security",
                                                            "audit head"))
    assert _verify(app).exit_code == 0


def test_the_chain_is_read_in_batches_and_a_change_in_a_later_batch_is_found(app, trail, owner_engine):
    from app.audit.services import verify_chain

    with app.app_context(), scoped_as(db.session, Scope(tenant_id=trail.host_a)):
        assert verify_chain(db.session, trail.host_a, batch=1) == []
        assert verify_chain(db.session, trail.host_a, batch=3) == []
    _as_owner(owner_engine, "update audit_event set reason = 'edited' where id = (select max(id) "
                            "from audit_event where tenant_id = :t)", t=trail.host_a)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=trail.host_a)):
        for batch in (1, 3, 5000):
            problems = verify_chain(db.session, trail.host_a, batch=batch)
            assert len(problems) == 1 and "content does not match its hash" in problems[0], problems
