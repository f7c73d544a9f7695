"""Delegated tasks: the host asks a placing authority to do a piece of work on a shared case,
or a placing authority asks the host. The task is owned by the other authority, which records
its outcome; the asking authority (tenant_id) stays responsible and sees the outcome."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Text, and_, exists, false, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import CreatedAtMixin, str_enum
from app.extensions import db
from app.placing.models import CaseShare
from app.tenants.models import Authority
from app.tenants.scoping import Scope, TenantScoped, equals


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {TaskStatus.OPEN: "Open", TaskStatus.DONE: "Done", TaskStatus.CANCELLED: "Cancelled"}[self]


class DelegatedTask(TenantScoped, CreatedAtMixin, db.Model):
    """tenant_id is the asking authority; ``assignee_authority_id`` the one that does the work.

    Both parties read and write it (the operations decide which fields each changes): the host
    always, the placing authority while its share of the case is live.
    """

    __tablename__ = "delegated_task"
    RLS_READ = (
        "host_authority_id = app_tenant() OR (placing_authority_id = app_tenant() AND EXISTS ("
        "SELECT 1 FROM case_share s WHERE s.case_id = delegated_task.case_id "
        "AND s.placing_authority_id = app_tenant() AND s.tenant_id = delegated_task.host_authority_id "
        "AND s.ended_at IS NULL))"
    )
    RLS_WRITE = RLS_READ

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    host_authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    placing_authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    assignee_authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date]
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus, 20), default=TaskStatus.OPEN)
    outcome: Mapped[str] = mapped_column(Text, default="")
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    asking_authority: Mapped[Authority] = relationship(foreign_keys="DelegatedTask.tenant_id")
    assignee: Mapped[Authority] = relationship(foreign_keys=[assignee_authority_id])
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])

    @classmethod
    def visible_to(cls, scope: Scope):
        if scope.tenant_id is None:
            return false()
        shares = CaseShare.__table__
        live_share = exists(select(shares.c.id)).where(and_(
            shares.c.case_id == cls.case_id, shares.c.placing_authority_id == scope.tenant_id,
            shares.c.tenant_id == cls.host_authority_id, shares.c.ended_at.is_(None)))
        return equals(cls.host_authority_id, scope.tenant_id) | (
            equals(cls.placing_authority_id, scope.tenant_id) & live_share)

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        # The live share is checked by the operations (and by the database's policy).
        return scope.tenant_id is not None and scope.tenant_id in (
            row.host_authority_id, row.placing_authority_id)

    def is_overdue(self, today: date) -> bool:
        return self.status is TaskStatus.OPEN and self.due_on < today
