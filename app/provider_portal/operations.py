"""Changes a provider makes in the portal, each a unit of work (app/unit_of_work.py)."""

from __future__ import annotations

from app.actions.models import Action, ActionStatus
from app.actions.provider_updates import ProviderActionUpdate
from app.auth.models import User
from app.extensions import db
from app.unit_of_work import operation


@operation
def update_action(user: User, provider_id: int, action: Action, status: ActionStatus,
                  note: str) -> ProviderActionUpdate:
    """Record the provider's status and note on an action it owns, for the host to read."""
    update = ProviderActionUpdate(
        tenant_id=action.tenant_id,
        case_id=action.case_id,
        action_id=action.id,
        provider_id=provider_id,
        user_id=user.id,
        status=status,
        note=note,
    )
    db.session.add(update)
    return update
