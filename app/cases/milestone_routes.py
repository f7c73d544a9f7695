"""Milestones a host records on a case: the provider told (or kept out on police or coroner
advice), the Improvement Plan received, and the case's themes."""

from __future__ import annotations

from flask import flash, redirect, render_template, request
from wtforms.fields.choices import SelectChoice

from app.auth.access import member
from app.cases import operations, services
from app.cases.access import current_actor, host_case_or_404
from app.cases.forms import (
    ExclusionForm,
    LiftExclusionForm,
    PlanReceivedForm,
    ProviderToldForm,
    ThemesForm,
)
from app.cases.roles import CASE_EDITORS
from app.cases.routes import bp
from app.cases.sections import OVERVIEW
from app.htmx import section_url


def _case_page(case, anchor: str):
    """Back to the overview, where these milestones show, at the part that changed."""
    return redirect(section_url(case, OVERVIEW, anchor))


def _staff_choices(case, prompt: str) -> list[SelectChoice]:
    return [SelectChoice(0, prompt)] + [
        SelectChoice(user.id, user.name) for user in services.staff_of(case.tenant_id)
    ]


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/provider-told",
          methods=["GET", "POST"])
@member(*CASE_EDITORS)
def record_provider_told(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = ProviderToldForm()
    form.told_by_id.choices = _staff_choices(case, "Select a person")
    if request.method == "GET":
        form.told_by_id.data = current_actor().user.id
    if form.validate_on_submit():
        try:
            operations.record_provider_told(
                current_actor(), case, told_at=form.moment(), how=form.how.data,
                told_by_id=form.told_by_id.data, backdate_reason=form.backdate_reason.data or "")
        except operations.Refused as refused:
            form.day.errors = [str(refused)]
        else:
            flash("Recorded that the provider was told. The provider can now see this case.")
            return _case_page(case, "provider")
    return render_template("cases/provider_told_form.html", form=form, case=case)


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/provider-kept-out",
          methods=["GET", "POST"])
@member(*CASE_EDITORS)
def keep_provider_out(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = ExclusionForm()
    form.agreed_by_id.choices = _staff_choices(case, "Select a person")
    if form.validate_on_submit():
        try:
            operations.keep_provider_out(current_actor(), case, reason=form.reason.data,
                                         advised_by=form.advised_by.data,
                                         agreed_by_id=form.agreed_by_id.data)
        except operations.Refused as refused:
            form.reason.errors = [str(refused)]
        else:
            flash("The provider is kept out of this case until the advice is lifted.")
            return _case_page(case, "provider")
    return render_template("cases/exclusion_form.html", form=form, case=case)


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/provider-kept-out/lift",
          methods=["GET", "POST"])
@member(*CASE_EDITORS)
def lift_provider_exclusion(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = LiftExclusionForm()
    if form.validate_on_submit():
        try:
            operations.lift_provider_exclusion(current_actor(), case, reason=form.lift_reason.data)
        except operations.Refused as refused:
            form.lift_reason.errors = [str(refused)]
        else:
            flash("Advice lifted. Record when the provider is told.")
            return _case_page(case, "provider")
    return render_template("cases/lift_exclusion_form.html", form=form, case=case)


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/plan-received",
          methods=["GET", "POST"])
@member(*CASE_EDITORS)
def record_plan_received(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = PlanReceivedForm()
    if form.validate_on_submit():
        try:
            operations.record_plan_received(current_actor(), case, received_at=form.moment(),
                                            how=form.how.data)
        except operations.Refused as refused:
            form.day.errors = [str(refused)]
        else:
            flash("Improvement Plan recorded as received.")
            return _case_page(case, "clocks")
    return render_template("cases/plan_received_form.html", form=form, case=case)


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/themes", methods=["GET", "POST"])
@member(*CASE_EDITORS)
def change_themes(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = ThemesForm(obj=case)
    if form.validate_on_submit():
        operations.record_themes(current_actor(), case, form.themes.data or "")
        flash("Themes saved.")
        return _case_page(case, "summary")
    return render_template("cases/themes_form.html", form=form, case=case)
