"""Deadline reminders reach only people who can still act on the authority's cases; every
reminder that cannot go to its person is recorded, with the reason, on the real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.jobs.models import MessageState, OutboxMessage
from app.jobs.sweep import sweep_once
from app.tenants.models import Membership
from app.tenants.scoping import Scope, scoped_as
from tests.integration.test_sweep import EXPECTED_A, NOW, OWNER_A, _build_deadlines, _reminders

LEAD_A = "lead@host-a.example"
ACTION_REMINDERS = {(ref, deadline, kind) for ref, deadline, kind, who in EXPECTED_A if who == OWNER_A}


@pytest.fixture
def deadlines(app, world):
    with app.app_context():
        _build_deadlines(world)
    return world


def _deactivate_membership(tenant_id: int, email: str) -> None:
    with scoped_as(db.session, Scope(tenant_id=tenant_id)):
        membership = db.session.scalars(
            select(Membership).join(User, User.id == Membership.user_id).where(User.email == email)
        ).one()
        membership.active = False
        db.session.commit()


def _by_state(tenant_id: int) -> dict[MessageState, set[tuple[str, str, str, str]]]:
    found: dict[MessageState, set] = {}
    for message in _reminders(tenant_id):
        _, _case, deadline, kind, _due, _user = message.idempotency_key.split(":")
        found.setdefault(message.state, set()).add((
            message.payload["context"]["reference"], "action" if deadline.startswith("action-") else deadline,
            kind, message.recipient))
    return found


def test_an_action_owner_whose_membership_ended_is_skipped_and_the_lead_officer_told(app, deadlines):
    with app.app_context():
        _deactivate_membership(deadlines.host_a, OWNER_A)
        queued = sweep_once(NOW)
        found = _by_state(deadlines.host_a)
        skipped = [m for m in _reminders(deadlines.host_a) if m.state is MessageState.SKIPPED]
        lead_told = [m for m in _reminders(deadlines.host_a)
                     if m.recipient == LEAD_A and ":action-" in m.idempotency_key]
        assert sweep_once(NOW) == 0  # nothing twice, skipped ones included
        assert len(_reminders(deadlines.host_a)) == len(found[MessageState.PENDING]) + len(skipped)
    expected_lead = {(ref, deadline, kind, LEAD_A) for ref, deadline, kind in ACTION_REMINDERS}
    assert found[MessageState.SKIPPED] == {(ref, d, k, OWNER_A) for ref, d, k in ACTION_REMINDERS}
    assert found[MessageState.PENDING] == (EXPECTED_A - found[MessageState.SKIPPED]) | expected_lead
    assert queued == len(found[MessageState.PENDING]) + 2  # host B's two
    assert all("membership of the authority is deactivated" in m.last_error for m in skipped)
    assert all("action's owner can no longer be reminded" in m.payload["context"]["role"] for m in lead_told)


def test_a_lead_officer_who_left_gets_nothing_and_the_chair_is_still_told_of_breaches(app, deadlines):
    with app.app_context():
        _deactivate_membership(deadlines.host_a, LEAD_A)
        sweep_once(NOW)
        found = _by_state(deadlines.host_a)
        skipped = [m for m in _reminders(deadlines.host_a) if m.state is MessageState.SKIPPED]
    assert LEAD_A not in {who for *_, who in found[MessageState.PENDING]}
    assert found[MessageState.SKIPPED] == {r for r in EXPECTED_A if r[3] == LEAD_A}
    assert found[MessageState.PENDING] == {r for r in EXPECTED_A if r[3] != LEAD_A}
    assert skipped and all(m.last_error.startswith("Not sent to") for m in skipped)


def test_a_deactivated_account_is_skipped_with_its_reason(app, deadlines):
    with app.app_context():
        owner = db.session.scalars(select(User).where(User.email == OWNER_A)).one()
        owner.active = False
        db.session.commit()
        sweep_once(NOW)
        skipped = [m for m in _reminders(deadlines.host_a) if m.state is MessageState.SKIPPED]
    assert {m.recipient for m in skipped} == {OWNER_A} and len(skipped) == len(ACTION_REMINDERS)
    assert all("account is deactivated" in m.last_error for m in skipped)


def test_skipped_reminders_are_never_handed_to_a_worker(app, deadlines):
    from app.jobs.outbox import relay_once

    app.config.update(REDIS_URL="")
    with app.app_context():
        _deactivate_membership(deadlines.host_a, OWNER_A)
        sweep_once(NOW)
        relay_once()
        states = {m.recipient: m.state for m in _reminders(deadlines.host_a) if m.recipient == OWNER_A}
        assert states == {OWNER_A: MessageState.SKIPPED}
        with scoped_as(db.session, Scope(tenant_id=deadlines.host_a)):
            assert db.session.scalar(select(OutboxMessage.sent_at).where(OutboxMessage.recipient == OWNER_A)) is None
