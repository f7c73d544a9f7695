"""What a provider records in the portal, in rows of its own that the host reads.

Like a placing authority's acknowledgement, a provider's word on an action it owns is its own
row (append-only: every update is kept), not a change to the host's action.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text, inspect, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.actions.models import ActionStatus
from app.auth.models import User
from app.cases.visibility import told_provider, told_provider_rls
from app.db import str_enum, utcnow
from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped, equals

# Statuses a provider may report: cancelling an action is the host's decision.
PROVIDER_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE)


class ProviderActionUpdate(TenantScoped, db.Model):
    """The provider's status and note on an action it owns; tenant_id is the host's."""

    __tablename__ = "provider_action_update"
    RLS_READ = (
        "tenant_id = app_tenant() OR (provider_id = app_provider() "
        f"AND {told_provider_rls('provider_action_update')})"
    )
    # Only the provider writes, as itself, on an action it owns (the action's own policy,
    # applied inside the subquery, hides every other action from the provider).
    RLS_WRITE = (
        "provider_id = app_provider() AND user_id = app_user() AND EXISTS ("
        "SELECT 1 FROM case_action a WHERE a.id = provider_action_update.action_id "
        "AND a.case_id = provider_action_update.case_id "
        "AND a.tenant_id = provider_action_update.tenant_id AND a.owner_kind = 'provider')"
    )
    APPEND_ONLY = True
    STAMP_TENANT = False

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("case_action.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus, 20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    @classmethod
    def visible_to(cls, scope: Scope):
        return equals(cls.tenant_id, scope.tenant_id) | (
            equals(cls.provider_id, scope.provider_id) & told_provider(cls.case_id, scope)
        )

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        if inspect(row).persistent or inspect(row).deleted:
            return False
        return (
            scope.provider_id is not None
            and row.provider_id == scope.provider_id
            and row.user_id == scope.user_id
        )


def latest_updates(case_id: int) -> dict[int, ProviderActionUpdate]:
    """Return, per action of the case, the provider's newest update on it."""
    rows = db.session.scalars(
        select(ProviderActionUpdate)
        .where(ProviderActionUpdate.case_id == case_id)
        .order_by(ProviderActionUpdate.created_at, ProviderActionUpdate.id)
    )
    return {row.action_id: row for row in rows}
