"""Stage pages of a case for its host: intelligence, assessment, the DASS decision, moves."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from wtforms.fields.choices import SelectChoice

from app.audit.services import events_of_case
from app.auth.access import member
from app.cases import drafts, operations, services
from app.cases.access import current_actor, host_case_or_404
from app.cases.forms import (
    LONG_TEXT,
    AssessmentForm,
    DecisionForm,
    IntelligenceForm,
    MoveForm,
)
from app.cases.models import DecisionOutcome, IntelligenceSource
from app.cases.operations import MoveRefused, Refused
from app.cases.overview import correction_form
from app.cases.roles import CASE_EDITORS
from app.cases.routes import bp
from app.cases.sections import OVERVIEW, render_section
from app.cases.stages import CASE_RUNNERS
from app.cases.terms import request_terms
from app.extensions import htmx
from app.formatting import time_of_day
from app.htmx import CaseSection, section_url
from app.tenants.models import Role

# The overview's intelligence, in place: the form opens and posts within it.
INTELLIGENCE = CaseSection(
    "cases/_intelligence.html", "cases/intelligence_form.html", "intelligence_form",
    loader=lambda case: {"intelligence": services.intelligence_of(case.id), "can_edit": True},
    section=OVERVIEW, anchor="intelligence")


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/intelligence",
          methods=["GET", "POST"])
@member(*CASE_EDITORS)
def add_intelligence(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    # In place the fields carry a prefix so that their ids cannot clash on the case page.
    form = IntelligenceForm(prefix="intelligence" if htmx else "")
    if form.validate_on_submit():
        operations.add_intelligence(
            current_actor(), provider_id=case.provider_id, location_id=case.location_id,
            case_id=case.id, source=IntelligenceSource(form.source.data),
            received_on=form.received_on.data, count=form.count.data,
            reference=form.reference.data or "", summary=form.summary.data,
            cqc_rating=form.cqc_rating.data,
        )
        return INTELLIGENCE.done(case, "Intelligence added.")
    return INTELLIGENCE.form_response(case, form)


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/assessment",
          methods=["GET", "POST"])
@member(*CASE_EDITORS)
def record_assessment(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    decision = services.decision_of(case.id)
    form = AssessmentForm(obj=decision)
    decider = request_terms()["decider"]
    form.recommendation.label.text = f"Recommendation to the {decider}"
    restored = _restore_drafts(case, form, ASSESSMENT_FIELDS, decision and decision.recommended_at)
    if form.validate_on_submit():
        try:
            operations.record_assessment(
                current_actor(), case, threshold_assessment=form.threshold_assessment.data,
                recommendation=form.recommendation.data,
                aggravating_factors=form.aggravating_factors.data or [],
            )
        except Refused as refused:
            flash(str(refused), "error")
        else:
            flash("Threshold assessment and recommendation saved.")
            return redirect(section_url(case, DECISION, "decision"))
    return render_template("cases/assessment_form.html", form=form, case=case, restored=restored)


DECISION = "assessment-and-decision"


def _decision_form(authority_id: int, case) -> DecisionForm:
    form = DecisionForm()
    none = [SelectChoice(0, "Not appointed")]
    form.lead_officer_id.choices = none + [
        SelectChoice(u.id, u.name) for u in services.staff_of(authority_id, Role.LEAD_OFFICER)
    ]
    form.chair_id.choices = none + [
        SelectChoice(u.id, u.name) for u in services.staff_of(authority_id, Role.CHAIR)
    ]
    form.lead_officer_id.label.text = request_terms()["lead_officer"]
    if request.method == "GET":
        form.lead_officer_id.data = case.lead_officer_id or 0
        form.chair_id.data = case.chair_id or 0
    return form


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/decision",
          methods=["GET", "POST"])
@member(*CASE_EDITORS)
def record_decision(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    # The case's procedure names who decides: the DASS or deputy, or the lead agency's manager.
    if services.decision_refusal(case, current_actor().user.id, current_actor().roles):
        abort(403, description="not_the_decider")
    decision = services.decision_of(case.id)
    form = _decision_form(authority_id, case)
    restored = _restore_drafts(case, form, DECISION_FIELDS, decision and decision.decided_at)
    if form.validate_on_submit():
        try:
            operations.record_decision(
                current_actor(), case, outcome=DecisionOutcome(form.outcome.data),
                reason=form.reason.data, lead_officer_id=form.lead_officer_id.data or None,
                chair_id=form.chair_id.data or None,
            )
        except MoveRefused as refused:
            form.outcome.errors = list(refused.reasons)
        else:
            flash(f"Decision recorded. The case is now at {case.stage.label}.")
            return redirect(section_url(case, OVERVIEW, "stage"))
    return render_template("cases/decision_form.html", form=form, case=case, decision=decision,
                           restored=restored)


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/move", methods=["POST"])
@member(*(CASE_RUNNERS | {Role.DASS}))
def move_case(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = MoveForm()
    target = form.target_stage()
    if form.validate_on_submit() and target is not None:
        try:
            operations.move_case(current_actor(), case, target, form.reason.data,
                                 form.override_reason.data or "")
        except MoveRefused as refused:
            for reason in refused.reasons:
                flash(reason, "error")
        else:
            flash(f"The case moved to {target.label}.")
        return redirect(section_url(case, OVERVIEW, "stage"))
    return render_template(
        "cases/move_form.html", form=form, case=case, target=target,
        moves=services.moves_for(case, current_actor().roles, current_actor().user.id),
    ), 400 if target is None else 200


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/history")
@member()
def case_history(authority_id: int, case_id: int):
    return render_section(host_case_or_404(case_id), current_actor(), "history")


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/history/corrections",
          methods=["POST"])
@member(*CASE_EDITORS)
def correct_history(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = correction_form(events_of_case(case.id))
    if form.validate_on_submit():
        try:
            operations.correct_audit_entry(current_actor(), case, form.event_id.data,
                                           form.correction.data, form.reason.data)
        except LookupError as error:
            form.event_id.errors = [str(error)]
        else:
            flash("Correction added to the trail.")
            return redirect(section_url(case, "history"))
    return render_section(case, current_actor(), "history", form=form)


# Drafts: long texts of stage 1 are kept while typed (app/static/js/autosave.js).
ASSESSMENT_FIELDS = drafts.ASSESSMENT_FIELDS
DECISION_FIELDS = drafts.DECISION_FIELDS
DRAFT_FIELDS = drafts.CASE_DRAFT_FIELDS


def _draft_key(case, field: str) -> str:
    return drafts.case_draft_key(case.id, field)


def _restore_drafts(case, form, fields, saved_at) -> list[str]:
    """Put the user's unsaved drafts back into a GET form; return the labels restored."""
    if request.method != "GET":
        return []
    found = drafts.drafts_of(current_actor().user.id, [_draft_key(case, f) for f in fields])
    restored = []
    for field in fields:
        draft = found.get(_draft_key(case, field))
        if draft is None or draft.text == (getattr(form, field).data or ""):
            continue
        if saved_at is None or draft.saved_at > saved_at:
            getattr(form, field).data = draft.text
            restored.append(getattr(form, field).label.text)
    return restored


def _discard(case, fields) -> None:
    drafts.discard_case_drafts(current_actor().user.id, case.id, fields)


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/drafts", methods=["POST"])
@member(*CASE_EDITORS)
def save_draft(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    field, text = request.form.get("field", ""), request.form.get("text", "")
    if field not in DRAFT_FIELDS or len(text) > LONG_TEXT:
        abort(400)
    actor = current_actor()
    draft = drafts.save_draft(actor.authority_id, actor.user.id, _draft_key(case, field), text)
    return jsonify(field=field, saved_at=time_of_day(draft.saved_at))


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/drafts/discard", methods=["POST"])
@member(*CASE_EDITORS)
def discard_drafts(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    from app.forms import Form

    if Form().validate_on_submit():
        _discard(case, DRAFT_FIELDS)
        flash("Your unsaved text has been discarded.")
    back = "cases.record_decision" if request.form.get("back") == "decision" else "cases.record_assessment"
    return redirect(url_for(back, authority_id=authority_id, case_id=case_id))
