"""Stage pages of a case for its host: intelligence, assessment, the DASS decision, moves."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from wtforms.fields.choices import SelectChoice

from app.audit.services import events_of_case
from app.auth.access import member
from app.cases import drafts, operations, services, trail
from app.cases.access import current_actor, host_case_or_404
from app.cases.forms import (
    LONG_TEXT,
    AssessmentForm,
    CorrectionForm,
    DecisionForm,
    IntelligenceForm,
    MoveForm,
)
from app.cases.models import DecisionOutcome, IntelligenceSource, Stage
from app.cases.operations import MoveRefused
from app.cases.roles import CASE_EDITORS
from app.cases.routes import bp
from app.cases.stages import CASE_RUNNERS
from app.cases.terms import request_terms
from app.extensions import db, htmx
from app.formatting import date_and_time, time_of_day
from app.htmx import announce
from app.pagination import paginate_list
from app.tenants.models import Role


def _case_page(authority_id: int, case_id: int, anchor: str | None = None) -> str:
    return url_for("cases.show_case", authority_id=authority_id, case_id=case_id,
                   _anchor=anchor)


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/intelligence",
          methods=["GET", "POST"])
@member(*CASE_EDITORS)
def add_intelligence(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    response = make_response(_add_intelligence(case))
    response.vary.add("HX-Request")
    return response


def _add_intelligence(case):
    """Answer the full-page form, or in place (HTMX) with the case page's intelligence section."""
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
        db.session.commit()
        if htmx:
            message = "Intelligence added."
            return announce(_intelligence_section(case, status_message=message), message)
        flash("Intelligence added.")
        return redirect(_case_page(case.tenant_id, case.id, "intelligence"))
    if htmx:
        return _intelligence_section(case, intelligence_form=form)
    return render_template("cases/intelligence_form.html", form=form, case=case)


def _intelligence_section(case, **context) -> str:
    return render_template("cases/_intelligence.html", case=case, can_edit=True,
                           intelligence=services.intelligence_of(case.id), **context)


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
        if case.stage is not Stage.DECISION:
            flash("The decision has been made: the assessment can no longer change.", "error")
        else:
            operations.record_assessment(
                current_actor(), case, threshold_assessment=form.threshold_assessment.data,
                recommendation=form.recommendation.data,
                aggravating_factors=form.aggravating_factors.data or [],
            )
            _discard(case, ASSESSMENT_FIELDS)
            db.session.commit()
            flash("Threshold assessment and recommendation saved.")
            return redirect(_case_page(authority_id, case_id, "decision"))
    return render_template("cases/assessment_form.html", form=form, case=case, restored=restored)


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
            db.session.rollback()
            form.outcome.errors = list(refused.reasons)
        else:
            _discard(case, DECISION_FIELDS)
            db.session.commit()
            flash(f"Decision recorded. The case is now at {case.stage.label}.")
            return redirect(_case_page(authority_id, case_id))
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
            db.session.rollback()
            for reason in refused.reasons:
                flash(reason, "error")
        else:
            db.session.commit()
            flash(f"The case moved to {target.label}.")
        return redirect(_case_page(authority_id, case_id, "stage"))
    return render_template(
        "cases/move_form.html", form=form, case=case, target=target,
        moves=services.moves_for(case, current_actor().roles, current_actor().user.id),
    ), 400 if target is None else 200


def _correction_form(case, events) -> CorrectionForm:
    form = CorrectionForm()
    form.event_id.choices = [SelectChoice(0, "Select an entry")] + [
        SelectChoice(e.id, f"{date_and_time(e.created_at)}: {trail.action_label(e.action)}")
        for e in events
    ]
    return form


def _render_history(case, events, form: CorrectionForm):
    page = paginate_list(events, per_page=50)
    return render_template(
        "cases/history.html", case=case, stage_history=services.stage_history(case.id),
        events=events, entries=trail.entries(page.items), page=page, form=form, can_edit=bool(current_actor().roles & CASE_EDITORS),
    )


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/history")
@member()
def case_history(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    events = events_of_case(case.id)
    return _render_history(case, events, _correction_form(case, events))


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/history/corrections",
          methods=["POST"])
@member(*CASE_EDITORS)
def correct_history(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    events = events_of_case(case.id)
    form = _correction_form(case, events)
    if form.validate_on_submit():
        try:
            operations.correct_audit_entry(current_actor(), case, form.event_id.data,
                                           form.correction.data, form.reason.data)
        except LookupError as error:
            form.event_id.errors = [str(error)]
        else:
            db.session.commit()
            flash("Correction added to the trail.")
            return redirect(url_for("cases.case_history", authority_id=authority_id,
                                    case_id=case_id))
    return _render_history(case, events, form)


# Drafts: long texts of stage 1 are kept while typed (app/static/js/autosave.js).
ASSESSMENT_FIELDS = ("threshold_assessment", "recommendation")
DECISION_FIELDS = ("reason",)
DRAFT_FIELDS = {*ASSESSMENT_FIELDS, *DECISION_FIELDS}


def _draft_key(case, field: str) -> str:
    return f"case:{case.id}:{field}"


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
    drafts.discard_drafts(current_actor().user.id, [_draft_key(case, f) for f in fields])


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/drafts", methods=["POST"])
@member(*CASE_EDITORS)
def save_draft(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    field, text = request.form.get("field", ""), request.form.get("text", "")
    if field not in DRAFT_FIELDS or len(text) > LONG_TEXT:
        abort(400)
    actor = current_actor()
    draft = drafts.save_draft(actor.authority_id, actor.user.id, _draft_key(case, field), text)
    db.session.commit()
    return jsonify(field=field, saved_at=time_of_day(draft.saved_at))


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/drafts/discard", methods=["POST"])
@member(*CASE_EDITORS)
def discard_drafts(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    from app.forms import Form

    if Form().validate_on_submit():
        _discard(case, DRAFT_FIELDS)
        db.session.commit()
        flash("Your unsaved text has been discarded.")
    back = "cases.record_decision" if request.form.get("back") == "decision" else "cases.record_assessment"
    return redirect(url_for(back, authority_id=authority_id, case_id=case_id))
