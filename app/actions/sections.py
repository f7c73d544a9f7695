"""What the actions show in the risks and actions section of a case."""

from __future__ import annotations

from app.actions import services
from app.actions.placing_updates import latest_placing_updates
from app.actions.provider_updates import latest_updates
from app.cases.models import Case
from app.cases.operations import Actor
from app.cases.roles import CASE_EDITORS


def actions_of_case(case: Case, actor: Actor) -> dict:
    """Every action to the host, to a placing authority the actions its own authority owns."""
    host = case.tenant_id == actor.authority_id
    actions = services.actions_of(case, actor.authority_id)
    today = services.today()
    return {"actions_section": {
        "host": host, "actions": actions,
        # A closed case is read-only (app/cases/access.py).
        "can_change": host and bool(actor.roles & CASE_EDITORS) and not case.closed,
        "today": today, "overdue": sum(action.is_overdue(today) for action in actions),
        "owner": lambda action: services.owner_label(action, case),
        # The provider's own word on the actions it owns, for the host.
        "provider_updates": latest_updates(case.id) if host else {},
        # A placing authority's word on the actions it owns: for the host, and for itself.
        "placing_updates": latest_placing_updates(case.id),
        "can_update_own": not host and not case.closed and bool(actor.roles & CASE_EDITORS),
    }}
