"""Asking for and doing delegated tasks between a host and a placing authority on a shared
case: the asking authority stays responsible and reads the outcome; the other does the work
and records it. Each change in the acting authority's own audit trail."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.audit.services import record
from app.cases.models import Case
from app.cases.operations import Actor
from app.db import utcnow
from app.extensions import db
from app.placing.models import CaseShare
from app.placing.tasks import DelegatedTask, TaskStatus
from app.unit_of_work import Refused, operation


class TaskRefused(Refused):
    """A change to a task that the acting authority may not make; the message says why."""


def live_placing_authorities(case: Case) -> list[CaseShare]:
    """Return the case's live shares (each a placing authority the host may ask)."""
    return list(db.session.scalars(
        select(CaseShare).where(CaseShare.case_id == case.id, CaseShare.ended_at.is_(None))
        .options(joinedload(CaseShare.placing_authority)).order_by(CaseShare.id)))


def tasks_of(case_id: int) -> list[DelegatedTask]:
    """Return the case's tasks the acting authority is party to, soonest due first."""
    return list(db.session.scalars(
        select(DelegatedTask).where(DelegatedTask.case_id == case_id)
        .options(joinedload(DelegatedTask.asking_authority), joinedload(DelegatedTask.assignee),
                 joinedload(DelegatedTask.asked_by))
        .order_by(DelegatedTask.due_on, DelegatedTask.id)))


def get_task(case_id: int, task_id: int) -> DelegatedTask | None:
    return db.session.scalar(select(DelegatedTask).where(
        DelegatedTask.id == task_id, DelegatedTask.case_id == case_id))


@operation
def ask(actor: Actor, case: Case, *, placing_authority_id: int, description: str, due_on: date) -> DelegatedTask:
    """Ask the other party of a live share to do a piece of work. The host names
    the placing authority; a placing authority asks the host."""
    is_host = case.tenant_id == actor.authority_id
    if not is_host:
        placing_authority_id = actor.authority_id
    live = {share.placing_authority_id for share in live_placing_authorities(case)}
    if placing_authority_id not in live:
        raise TaskRefused("Tasks are asked only between the host and an authority it shares the case with")
    task = DelegatedTask(
        tenant_id=actor.authority_id, case_id=case.id, host_authority_id=case.tenant_id,
        placing_authority_id=placing_authority_id,
        assignee_authority_id=placing_authority_id if is_host else case.tenant_id,
        description=description, due_on=due_on, asked_by_id=actor.user.id)
    db.session.add(task)
    db.session.flush()
    record(db.session, action="task.asked", obj=task, tenant_id=actor.authority_id,
           actor_user_id=actor.user.id, actor_authority_id=actor.authority_id, case_id=case.id,
           new={"assignee_authority_id": task.assignee_authority_id, "description": description,
                "due_on": due_on.isoformat()})
    return task


@operation
def record_outcome(actor: Actor, task: DelegatedTask, *, status: TaskStatus, outcome: str) -> DelegatedTask:
    """Record, as the authority that owns the work, the task's status and outcome."""
    if task.assignee_authority_id != actor.authority_id:
        raise TaskRefused("Only the authority asked to do the task records its outcome")
    old = {"status": task.status.value, "outcome": task.outcome}
    task.status, task.outcome = status, outcome
    task.completed_at = utcnow() if status is TaskStatus.DONE else None
    task.completed_by_id = actor.user.id if status is TaskStatus.DONE else None
    db.session.flush()
    record(db.session, action="task.outcome_recorded", obj=task, tenant_id=actor.authority_id,
           actor_user_id=actor.user.id, actor_authority_id=actor.authority_id, case_id=task.case_id,
           old=old, new={"status": status.value, "outcome": outcome})
    return task


@operation
def withdraw(actor: Actor, task: DelegatedTask) -> DelegatedTask:
    """Withdraw an open task, as the authority that asked for it."""
    if task.tenant_id != actor.authority_id:
        raise TaskRefused("Only the authority that asked for the task withdraws it")
    if task.status is not TaskStatus.OPEN:
        raise TaskRefused("Only an open task can be withdrawn")
    task.status = TaskStatus.CANCELLED
    db.session.flush()
    record(db.session, action="task.withdrawn", obj=task, tenant_id=actor.authority_id,
           actor_user_id=actor.user.id, actor_authority_id=actor.authority_id, case_id=task.case_id,
           old={"status": "open"}, new={"status": "cancelled"})
    return task
