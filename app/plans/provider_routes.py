"""The provider's side of its Improvement Plan, in the provider portal."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.access import provider_user
from app.forms import ConfirmForm
from app.plans import operations, services
from app.plans.evidence import evidence_of_plan, item_has_evidence
from app.plans.forms import PlanItemForm
from app.provider_portal.access import concern_or_404

bp = Blueprint("provider_plans", __name__, url_prefix="/provider/cases/<int:case_id>/plan")



@bp.route("")
@provider_user()
def show_plan(case_id: int):
    case = concern_or_404(case_id)
    plan = services.plan_of(case)
    return render_template("provider_portal/plan.html", case=case, plan=plan,
                           latest=services.latest_version(plan) if plan else None,
                           evidence=evidence_of_plan(plan.id) if plan else {},
                           confirm=ConfirmForm())


@bp.route("/items/new", methods=["GET", "POST"])
@provider_user()
def add_item(case_id: int):
    case = concern_or_404(case_id)
    plan = services.plan_of(case)
    if plan is not None and not plan.status.editable:
        abort(409, description="plan_not_editable")
    form = PlanItemForm()
    if form.validate_on_submit():
        operations.add_item(case, form.values())
        flash("Item added to the plan")
        return redirect(url_for("provider_plans.show_plan", case_id=case.id))
    return render_template("provider_portal/plan_item_form.html", case=case, form=form,
                           heading="Add an item to the plan")


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@provider_user()
def edit_item(case_id: int, item_id: int):
    case = concern_or_404(case_id)
    plan = services.plan_of(case) or abort(404)
    item = services.get_item(plan, item_id) or abort(404)
    if not plan.status.editable:
        abort(409, description="plan_not_editable")
    form = PlanItemForm(obj=item if request.method == "GET" else None)
    if request.method == "GET":
        form.area.data, form.rag.data = item.area.value, item.rag.value
    if form.validate_on_submit():
        operations.save_item(plan, item, form.values())
        flash("Item changed")
        return redirect(url_for("provider_plans.show_plan", case_id=case.id))
    return render_template("provider_portal/plan_item_form.html", case=case, form=form,
                           heading="Change an item of the plan", item=item)


@bp.route("/items/<int:item_id>/remove", methods=["POST"])
@provider_user()
def remove_item(case_id: int, item_id: int):
    case = concern_or_404(case_id)
    plan = services.plan_of(case) or abort(404)
    item = services.get_item(plan, item_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not plan.status.editable:
        abort(409, description="plan_not_editable")
    if item_has_evidence(item.id):
        # The evidence stays with its item: the host may be reviewing it.
        flash("This item has evidence uploaded against it: change the item instead", "error")
        return redirect(url_for("provider_plans.show_plan", case_id=case.id))
    operations.remove_item(item)
    flash("Item removed")
    return redirect(url_for("provider_plans.show_plan", case_id=case.id))


@bp.route("/submit", methods=["POST"])
@provider_user()
def submit_plan(case_id: int):
    case = concern_or_404(case_id)
    plan = services.plan_of(case)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    problem = "Add at least one item before you submit the plan" if plan is None else (
        operations.cannot_submit(plan))
    if problem:
        flash(problem, "error")
    else:
        version = operations.submit(plan, current_user)
        flash(f"Version {version.number} of your plan was sent to the host authority")
    return redirect(url_for("provider_plans.show_plan", case_id=case.id))
