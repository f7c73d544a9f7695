"""The business rules live in the operations, so every caller (a route, a job, an import)
gets them: each is checked here by calling the operation directly, without a route, as the
app role on PostgreSQL. And an operation is one unit of work: it commits what it wrote, and a
refused change leaves nothing behind, not even in the caller's later commit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text

from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases import operations as case_operations
from app.cases.models import Case, Stage
from app.cases.operations import Actor
from app.closing import operations as closing_operations
from app.emergency import operations as emergency_operations
from app.emergency.models import RestrictionKind
from app.extensions import db
from app.meetings import operations as meeting_operations
from app.meetings.models import Meeting, MeetingAttendee
from app.risks import operations as risk_operations
from app.risks.models import KeyQuestion, Risk
from app.tenants.models import Role
from app.tenants.scoping import Scope, scoped_as
from app.unit_of_work import Refused, in_operation, operation
from tests import factories

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _as_host_lead(world):
    """Act as host A's Lead Officer: the scope, and the actor the operations take."""
    user = db.session.scalar(select(User).where(User.email == world.users["host_a_lead"]))
    actor = Actor(user=user, authority_id=world.host_a,
                  roles=frozenset({Role.LEAD_OFFICER, Role.DASS}))
    return scoped_as(db.session, Scope(tenant_id=world.host_a, user_id=user.id)), actor


def _events(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == action))


def _committed_count(owner_engine, table: str) -> int:
    # Through another connection: only what was committed counts.
    with owner_engine.connect() as conn:
        return conn.scalar(text(f"select count(*) from {table}"))


def test_the_assessment_is_recorded_only_at_stage_one(app, world, owner_engine):
    with app.app_context():
        scope, actor = _as_host_lead(world)
        with scope:
            case = db.session.get(Case, world.case_a)
            case.stage = Stage.INITIAL_MEETING
            db.session.commit()
            with pytest.raises(Refused, match="assessment can no longer change"):
                case_operations.record_assessment(actor, case, threshold_assessment="Met",
                                                  recommendation="Proceed")
            assert _events("case.assessment_recorded") == 0
    assert _committed_count(owner_engine, "case_decision") == 0


def test_at_stage_one_the_assessment_is_recorded_and_committed(app, world, owner_engine):
    with app.app_context():
        scope, actor = _as_host_lead(world)
        with scope:
            case = db.session.get(Case, world.case_a)
            case_operations.record_assessment(actor, case, threshold_assessment="Met",
                                              recommendation="Proceed")
    # Committed by the operation itself: no caller committed anything.
    assert _committed_count(owner_engine, "case_decision") == 1


def _meeting_of_case_a(world):
    with scoped_as(db.session, Scope(tenant_id=world.host_a)):
        return factories.meeting(db.session.get(Case, world.case_a)).id


def test_a_staff_member_is_invited_to_a_meeting_once(app, world, owner_engine):
    with app.app_context():
        meeting_id = _meeting_of_case_a(world)
        db.session.commit()
        scope, actor = _as_host_lead(world)
        with scope:
            case, meeting = db.session.get(Case, world.case_a), db.session.get(Meeting, meeting_id)
            invitee = meeting_operations.Invitee(name=actor.user.name, user_id=actor.user.id,
                                                 authority_id=world.host_a)
            meeting_operations.add_attendee(actor, case, meeting, invitee, part_one=True,
                                            part_two=False)
            with pytest.raises(Refused, match="is already invited"):
                meeting_operations.add_attendee(actor, case, meeting, invitee, part_one=True,
                                                part_two=True)
            assert len(db.session.scalars(select(MeetingAttendee)).all()) == 1
    assert _committed_count(owner_engine, "meeting_attendee") == 1


def test_a_held_meeting_cannot_be_cancelled_and_a_cancelled_one_cannot_be_held(app, world):
    with app.app_context():
        held_id, cancelled_id = _meeting_of_case_a(world), _meeting_of_case_a(world)
        db.session.commit()
        scope, actor = _as_host_lead(world)
        with scope:
            case = db.session.get(Case, world.case_a)
            held, cancelled = db.session.get(Meeting, held_id), db.session.get(Meeting, cancelled_id)
            meeting_operations.record_held(actor, case, held, held_at=NOW)
            meeting_operations.cancel_meeting(actor, case, cancelled)
            with pytest.raises(Refused, match="not been held or cancelled"):
                meeting_operations.cancel_meeting(actor, case, held)
            with pytest.raises(Refused, match="not been held or cancelled"):
                meeting_operations.cancel_meeting(actor, case, cancelled)
            with pytest.raises(Refused, match="was cancelled"):
                meeting_operations.record_held(actor, case, cancelled, held_at=NOW)
            assert db.session.get(Meeting, held_id).cancelled_at is None
            assert db.session.get(Meeting, cancelled_id).held_at is None


