"""Delegated tasks between the host and a placing authority on a shared case: owned by the
authority asked, which records the outcome; the asking authority sees it; nobody else does;
reminders come from the sweep."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.jobs.models import OutboxMessage
from app.jobs.sweep import sweep_once
from app.placing.contacts import AlertContact
from app.placing.models import CaseShare
from app.placing.tasks import DelegatedTask, TaskStatus
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in


def _tasks_page(world, authority):
    return f"/authorities/{authority}/cases/{world.case_a}/tasks"


def _post(client, path, page, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def _ask(client, world, authority, **data):
    page = _tasks_page(world, authority)
    values = {"placing_authority_id": str(world.placing_shared), "description": "Review Room 4's care plan",
              "due_on": ["20", "3", "2026"], **data}
    return _post(client, page, page, values)


def _tasks(app, world, tenant) -> list[DelegatedTask]:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant)):
        rows = db.session.scalars(select(DelegatedTask).order_by(DelegatedTask.id)).all()
        db.session.expunge_all()
        return list(rows)


def test_the_host_asks_the_placing_authority_which_records_the_outcome_the_host_sees(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    outsider = sign_in(app.test_client(), world.users["placing_unshared_lead"])
    form = host.get(_tasks_page(world, world.host_a)).get_data(as_text=True)
    assert "Placing Shared Council" in form and "Placing Unshared ICB" not in form  # no live share
    assert _ask(host, world, world.host_a).status_code == 302
    [task] = _tasks(app, world, world.host_a)
    assert (task.tenant_id, task.assignee_authority_id, task.status) == (
        world.host_a, world.placing_shared, TaskStatus.OPEN)
    page = placing.get(_tasks_page(world, world.placing_shared)).get_data(as_text=True)
    assert "Review Room 4&#39;s care plan" in page and "Save the outcome" in page
    assert outsider.get(_tasks_page(world, world.placing_unshared)).status_code == 404
    assert _tasks(app, world, world.placing_unshared) == []
    # The host, which asked, does not record the outcome of a task it does not own.
    path = f"{_tasks_page(world, world.host_a)}/{task.id}/outcome"
    assert _post(host, path, _tasks_page(world, world.host_a),
                 {f"task-{task.id}-status": "done", f"task-{task.id}-outcome": "x"}).status_code == 403
    path = f"{_tasks_page(world, world.placing_shared)}/{task.id}/outcome"
    assert _post(placing, path, _tasks_page(world, world.placing_shared),
                 {f"task-{task.id}-status": "done",
                  f"task-{task.id}-outcome": "Reviewed on 18 March: needs met"}).status_code == 302
    seen = host.get(_tasks_page(world, world.host_a)).get_data(as_text=True)
    assert "Reviewed on 18 March: needs met" in seen and "Done" in seen
    with app.app_context():
        for tenant, action in ((world.host_a, "task.asked"), (world.placing_shared, "task.outcome_recorded")):
            with scoped_as(db.session, Scope(tenant_id=tenant)):
                assert action in db.session.scalars(select(AuditEvent.action)).all()


def test_a_placing_authority_asks_the_host(app, world):
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    # Whatever id is posted, a placing authority asks the host about its own share.
    assert _ask(placing, world, world.placing_shared, placing_authority_id=str(world.placing_unshared),
                description="Tell us when the embargo ends").status_code == 302
    [task] = _tasks(app, world, world.host_a)
    assert (task.tenant_id, task.placing_authority_id, task.assignee_authority_id) == (
        world.placing_shared, world.placing_shared, world.host_a)
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    path = f"{_tasks_page(world, world.host_a)}/{task.id}/outcome"
    assert _post(host, path, _tasks_page(world, world.host_a),
                 {f"task-{task.id}-status": "done", f"task-{task.id}-outcome": "Embargo lifted"}).status_code == 302
    assert "Embargo lifted" in placing.get(_tasks_page(world, world.placing_shared)).get_data(as_text=True)


def test_a_task_needs_what_and_when_and_keeps_what_was_typed(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    response = _ask(host, world, world.host_a, description="Kept words", due_on=["", "", ""])
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "Enter the date the task is due" in page and 'href="#due_on-day"' in page and "Kept words" in page
    assert _tasks(app, world, world.host_a) == []


def test_ending_the_share_ends_the_placing_authoritys_reads_of_its_tasks(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    _ask(host, world, world.host_a)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        share = db.session.scalar(select(CaseShare).where(CaseShare.placing_authority_id == world.placing_shared))
        share.ended_at = datetime.now(UTC)
        db.session.commit()
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    assert placing.get(_tasks_page(world, world.placing_shared)).status_code == 404
    assert _tasks(app, world, world.placing_shared) == []
    assert len(_tasks(app, world, world.host_a)) == 1


def test_the_sweep_reminds_the_owner_of_a_task_once_per_kind(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    _ask(host, world, world.host_a)  # due Friday 20 March 2026
    with app.app_context():
        with scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
            db.session.add(AlertContact(tenant_id=world.placing_shared, name="Sam", email="sam@placing-shared.example"))
            db.session.commit()
        wednesday = datetime(2026, 3, 18, 10, tzinfo=UTC)
        sweep_once(wednesday)
        sweep_once(wednesday)
        sweep_once(datetime(2026, 3, 23, 10, tzinfo=UTC))
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("task:%"))
                                      .order_by(OutboxMessage.id)).all()
            found = [(row.template, row.recipient) for row in rows]
            deadline = rows[0].payload["context"]["deadline"]
    assert found == [("deadline_due_soon", "sam@placing-shared.example"),
                     ("deadline_overdue", "sam@placing-shared.example")]
    assert deadline == "Task asked by Host A County Council: Review Room 4's care plan"
