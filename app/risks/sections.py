"""What the risk register shows in the risks and actions section of a case."""

from __future__ import annotations

from app.actions.services import today
from app.cases.models import Case
from app.cases.operations import Actor
from app.cases.roles import CASE_EDITORS
from app.london_time import to_london
from app.risks import services


def register_of(case: Case, actor: Actor) -> dict:
    """The whole register to the host, the key question and RAG of open risks otherwise."""
    if case.tenant_id != actor.authority_id:
        return {"register": {"host": False, "summary": services.risk_summary(case.id)}}
    # A closed case is read-only (app/cases/access.py).
    can_change = bool(actor.roles & CASE_EDITORS) and not case.closed
    return {"register": {"host": True, "risks": services.risks_of(case.id),
                         "can_change": can_change, "today": today(), "local": to_london}}
