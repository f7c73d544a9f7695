"""The sweep's statements do not grow with the reminders it checks: the idempotency keys
already in the outbox are looked up in bulk, not one query per reminder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.cases.models import Case, Decision, DecisionOutcome, Stage
from app.extensions import db
from app.jobs.models import OutboxMessage
from app.jobs.sweep import sweep_once
from app.tenants.models import Authority, Role
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.statements import counting_statements

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)


def _overdue_cases(app, world, count: int) -> None:
    """Add ``count`` cases whose provider should have been told long ago (an overdue clock)."""
    with app.app_context():
        host_a = db.session.get(Authority, world.host_a)
        lead = factories.member(host_a, Role.LEAD_OFFICER)
        location = factories.location(factories.provider(), host_a)
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            for _ in range(count):
                case = factories.case(location, stage=Stage.DECISION, lead_officer_id=lead.id)
                db.session.add(Decision(tenant_id=world.host_a, case_id=case.id, threshold_assessment="met",
                                        outcome=DecisionOutcome.PROCEED,
                                        decided_at=NOW - timedelta(days=30)))
            db.session.commit()


def _sweep_counted(app) -> tuple[int, int]:
    """Sweep at NOW; return the statements sent and the reminders newly queued."""
    with counting_statements(app) as counted, app.app_context():
        queued = sweep_once(NOW)
    return counted.count, queued


def _outbox_size(app, tenant_id: int) -> int:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant_id)):
        return db.session.scalar(select(func.count(OutboxMessage.id)))


def test_a_repeated_sweep_checks_its_keys_in_bulk(app, world):
    _overdue_cases(app, world, 5)
    _sweep_counted(app)
    few, again = _sweep_counted(app)
    assert again == 0

    _overdue_cases(app, world, 120)
    _sweep_counted(app)  # queues the new cases' reminders
    many, again = _sweep_counted(app)
    assert again == 0
    assert many == few, f"{few} statements over 5 cases, {many} over 125"
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        cases = db.session.scalar(select(func.count(Case.id)).where(Case.reference.like("REF-%")))
    assert cases >= 125
    assert _outbox_size(app, world.host_a) >= 125  # one reminder each at least, none twice


def test_a_first_sweep_does_not_look_each_key_up(app, world):
    _overdue_cases(app, world, 5)
    few, queued_few = _sweep_counted(app)
    _overdue_cases(app, world, 120)
    many, queued_many = _sweep_counted(app)
    assert queued_few >= 5 and queued_many >= 120
    # New rows are written (batched by SQLAlchemy's insertmanyvalues), but nothing is looked
    # up per reminder: at most a few statements more for 24 times the reminders.
    assert many - few <= 5, f"{few} statements for {queued_few} reminders, {many} for {queued_many}"
