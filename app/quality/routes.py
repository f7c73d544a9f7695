"""The views of the quality assurance section of a case (stage 5), for the host's staff:
strategies, invitations, responses and disclosures, telephone feedback, scrutiny, escalations,
"you said, we did". The section's page and its failed forms are rendered through the case
workspace (``render_section``, loader in app/quality/sections.py); every change is an
operation (app/quality/operations.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404, readable_case_or_404
from app.cases.roles import CASE_EDITORS
from app.cases.sections import render_section
from app.forms import Form
from app.quality import operations, services
from app.quality.forms import (
    ActivityForm,
    CommunicationUpdateForm,
    EscalationForm,
    InvitationForm,
    StrategyForm,
    SummaryForm,
    TelephoneForm,
)
from app.quality.models import (
    ActivityKind,
    CommunicationScope,
    Delivery,
    FeedbackResponse,
    Phase,
    RespondentKind,
)
from app.quality.questions import QUESTIONS
from app.quality.sections import QA_REVIEWERS, triage_form

SECTION = "quality-assurance"
bp = Blueprint("quality", __name__, url_prefix="/authorities/<int:authority_id>/cases/<int:case_id>/quality")


def _page(case, anchor: str | None = None):
    return redirect(url_for("quality.show_quality", authority_id=case.tenant_id, case_id=case.id,
                            _anchor=anchor))


def _render(case, **failed):
    """Render the section (app/quality/sections.py); a form that failed validation is shown
    with its errors and input, and leads the error summary."""
    form = next((value for value in failed.values() if hasattr(value, "errors")), None)
    return render_section(case, current_actor(), SECTION, form=form, **failed)


@bp.route("")
@member()
def show_quality(authority_id: int, case_id: int):
    # A placing authority reads the case but not this section: 403 from the section's rule.
    return _render(readable_case_or_404(case_id))


@bp.route("/invitations", methods=["POST"])
@member(*CASE_EDITORS)
def create_invitation(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = InvitationForm(prefix="invitation")
    if not form.validate_on_submit():
        return _render(case, invitation_form=form)
    issued = operations.create_invitation(
        current_actor(), case, respondent_kind=RespondentKind(form.respondent_kind.data),
        phase=Phase(form.phase.data), delivery=Delivery(form.delivery.data), email=form.email.data)
    if issued.code is None:
        flash("Invitation sent by email.")
        return _page(case, "invitations")
    # The code is shown this once: only its hash is kept.
    return render_template("quality/letter.html", case=case, issued=issued,
                           place=services.public_place(case),
                           code_url=url_for("quality_public.enter_code", _external=False))


def _response_or_404(case_id: int, response_id: int) -> FeedbackResponse:
    response = services.get_in_case(FeedbackResponse, response_id, case_id)
    if response is None:
        abort(404)
    return response


@bp.route("/responses/<int:response_id>/disclosure", methods=["POST"])
@member(*QA_REVIEWERS)
def mark_disclosure(authority_id: int, case_id: int, response_id: int):
    case = host_case_or_404(case_id)
    response = _response_or_404(case.id, response_id)
    if Form().validate_on_submit():
        operations.mark_disclosure(current_actor(), case, response)
        flash("Marked as a possible disclosure: the lead officer has been told.")
    return _page(case, "disclosures")


@bp.route("/responses/<int:response_id>/triage", methods=["POST"])
@member(*QA_REVIEWERS)
def triage_disclosure(authority_id: int, case_id: int, response_id: int):
    case = host_case_or_404(case_id)
    response = _response_or_404(case.id, response_id)
    form = triage_form(response.id)
    if not form.validate_on_submit():
        return _render(case, triage_form=form, triage_for=response.id)
    operations.triage_disclosure(current_actor(), case, response, form.note.data)
    flash("Triage recorded.")
    return _page(case, "disclosures")


@bp.route("/telephone", methods=["GET", "POST"])
@member(*QA_REVIEWERS)
def record_telephone(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = TelephoneForm(prefix="call")
    earlier_id = form.earlier_response_id.data or request.args.get("earlier", "")
    earlier = (services.get_in_case(FeedbackResponse, int(earlier_id), case.id)
               if str(earlier_id).isdigit() else None)
    if request.method == "GET":
        form.earlier_response_id.data = str(earlier.id) if earlier else ""
        if earlier is not None:
            form.phase.data = Phase.FOLLOW_UP.value
            form.respondent_kind.data = earlier.respondent_kind.value
    elif form.validate_on_submit():
        operations.record_telephone_feedback(
            current_actor(), case, respondent_kind=RespondentKind(form.respondent_kind.data),
            phase=Phase(form.phase.data), caller_role=form.caller_role.data,
            answers=form.answers(), something_happened=form.something_happened.data == "yes",
            detail=form.something_happened_detail.data or "", helped_by=form.helped_by.data or [],
            earlier=earlier)
        flash("Telephone feedback recorded.")
        return _page(case, "responses")
    return render_template("quality/telephone.html", case=case, form=form, earlier=earlier,
                           questions=QUESTIONS, poor=services.poor_earlier_responses(case.id))


@bp.route("/activities", methods=["POST"])
@member(*CASE_EDITORS)
def add_activity(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = ActivityForm(prefix="activity")
    if not form.validate_on_submit():
        return _render(case, activity_form=form)
    operations.add_activity(current_actor(), case, kind=ActivityKind(form.kind.data),
                            held_on=form.held_on.data, carried_out_by=form.carried_out_by.data,
                            findings=form.findings.data,
                            before_and_after=form.before_and_after.data or "")
    flash("Activity recorded.")
    return _page(case, "scrutiny")


@bp.route("/strategy", methods=["POST"])
@member(*CASE_EDITORS)
def save_strategy(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = StrategyForm(prefix="strategy")
    if not form.validate_on_submit():
        return _render(case, strategy_form=form)
    operations.save_strategy(
        current_actor(), case, agreed_on=form.agreed_on.data,
        communication_scope=CommunicationScope(form.communication_scope.data),
        **{name: form[name].data for name in operations.STRATEGY_FIELDS})
    flash("Strategies saved.")
    return _page(case, "strategy")


@bp.route("/communication-updates", methods=["POST"])
@member(*CASE_EDITORS)
def add_communication_update(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = CommunicationUpdateForm(prefix="update")
    if not form.validate_on_submit():
        return _render(case, update_form=form)
    operations.add_communication_update(
        current_actor(), case, sent_on=form.sent_on.data, audience=form.audience.data,
        how=form.how.data, summary=form.summary.data,
        before_emergency_decision=bool(form.before_emergency_decision.data))
    flash("Update recorded.")
    return _page(case, "communication")


@bp.route("/escalations", methods=["POST"])
@member(*CASE_EDITORS)
def add_escalation(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = EscalationForm(prefix="escalation")
    if not form.validate_on_submit():
        return _render(case, escalation_form=form)
    operations.add_escalation(current_actor(), case, escalated_on=form.escalated_on.data,
                              group_name=form.group_name.data, reason=form.reason.data,
                              decision=form.decision.data or "")
    flash("Escalation recorded.")
    return _page(case, "escalations")


@bp.route("/summaries", methods=["POST"])
@member(*CASE_EDITORS)
def publish_summary(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = SummaryForm(prefix="summary")
    if not form.validate_on_submit():
        return _render(case, summary_form=form)
    published, sent = operations.publish_summary(current_actor(), case, form.summary.data)
    flash(f"Summary published with the code {published.public_code}; sent to {sent} "
          f"{'respondent' if sent == 1 else 'respondents'} who left an address.")
    return _page(case, "you-said-we-did")
