"""A placing authority's word on an action the host gave it: its status and a note, in rows of
its own (append-only: every update is kept) that the host reads, never a change to the host's
action (as the provider's updates, app/actions/provider_updates.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text, inspect, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.actions.models import Action, ActionStatus, OwnerKind
from app.audit.services import record
from app.auth.models import User
from app.cases.operations import Actor
from app.db import str_enum, utcnow
from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped, equals
from app.unit_of_work import operation

# Statuses a placing authority may report: cancelling an action is the host's decision.
PLACING_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE)


class PlacingActionUpdate(TenantScoped, db.Model):
    """tenant_id is the placing authority that owns the action; the host is copied here so
    that the read rule needs no other table."""

    __tablename__ = "placing_action_update"
    RLS_READ = "tenant_id = app_tenant() OR host_authority_id = app_tenant()"
    # Only on an action the host gave it (the action's own policy, applied inside the
    # subquery, hides every action the placing authority does not own through a live share).
    RLS_WRITE = (
        "tenant_id = app_tenant() AND EXISTS (SELECT 1 FROM case_action a "
        "WHERE a.id = placing_action_update.action_id AND a.case_id = placing_action_update.case_id "
        "AND a.tenant_id = placing_action_update.host_authority_id AND a.owner_kind = 'authority' "
        "AND a.owner_authority_id = app_tenant())"
    )
    APPEND_ONLY = True

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("case_action.id"), index=True)
    host_authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus, 20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    @classmethod
    def visible_to(cls, scope: Scope):
        return equals(cls.tenant_id, scope.tenant_id) | equals(cls.host_authority_id, scope.tenant_id)

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        if inspect(row).persistent or inspect(row).deleted:
            return False
        return super().writable_by(row, scope)


def latest_placing_updates(case_id: int) -> dict[int, PlacingActionUpdate]:
    """Return, per action of the case, the newest update the reader may see."""
    rows = db.session.scalars(
        select(PlacingActionUpdate).where(PlacingActionUpdate.case_id == case_id)
        .order_by(PlacingActionUpdate.created_at, PlacingActionUpdate.id))
    return {row.action_id: row for row in rows}


def owned_action(case_id: int, action_id: int, authority_id: int) -> Action | None:
    """Return an action of the case that the host gave this authority, if it reads one."""
    return db.session.scalar(select(Action).where(
        Action.id == action_id, Action.case_id == case_id, Action.owner_kind == OwnerKind.AUTHORITY,
        Action.owner_authority_id == authority_id))


@operation
def record_action_update(actor: Actor, action: Action, *, status: ActionStatus, note: str) -> PlacingActionUpdate:
    """Record the acting placing authority's status and note on its action."""
    update = PlacingActionUpdate(tenant_id=actor.authority_id, case_id=action.case_id, action_id=action.id,
                                 host_authority_id=action.tenant_id, user_id=actor.user.id,
                                 status=status, note=note)
    db.session.add(update)
    db.session.flush()
    record(db.session, action="placing_action_update.recorded", obj=update, tenant_id=actor.authority_id,
           actor_user_id=actor.user.id, actor_authority_id=actor.authority_id, case_id=action.case_id,
           new={"action_id": action.id, "status": status.value, "note": note})
    return update
