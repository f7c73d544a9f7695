"""Stage 4 and emergency planning pages of a case. The host records; a placing authority with
a share reads, and sees only the moves of the residents it placed."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, url_for

from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404, readable_case_or_404
from app.cases.roles import CASE_EDITORS
from app.cases.sections import render_section
from app.emergency import operations, services
from app.emergency.forms import MoveForm, PlanForm, RestrictionForm
from app.emergency.models import (
    EmergencyPlan,
    MoveStatus,
    PlacementRestriction,
    PlanKind,
    ResidentMove,
    RestrictionKind,
)
from app.emergency.sections import PLANNERS
from app.forms import Form

SECTION = "placements-and-emergency"
bp = Blueprint("emergency", __name__, url_prefix="/authorities/<int:authority_id>/cases/<int:case_id>")


def _page(authority_id: int, case_id: int):
    return redirect(url_for("emergency.show_emergency", authority_id=authority_id, case_id=case_id))


def _render(case, **forms):
    """Render the section (app/emergency/sections.py); a form that failed validation is shown
    with its errors and input."""
    failed = next(iter(forms.get("move_forms", {}).values()), None) or forms.get(
        "restriction_form") or forms.get("plan_form")
    return render_section(case, current_actor(), SECTION, form=failed, **forms)


@bp.route("/emergency")
@member()
def show_emergency(authority_id: int, case_id: int):
    return _render(readable_case_or_404(case_id))


@bp.route("/restrictions", methods=["POST"])
@member(*CASE_EDITORS)
def add_restriction(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = RestrictionForm(prefix="restriction")
    if not form.validate_on_submit():
        return _render(case, restriction_form=form)
    operations.add_restriction(current_actor(), case, kind=RestrictionKind(form.kind.data),
                               started_on=form.started_on.data, reason=form.reason.data)
    flash("Restriction recorded.")
    return _page(authority_id, case_id)


@bp.route("/restrictions/<int:restriction_id>/end", methods=["POST"])
@member(*CASE_EDITORS)
def end_restriction(authority_id: int, case_id: int, restriction_id: int):
    case = host_case_or_404(case_id)
    restriction = services.get_in_case(PlacementRestriction, restriction_id, case.id)
    if restriction is None:
        abort(404)
    if Form().validate_on_submit() and restriction.ended_on is None:
        operations.end_restriction(current_actor(), case, restriction, date.today())
        flash("Restriction ended.")
    return _page(authority_id, case_id)


@bp.route("/emergency-plans", methods=["POST"])
@member(*PLANNERS)
def invoke_plan(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = PlanForm(prefix="plan")
    if not form.validate_on_submit():
        return _render(case, plan_form=form)
    meeting_at = form.meeting_at
    plan = operations.invoke_plan(current_actor(), case, kind=PlanKind(form.kind.data),
                                  reason=form.reason.data, meeting_at=meeting_at,
                                  venue=form.venue.data)
    flash(f"{plan.kind.label} plan invoked: the urgent meeting is scheduled and "
          f"{len(plan.moves)} residents' moves are listed below.")
    return _page(authority_id, case_id)


@bp.route("/emergency-plans/<int:plan_id>/stand-down", methods=["POST"])
@member(*CASE_EDITORS)
def stand_down(authority_id: int, case_id: int, plan_id: int):
    case = host_case_or_404(case_id)
    plan = services.get_in_case(EmergencyPlan, plan_id, case.id)
    if plan is None:
        abort(404)
    if Form().validate_on_submit() and plan.stood_down_at is None:
        operations.stand_down(current_actor(), case, plan)
        flash("Emergency plan stood down.")
    return _page(authority_id, case_id)


@bp.route("/moves/<int:move_id>", methods=["POST"])
@member(*PLANNERS)
def update_move(authority_id: int, case_id: int, move_id: int):
    case = host_case_or_404(case_id)
    move = services.get_in_case(ResidentMove, move_id, case.id)
    if move is None:
        abort(404)
    form = MoveForm(prefix=f"move-{move.id}")
    if not form.validate_on_submit():
        return _render(case, move_forms={move.id: form})
    operations.update_move(current_actor(), case, move, status=MoveStatus(form.status.data),
                           destination=form.destination.data or "", moved_on=form.moved_on.data,
                           notes=form.notes.data or "")
    flash(f"Move of {move.resident.full_name} saved.")
    return redirect(url_for("emergency.show_emergency", authority_id=authority_id,
                            case_id=case_id, _anchor=f"move-{move.id}"))