def test_a_closed_risk_cannot_change(app, world):
    with app.app_context():
        scope, actor = _as_host_lead(world)
        with scope:
            case = db.session.get(Case, world.case_a)
            risk = risk_operations.add_risk(
                actor, case, risk_operations.RiskDetails(
                    title="Falls at night", description="", key_question=KeyQuestion.SAFE,
                    mitigation="", owner_name="", review_on=None),
                likelihood=3, impact=4)
            risk_operations.close_risk(actor, case, risk, reason="Night staffing restored")
            details = risk_operations.RiskDetails.of(risk)
            for change in (
                lambda: risk_operations.edit_risk(actor, case, risk, details),
                lambda: risk_operations.rescore_risk(actor, case, risk, likelihood=1, impact=1,
                                                     note="better"),
                lambda: risk_operations.close_risk(actor, case, risk, reason="again"),
            ):
                with pytest.raises(Refused, match="is closed and cannot be changed"):
                    change()
            stored = db.session.get(Risk, risk.id)
            assert (stored.likelihood, stored.impact, len(stored.scores)) == (3, 4, 1)
            assert _events("risk.closed") == 1


def test_closure_letters_wait_for_the_final_meetings_decision(app, world):
    with app.app_context():
        scope, actor = _as_host_lead(world)
        with scope:
            case = db.session.get(Case, world.case_a)
            with pytest.raises(Refused, match="final meeting's decision to close"):
                closing_operations.send_closure_letters(
                    actor, case, provider_emails=["manager@provider-a.example"],
                    cqc_email="cqc@example.org")
            assert db.session.get(Case, world.case_a).closure_notified_at is None
            assert _events("closure.letters_sent") == 0


def test_a_restriction_ends_once(app, world):
    with app.app_context():
        scope, actor = _as_host_lead(world)
        with scope:
            case = db.session.get(Case, world.case_a)
            restriction = emergency_operations.add_restriction(
                actor, case, kind=RestrictionKind.EMBARGO, started_on=date(2026, 3, 1),
                reason="Embargo on new admissions")
            emergency_operations.end_restriction(actor, case, restriction, date(2026, 3, 9))
            with pytest.raises(Refused, match="already ended"):
                emergency_operations.end_restriction(actor, case, restriction, date(2026, 3, 10))
            assert restriction.ended_on == date(2026, 3, 9)


def test_a_refused_operation_leaves_nothing_for_a_later_commit(app, world, owner_engine):
    """An operation that refuses after changing something in memory rolls the change back, so
    the caller's next commit cannot write half of it."""

    @operation
    def retitle_then_refuse(case):
        case.title = "Half-made change"
        raise Refused("not allowed")

    with app.app_context():
        scope, _ = _as_host_lead(world)
        with scope:
            with pytest.raises(Refused):
                retitle_then_refuse(db.session.get(Case, world.case_a))
            db.session.commit()
    with owner_engine.connect() as conn:
        title = conn.scalar(text('select title from cases where id = :id'), {"id": world.case_a})
    assert title == "Case at host A"


def test_an_operation_inside_another_joins_its_unit(app, world, owner_engine):
    """A composite change is all or nothing: the inner operation does not commit, and when the
    outer one fails after it, neither is written."""

    @operation
    def assess_then_fail(actor, case):
        assert in_operation()
        case_operations.record_assessment(actor, case, threshold_assessment="Met",
                                          recommendation="Proceed")
        assert _committed_count(owner_engine, "case_decision") == 0  # flushed, not committed
        raise Refused("something later in the same change was not allowed")

    with app.app_context():
        scope, actor = _as_host_lead(world)
        with scope:
            with pytest.raises(Refused):
                assess_then_fail(actor, db.session.get(Case, world.case_a))
            assert not in_operation()
    assert _committed_count(owner_engine, "case_decision") == 0


def test_a_case_opens_only_at_a_location_of_its_provider_in_the_hosts_area(app, world,
                                                                            owner_engine):
    other = _one_id(owner_engine, "select id from location where provider_id = :p",
                    p=world.provider_b)
    with app.app_context():
        scope, actor = _as_host_lead(world)
        with scope:
            with pytest.raises(Refused, match="location of the chosen provider"):
                case_operations.open_case(actor, provider_id=world.provider_a, location_id=other,
                                          title="Wrong place", summary="")
    assert _committed_count(owner_engine, "cases") == 2  # the world's two cases only


def _one_id(owner_engine, sql: str, **params) -> int:
    with owner_engine.connect() as conn:
        return conn.scalar(text(sql), params)


def test_a_task_is_asked_only_of_an_authority_sharing_the_case(app, world, owner_engine):
    from app.placing import delegation

    with app.app_context():
        scope, actor = _as_host_lead(world)
        with scope:
            case = db.session.get(Case, world.case_a)
            with pytest.raises(Refused, match="only between the host"):
                delegation.ask(actor, case, placing_authority_id=world.placing_unshared,
                               description="Review the care plan", due_on=date(2026, 4, 1))
            db.session.commit()
            assert _committed_count(owner_engine, "delegated_task") == 0
            delegation.ask(actor, case, placing_authority_id=world.placing_shared,
                           description="Review the care plan", due_on=date(2026, 4, 1))
    # Committed by the operation itself, with its audit event.
    assert _committed_count(owner_engine, "delegated_task") == 1
    with owner_engine.connect() as conn:
        assert conn.scalar(text("select count(*) from audit_event where action = 'task.asked'")) == 1
