"""A provider reads the actions it owns and the meetings whose part two is shared with it, on a
case it was told of and not kept out of: PostgreSQL alone and the ORM criteria alone each say so."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.actions.models import Action
from app.meetings.models import Meeting
from app.tenants import scoping
from app.tenants.scoping import Scope
from tests import provider_records
from tests.integration.test_row_level_security import app_engine, session_as  # noqa: F401


@contextmanager
def orm_alone(owner_engine, scope: Scope):
    # The owner role is not subject to row-level security: only the ORM criteria filter.
    with Session(owner_engine) as session:
        scoping.set_scope(session, scope)
        yield session
        session.rollback()


def _seen_rls(engine, scope: Scope) -> tuple[set, set]:
    with session_as(engine, scope) as session:
        return (set(session.execute(text("select id from case_action")).scalars()),
                set(session.execute(text("select id from meeting")).scalars()))


def _seen_orm(engine, scope: Scope) -> tuple[set, set]:
    with orm_alone(engine, scope) as session:
        return set(session.scalars(select(Action.id))), set(session.scalars(select(Meeting.id)))


@pytest.fixture(params=["rls", "orm"])
def seen(request, owner_engine):
    if request.param == "rls":
        engine = request.getfixturevalue("app_engine")
        return lambda scope: _seen_rls(engine, scope)
    return lambda scope: _seen_orm(owner_engine, scope)


def test_the_provider_reads_its_own_actions_and_shared_part_two(app, world, seen):
    made = provider_records.build(app, world)
    assert seen(Scope(provider_id=world.provider_a)) == (
        {made["provider_action"]}, {made["shared_meeting"]})
    assert seen(Scope(provider_id=world.provider_b)) == (
        {made["other_provider_action"]}, {made["other_provider_meeting"]})


@pytest.mark.parametrize("state", [{"told": False}, {"told": True, "kept_out": True}])
def test_nothing_before_the_provider_is_told_or_while_kept_out(app, world, seen, state):
    made = provider_records.build(app, world, **state)
    assert seen(Scope(provider_id=world.provider_a)) == (set(), set())
    # The host still reads everything of its case.
    actions, meetings = seen(Scope(tenant_id=world.host_a))
    assert made["provider_action"] in actions and made["shared_meeting"] in meetings


def test_no_scope_and_staff_scopes_gain_nothing_from_the_provider_rule(app, world, seen):
    made = provider_records.build(app, world)
    assert seen(Scope(user_id=1)) == (set(), set())
    actions, meetings = seen(Scope(tenant_id=world.placing_unshared))
    assert made["provider_action"] not in actions and made["shared_meeting"] not in meetings


def test_the_provider_changes_no_action_or_meeting(app, world, app_engine):  # noqa: F811
    provider_records.build(app, world)
    with session_as(app_engine, Scope(provider_id=world.provider_a)) as session:
        for statement in ("update case_action set status = 'done'", "delete from case_action",
                          "update meeting set venue = 'x'", "update meeting_part set minutes = 'x'",
                          "delete from meeting_part", "delete from meeting"):
            assert session.execute(text(statement)).rowcount == 0, statement


def _insert_update(session, world, action_id, provider_id, user_id):
    return session.execute(text(
        "insert into provider_action_update (tenant_id, case_id, action_id, provider_id, user_id,"
        " status, note, created_at) values (:t, :c, :a, :p, :u, 'done', 'x', now())"),
        {"t": world.host_a, "c": world.case_a, "a": action_id, "p": provider_id, "u": user_id})


def _user_id(app, email):
    from app.auth.services import find_user_by_email
    from app.extensions import db
    from app.tenants.scoping import NOBODY, scoped_as

    with app.app_context(), scoped_as(db.session, NOBODY):
        return find_user_by_email(email).id


@pytest.mark.parametrize("action", ["host_action", "placing_action", "agency_action"])
def test_rls_refuses_a_provider_update_of_an_action_it_does_not_own(
        app, world, app_engine, action):  # noqa: F811
    from sqlalchemy.exc import ProgrammingError

    made = provider_records.build(app, world)
    user = _user_id(app, world.users["provider_a_manager"])
    with session_as(app_engine, Scope(provider_id=world.provider_a, user_id=user)) as session:
        with pytest.raises(ProgrammingError, match="row-level security"):
            _insert_update(session, world, made[action], world.provider_a, user)


def test_rls_takes_a_providers_update_as_itself_and_keeps_it(app, world, app_engine):  # noqa: F811
    from sqlalchemy.exc import ProgrammingError

    made = provider_records.build(app, world)
    user = _user_id(app, world.users["provider_a_manager"])
    scope = Scope(provider_id=world.provider_a, user_id=user)
    with session_as(app_engine, scope) as session:
        _insert_update(session, world, made["provider_action"], world.provider_a, user)
        session.commit()
    with session_as(app_engine, scope) as session:
        assert session.execute(text("select count(*) from provider_action_update")).scalar() == 1
        with pytest.raises(ProgrammingError, match="permission denied"):
            session.execute(text("update provider_action_update set note = 'changed'"))
    # Provider B and host B read none of it; host A reads it.
    for outsider in (Scope(provider_id=world.provider_b), Scope(tenant_id=world.host_b)):
        with session_as(app_engine, outsider) as session:
            assert session.execute(text("select count(*) from provider_action_update")).scalar() == 0
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        assert session.execute(text("select count(*) from provider_action_update")).scalar() == 1
    # Posing as another provider or another user is refused.
    with session_as(app_engine, Scope(provider_id=world.provider_b, user_id=user)) as session:
        with pytest.raises(ProgrammingError, match="row-level security"):
            _insert_update(session, world, made["provider_action"], world.provider_a, user)
