"""What the placements and emergency section of a case shows: restrictions on placements,
emergency plans and, to those who may read residents, the residents' moves (a placing
authority only those of the residents it placed)."""

from __future__ import annotations

from app.cases.models import Case
from app.cases.operations import Actor
from app.cases.roles import CASE_EDITORS, RESIDENT_READERS
from app.emergency import services
from app.emergency.forms import MoveForm, PlanForm, RestrictionForm

# A plan lists every resident to move: only those who may read residents invoke it or record
# a move (a contracts officer, who may not, would invoke a plan that lists nobody).
PLANNERS = CASE_EDITORS & RESIDENT_READERS


def blank_move_form(move) -> MoveForm:
    form = MoveForm(prefix=f"move-{move.id}", formdata=None, obj=move)
    form.status.data = move.status.value
    return form


def emergency_section(case: Case, actor: Actor) -> dict:
    host = case.tenant_id == actor.authority_id
    plans = services.plans_of(case.id)
    return {
        "is_host": host,
        # A closed case is read-only (app/cases/access.py).
        "can_edit": host and bool(actor.roles & CASE_EDITORS) and not case.closed,
        "can_plan": host and bool(actor.roles & PLANNERS) and not case.closed,
        "reads_residents": bool(actor.roles & RESIDENT_READERS),
        "restrictions": services.restrictions_of(case.id), "plans": plans,
        "moves": {plan.id: services.moves_of(plan.id) for plan in plans},
        "restriction_form": RestrictionForm(formdata=None, prefix="restriction"),
        "plan_form": PlanForm(formdata=None, prefix="plan"),
        "move_forms": {}, "move_form": blank_move_form,
    }


def emergency_summary(case: Case, actor: Actor) -> dict:
    """What is in force, for the overview: restrictions not ended, plans not stood down."""
    return {"emergency": {
        "restrictions": [r for r in services.restrictions_of(case.id) if r.ended_on is None],
        "plans": [p for p in services.plans_of(case.id) if p.stood_down_at is None],
    }}
