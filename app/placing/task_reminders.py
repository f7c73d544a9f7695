"""Reminders of delegated tasks, written by the reminder sweep acting as the host: before the
due day, on it and when overdue, to whoever owns the work (the placing authority's contact, or
the host's lead officer of the case). Once per task, kind and due day (the outbox key)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.cases.clocks import working_days_until
from app.cases.models import Case
from app.extensions import db
from app.formatting import long_date
from app.jobs.outbox import enqueue_email, existing_keys, record_skipped
from app.links import absolute_url
from app.placing.alerts import recipients_of
from app.placing.models import CaseShare
from app.placing.tasks import DelegatedTask, TaskStatus


def _kind(task: DelegatedTask, today: date, window: int) -> str | None:
    if task.due_on < today:
        return "overdue"
    if task.due_on == today:
        return "due_today"
    if 0 < working_days_until(today, task.due_on) <= window:
        return "due_soon"
    return None


def remind_tasks(host_id: int, today: date, window: int, members: set[int]) -> int:
    """Write the reminders due today of the open tasks on the host's cases; return how many
    are to be sent."""
    tasks = list(db.session.scalars(
        select(DelegatedTask).where(DelegatedTask.host_authority_id == host_id,
                                    DelegatedTask.status == TaskStatus.OPEN)
        .options(joinedload(DelegatedTask.asking_authority), joinedload(DelegatedTask.assignee))
        .order_by(DelegatedTask.id)))
    due = [(task, kind) for task in tasks if (kind := _kind(task, today, window))]
    if not due:
        return 0
    written = existing_keys(db.session, [_key(task, kind) for task, kind in due])
    due = [(task, kind) for task, kind in due if _key(task, kind) not in written]
    cases = {case.id: case for case in db.session.scalars(
        select(Case).where(Case.id.in_({task.case_id for task, _ in due}))
        .options(joinedload(Case.provider), joinedload(Case.lead_officer)))}
    shares = list(db.session.scalars(select(CaseShare).where(
        CaseShare.case_id.in_(list(cases)), CaseShare.ended_at.is_(None))))
    contacts = recipients_of(host_id, shares)
    share_of = {(share.case_id, share.placing_authority_id): share.id for share in shares}
    return sum(_remind(task, kind, cases[task.case_id], today, members, contacts, share_of)
               for task, kind in due)


def _key(task: DelegatedTask, kind: str) -> str:
    return f"task:{task.id}:{kind}:{task.due_on.isoformat()}"


def _remind(task, kind, case, today, members, contacts, share_of) -> int:
    if task.assignee_authority_id == case.tenant_id:
        lead = case.lead_officer
        usable = lead is not None and lead.active and lead.id in members
        person = (lead.name, lead.email) if usable else None
        role = "the lead officer of the case, whose authority was asked to do this task"
    else:
        person = contacts.get(share_of.get((case.id, task.assignee_authority_id)))
        role = f"the contact of {task.assignee.name}, which was asked to do this task"
    context = {
        "name": person[0] if person else "", "role": role, "authority_name": task.assignee.name,
        "reference": case.reference, "provider": case.provider.name, "title": case.title,
        "deadline": f"Task asked by {task.asking_authority.name}: {task.description[:200]}",
        "due": long_date(task.due_on), "working_days": working_days_until(today, task.due_on),
        "link": absolute_url("placing_tasks.list_tasks", authority_id=task.assignee_authority_id,
                             case_id=case.id),
    }
    template = f"deadline_{kind}"
    if person is None:
        record_skipped(db.session, tenant_id=case.tenant_id, template=template, recipient="",
                       context=context, key=_key(task, kind), case_id=case.id, key_checked=True,
                       reason=f"Not sent: {task.assignee.name} has no contact who can be reminded.")
        return 0
    enqueue_email(db.session, tenant_id=case.tenant_id, template=template, recipient=person[1],
                  case_id=case.id, key=_key(task, kind), context=context, key_checked=True)
    return 1
