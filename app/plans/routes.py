"""The staff side of a case's Improvement Plan: the host reviews it, a placing authority with a
share reads it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for

from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404, readable_case_or_404
from app.cases.roles import CASE_EDITORS
from app.cases.sections import render_section
from app.plans import operations, services
from app.plans.forms import review_form_for
from app.plans.models import PlanStatus

bp = Blueprint("plans", __name__,
               url_prefix="/authorities/<int:authority_id>/cases/<int:case_id>/plan")
WRITERS = tuple(sorted(CASE_EDITORS))
SECTION = "improvement-plan"


@bp.route("", methods=["GET"])
@member()
def show_plan(authority_id: int, case_id: int):
    return render_section(readable_case_or_404(case_id), current_actor(), SECTION)


def _review_form(case):
    plan = services.plan_of(case)
    latest = services.latest_version(plan) if plan else None
    return review_form_for(services.version_items(latest))


@bp.route("/review", methods=["POST"])
@member(*WRITERS)
def review_plan(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    plan = services.plan_of(case)
    problem = operations.cannot_review(plan)
    if problem:
        flash(problem, "error")
        return redirect(url_for("plans.show_plan", authority_id=authority_id, case_id=case.id))
    form = _review_form(case)()
    if not form.validate_on_submit():
        return render_section(case, current_actor(), SECTION, status=400, form=form)
    outcome = PlanStatus(form.outcome.data)
    operations.review(current_actor(), case, plan, outcome, form.comment.data or "",
                      form.item_comments())
    flash("Plan accepted" if outcome is PlanStatus.ACCEPTED else "Plan returned to the provider")
    return redirect(url_for("plans.show_plan", authority_id=authority_id, case_id=case.id))
