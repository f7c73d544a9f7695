"""Changes to a case's actions. Each writes its audit event in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.actions.models import Action, ActionStatus, OwnerKind
from app.actions.services import Owner
from app.cases.models import Case
from app.cases.operations import Actor, audit_case
from app.db import utcnow
from app.extensions import db
from app.unit_of_work import operation


@dataclass(frozen=True)
class ActionDetails:
    """What an action is, who owns it and when it is due."""

    description: str
    owner: Owner
    owner_agency: str
    due_on: date
    meeting_id: int | None = None

    def apply_to(self, action: Action) -> None:
        action.description = self.description
        action.owner_kind = self.owner.kind
        action.owner_user_id = self.owner.user_id
        action.owner_authority_id = self.owner.authority_id
        action.owner_agency = self.owner_agency if self.owner.kind is OwnerKind.AGENCY else ""
        action.due_on = self.due_on
        action.meeting_id = self.meeting_id


def _values(action: Action) -> dict:
    return {
        "description": action.description,
        "owner_kind": action.owner_kind.value,
        "owner_user_id": action.owner_user_id,
        "owner_authority_id": action.owner_authority_id,
        "owner_agency": action.owner_agency,
        "due_on": action.due_on.isoformat(),
        "meeting_id": action.meeting_id,
    }


def _status_values(action: Action) -> dict:
    return {
        "status": action.status.value,
        "completion_note": action.completion_note,
        "completed_at": action.completed_at.isoformat() if action.completed_at else None,
    }


@operation
def add_action(actor: Actor, case: Case, details: ActionDetails) -> Action:
    action = Action(tenant_id=case.tenant_id, case_id=case.id, status=ActionStatus.OPEN)
    details.apply_to(action)
    db.session.add(action)
    audit_case(actor, case, "action.added", action, None, _values(action) | _status_values(action))
    return action


@operation
def edit_action(actor: Actor, case: Case, action: Action, details: ActionDetails) -> Action:
    old = _values(action)
    details.apply_to(action)
    audit_case(actor, case, "action.changed", action, old, _values(action))
    return action


@operation
def change_status(actor: Actor, case: Case, action: Action, status: ActionStatus,
                  note: str) -> Action:
    """Move an action to ``status``; done records when, and the note says what was done."""
    old = _status_values(action)
    if status is ActionStatus.DONE and action.status is not ActionStatus.DONE:
        action.completed_at = utcnow()
    elif status is not ActionStatus.DONE:
        action.completed_at = None
    action.status = status
    action.completion_note = note
    audit_case(actor, case, "action.status_changed", action, old, _status_values(action))
    return action
