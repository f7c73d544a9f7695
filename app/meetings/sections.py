"""What the meetings and documents sections of a case show."""

from __future__ import annotations

from app.cases.models import Case
from app.cases.operations import Actor
from app.cases.roles import CASE_EDITORS
from app.meetings import services


def can_change(case: Case, actor: Actor) -> bool:
    # The host's writers change meetings; a closed case is read-only (app/cases/access.py).
    return (bool(actor.roles & CASE_EDITORS) and case.tenant_id == actor.authority_id
            and not case.closed)


def meetings_section(case: Case, actor: Actor) -> dict:
    return {"case_meetings": services.meetings_of(case.id),
            "can_change_meetings": can_change(case, actor)}


def documents_section(case: Case, actor: Actor) -> dict:
    """The papers of each meeting not cancelled: its agenda and minutes (a placing authority's
    copy of the minutes holds only the parts shared with it)."""
    return {"papers": [m for m in services.meetings_of(case.id) if m.cancelled_at is None],
            "is_host": case.tenant_id == actor.authority_id}
