"""The sweep chases an alert a placing authority has not acknowledged, then escalates it to the
host's lead officer; once per share, on the real PostgreSQL and, through an RQ worker, the
real Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Queue
from sqlalchemy import select

from app.auth.models import User
from app.cases.models import Case
from app.cases.procedure_settings import ProcedureSettings
from app.db import utcnow
from app.extensions import db
from app.jobs.models import OutboxMessage
from app.jobs.sweep import sweep_once
from app.placing.contacts import AlertContact
from app.placing.models import CaseShare, ShareAcknowledgement
from app.tenants.models import Authority
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.integration.test_sweep import _burst, _worker_settings, redis_server  # noqa: F401
from tests.support.clients import sign_in

# Wednesday 11 March 2026, 10:00 in London; the alert went on Monday 9 March.
NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
ALERTED = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
CONTACT = "safeguarding@placing-unshared.example"


def _prepare(world, *, alerted=ALERTED, chased=None) -> dict[str, int]:
    """Case A has a lead officer; Placing Unshared is alerted (not acknowledged) and has a
    contact; Placing Shared acknowledged its alert; an ended share is never chased."""
    lead_id = db.session.scalar(select(User.id).where(User.email == "lead@host-a.example"))
    with scoped_as(db.session, Scope(tenant_id=world.host_a)):
        case = db.session.get(Case, world.case_a)
        case.lead_officer_id = lead_id
        for share in db.session.scalars(select(CaseShare)):
            share.alerted_at = alerted
        unshared_id = factories.share(case, db.session.get(Authority, world.placing_unshared),
                                      alerted_at=alerted, chased_at=chased).id
        ended = factories.authority("Placing Ended Council")
        factories.share(case, ended, alerted_at=alerted, ended_at=alerted + timedelta(hours=1))
        acknowledged = db.session.scalar(select(CaseShare).where(
            CaseShare.placing_authority_id == world.placing_shared))
    with scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
        db.session.add(ShareAcknowledgement(tenant_id=world.placing_shared, share_id=acknowledged.id,
                                            host_authority_id=world.host_a, link_person_name="Lin"))
        db.session.flush()
    with scoped_as(db.session, Scope(tenant_id=world.placing_unshared)):
        db.session.add(AlertContact(tenant_id=world.placing_unshared, name="Safeguarding team", email=CONTACT))
        db.session.flush()
    db.session.commit()
    return {"unshared": unshared_id}


def _messages(world) -> list[tuple[str, str, str]]:
    with scoped_as(db.session, Scope(tenant_id=world.host_a)):
        rows = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.idempotency_key.like("placing-%")).order_by(OutboxMessage.id)).all()
        found = [(row.idempotency_key.split(":")[0], row.template, row.recipient) for row in rows]
    db.session.rollback()
    return found


def test_an_unacknowledged_alert_is_chased_then_escalated_once(app, world):
    with app.app_context():
        ids = _prepare(world)
        assert sweep_once(NOW - timedelta(days=1)) == 0  # one working day after: not yet
        assert sweep_once(NOW) == 1
        sweep_once(NOW)
        assert _messages(world) == [("placing-chase", "placing_alert", CONTACT)]
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            share = db.session.get(CaseShare, ids["unshared"])
            assert share.chased_at == NOW and share.escalated_at is None
            context = db.session.scalar(select(OutboxMessage)).payload["context"]
        db.session.rollback()
        assert context["kind"] == "chase" and context["alerted_on"] == "9 March 2026"
        # Two working days after the chase (Friday 13 March): the lead officer is told, once.
        later = NOW + timedelta(days=2)
        assert sweep_once(later) == 1
        assert sweep_once(later + timedelta(days=7)) == 0
        assert _messages(world) == [("placing-chase", "placing_alert", CONTACT),
                                    ("placing-escalation", "deadline_overdue", "lead@host-a.example")]
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            escalation = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[-1]
            assert "Acknowledgement of the alert by Placing Unshared ICB" in escalation.payload["context"]["deadline"]


def test_the_host_chooses_the_working_days_before_the_chase(app, world):
    with app.app_context():
        _prepare(world)
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            db.session.add(ProcedureSettings(tenant_id=world.host_a, placing_chase_working_days=3))
            db.session.commit()
        assert sweep_once(NOW) == 0
        assert sweep_once(NOW + timedelta(days=1)) == 1


def test_the_case_page_shows_who_has_not_acknowledged(app, world):
    with app.app_context():
        _prepare(world)
        sweep_once(NOW)
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    page = host.get(f"/authorities/{world.host_a}/cases/{world.case_a}").get_data(as_text=True)
    notice = page.split('id="unacknowledged"')[1].split("</div>")[0]
    assert "Not yet acknowledged by 1 placing authority" in notice
    assert "Placing Unshared ICB: alerted 9 March 2026, chased 11 March 2026" in notice
    assert "Placing Shared Council" not in notice and "Placing Ended" not in notice
    # The placing authorities' own view of the case shows nothing of the others.
    shared = sign_in(app.test_client(), world.users["placing_shared_lead"])
    assert "Placing Unshared ICB" not in shared.get(
        f"/authorities/{world.placing_shared}/cases/{world.case_a}").get_data(as_text=True)


def test_an_rq_worker_on_real_redis_chases_and_escalates_once(app, world, pg_database, redis_server, tmp_path):  # noqa: F811
    long_ago = utcnow() - timedelta(days=60)
    with app.app_context():
        ids = _prepare(world, alerted=long_ago)
        # A second unacknowledged share, chased long ago: due its escalation.
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            case = db.session.get(Case, world.case_a)
            factories.share(case, factories.authority("Placing Chased Council"), alerted_at=long_ago,
                            chased_at=long_ago + timedelta(days=1))
        db.session.commit()
    settings = _worker_settings(pg_database, redis_server, tmp_path)
    queue = Queue(settings["RQ_QUEUE"], connection=Redis.from_url(redis_server.url))
    for _ in range(2):
        queue.enqueue("app.jobs.worker.sweep")
        _burst(settings)
    with app.app_context():
        assert sorted(_messages(world)) == [
            ("placing-chase", "placing_alert", CONTACT),
            ("placing-escalation", "deadline_overdue", "lead@host-a.example")]
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            assert db.session.get(CaseShare, ids["unshared"]).chased_at is not None
