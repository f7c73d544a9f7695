"""The staff side of a case's Improvement Plan: the host reviews it, a placing authority with a
share reads it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404, is_host, readable_case_or_404
from app.cases.operations import audit_case
from app.cases.roles import CASE_EDITORS
from app.extensions import db
from app.plans import operations, services
from app.plans.forms import review_form_for
from app.plans.models import PlanStatus

bp = Blueprint("plans", __name__,
               url_prefix="/authorities/<int:authority_id>/cases/<int:case_id>/plan")
WRITERS = tuple(sorted(CASE_EDITORS))


@bp.route("", methods=["GET"])
@member()
def show_plan(authority_id: int, case_id: int):
    case = readable_case_or_404(case_id)
    return _page(case, _review_form(case)())


def _review_form(case):
    plan = services.plan_of(case)
    latest = services.latest_version(plan) if plan else None
    return review_form_for(services.version_items(latest))


def _page(case, form):
    plan = services.plan_of(case)
    latest = services.latest_version(plan) if plan else None
    return render_template(
        "plans/show.html", case=case, plan=plan, form=form, latest=latest,
        latest_items=services.version_items(latest),
        can_review=is_host(case) and operations.cannot_review(plan) is None and not case.closed,
    )


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
        return _page(case, form), 400
    outcome = PlanStatus(form.outcome.data)
    item_comments = form.item_comments()
    operations.review(plan, outcome, form.comment.data or "", current_user, item_comments)
    audit_case(current_actor(), case, f"plan.{outcome.value}", plan, None,
               {"version": plan.versions_submitted, "comment": form.comment.data or "",
                "item_comments": {str(k): v for k, v in item_comments.items() if v}})
    db.session.commit()
    flash("Plan accepted" if outcome is PlanStatus.ACCEPTED else "Plan returned to the provider")
    return redirect(url_for("plans.show_plan", authority_id=authority_id, case_id=case.id))
