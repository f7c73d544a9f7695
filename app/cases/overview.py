"""What the host's own sections of a case show: the overview (clocks, stage and next steps,
intelligence), the threshold assessment and decision, and the history of the case."""

from __future__ import annotations

from app.audit.services import events_of_case
from app.cases import services, trail
from app.cases.forms import CorrectionForm
from app.cases.models import Case
from app.cases.operations import Actor
from app.cases.roles import CASE_EDITORS
from app.formatting import date_and_time
from app.pagination import paginate_list


def can_edit(case: Case, actor: Actor) -> bool:
    # A closed case is read-only: no "Add a risk", "Schedule a meeting" or "Change".
    return bool(actor.roles & CASE_EDITORS) and not case.closed


def host_overview(case: Case, actor: Actor) -> dict:
    held = services.held_meetings([case.id])[case.id]
    return {
        "is_host": True,
        "clocks": services.clocks_of(case, held),
        "intelligence": services.intelligence_of(case.id),
        "moves": services.moves_for(case, actor.roles, actor.user.id),
        "can_decide": can_decide(case, actor),
        "stage_history": services.stage_history(case.id),
        "can_edit": can_edit(case, actor),
    }


def can_decide(case: Case, actor: Actor) -> bool:
    # The host's procedure names who makes the stage 1 decision (DASS or a named manager).
    return services.decision_refusal(case, actor.user.id, actor.roles) is None


def decision_section(case: Case, actor: Actor) -> dict:
    return {"decision": services.decision_of(case.id), "can_edit": can_edit(case, actor),
            "can_decide": can_decide(case, actor)}


def correction_form(events) -> CorrectionForm:
    from wtforms.fields.choices import SelectChoice

    form = CorrectionForm()
    form.event_id.choices = [SelectChoice(0, "Select an entry")] + [
        SelectChoice(e.id, f"{date_and_time(e.created_at)}: {trail.action_label(e.action)}")
        for e in events
    ]
    return form


def history_section(case: Case, actor: Actor) -> dict:
    """The stage history and the audit trail, a page of 50 entries at a time."""
    events = events_of_case(case.id)
    page = paginate_list(events, per_page=50)
    return {
        "stage_history": services.stage_history(case.id), "events": events,
        "entries": trail.entries(page.items), "page": page,
        "form": correction_form(events), "can_edit": bool(actor.roles & CASE_EDITORS),
    }
