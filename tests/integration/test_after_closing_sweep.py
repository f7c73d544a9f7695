"""Obligations after closing (the 24-hour closure notice, the contract monitoring review) are
reminded of by the sweep once the case is closed, until they are met; on PostgreSQL as the
app role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from app.auth.models import User
from app.cases.models import Case, Decision, DecisionOutcome, Stage
from app.extensions import db
from app.jobs.models import OutboxMessage
from app.jobs.sweep import sweep_once
from app.meetings.models import FinalDecision, MeetingKind
from app.tenants.scoping import Scope, scoped_as
from tests import factories

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)


def _closed_case(world, *, final_held: datetime, plan_at: datetime, **extra) -> int:
    from app.tenants.models import Authority

    host = db.session.get(Authority, world.host_a)
    lead_id = db.session.scalar(select(User.id).where(User.email == world.users["host_a_lead"]))
    place = factories.location(factories.provider(), host)
    case = factories.case(place, stage=Stage.CLOSED, lead_officer_id=lead_id,
                          plan_first_submitted_at=plan_at, closed_at=final_held, **extra)
    with scoped_as(db.session, Scope(tenant_id=world.host_a)):
        db.session.add(Decision(tenant_id=world.host_a, case_id=case.id, outcome=DecisionOutcome.PROCEED,
                                decided_at=plan_at - timedelta(days=60)))
        db.session.flush()
    factories.meeting(case, MeetingKind.FINAL, scheduled_for=final_held, held_at=final_held,
                      final_decision=FinalDecision.CLOSE, sustainability_rationale="Stable")
    with scoped_as(db.session, Scope(tenant_id=world.host_a)):
        case_id = case.id
        db.session.commit()
    return case_id


def _reminded(world, case_id: int) -> set[tuple[str, str]]:
    with scoped_as(db.session, Scope(tenant_id=world.host_a)):
        keys = db.session.scalars(select(OutboxMessage.idempotency_key)
                                  .where(OutboxMessage.case_id == case_id))
        return {tuple(key.split(":")[2:4]) for key in keys}


def test_a_closed_case_is_reminded_of_its_closure_notice_and_review_until_met(app, world):
    with app.app_context():
        # Closed yesterday, letters not sent (24 hours: overdue); plan in late December, so
        # the 3-month review falls due within the reminder window.
        case_id = _closed_case(world, final_held=NOW - timedelta(hours=30),
                               plan_at=NOW - relativedelta(months=3) + timedelta(days=1))
        # Another closed case whose obligations are met: nothing at all.
        met_id = _closed_case(world, final_held=NOW - timedelta(hours=30), plan_at=NOW - timedelta(days=40),
                              closure_notified_at=NOW - timedelta(hours=20),
                              contract_review_at=NOW - timedelta(days=1))
        sweep_once(NOW)
        reminded = _reminded(world, case_id)
        assert ("closure_notice", "overdue") in reminded
        assert ("contract_review", "due_soon") in reminded
        # Clocks that closing ended are not reminded of.
        assert not {deadline for deadline, _ in reminded} - {"closure_notice", "contract_review"}
        assert _reminded(world, met_id) == set()

        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            case = db.session.get(Case, case_id)
            case.closure_notified_at = NOW
            case.contract_review_at = NOW
            db.session.commit()
        before = _reminded(world, case_id)
        later = NOW + timedelta(days=2)
        sweep_once(later)
        assert _reminded(world, case_id) == before  # met: no more reminders
