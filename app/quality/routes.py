"""The quality assurance page of a case (stage 5), for the host alone: strategies,
invitations, responses and disclosures, telephone feedback, scrutiny, escalations, "you said,
we did", and the comparison of baseline with follow-up."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404
from app.cases.roles import CASE_EDITORS, RESIDENT_READERS
from app.extensions import db
from app.forms import Form
from app.quality import operations, services
from app.quality.chart import build_chart
from app.quality.forms import (
    ActivityForm,
    CommunicationUpdateForm,
    EscalationForm,
    InvitationForm,
    StrategyForm,
    SummaryForm,
    TelephoneForm,
    TriageForm,
)
from app.quality.models import (
    ActivityKind,
    CommunicationScope,
    Delivery,
    FeedbackResponse,
    Phase,
    RespondentKind,
)
from app.quality.questions import QUESTIONS, Helper, Rating

# Respondents' names, contact details and what they disclosed: for the people who read
# residents' details and work the case, not for viewers or contracts officers.
QA_REVIEWERS = CASE_EDITORS & RESIDENT_READERS

bp = Blueprint("quality", __name__, url_prefix="/authorities/<int:authority_id>/cases/<int:case_id>/quality")

FORMS = {
    "invitation_form": (InvitationForm, "invitation"),
    "activity_form": (ActivityForm, "activity"),
    "strategy_form": (StrategyForm, "strategy"),
    "update_form": (CommunicationUpdateForm, "update"),
    "escalation_form": (EscalationForm, "escalation"),
    "summary_form": (SummaryForm, "summary"),
}


def _page(case, anchor: str | None = None):
    return redirect(url_for("quality.show_quality", authority_id=case.tenant_id, case_id=case.id,
                            _anchor=anchor))


def _strategy_form(case) -> StrategyForm:
    strategy = services.strategy_of(case.id)
    form = StrategyForm(formdata=None, prefix="strategy", obj=strategy)
    if strategy is not None:
        form.communication_scope.data = strategy.communication_scope.value
    return form


def _render(case, status: int = 200, **given):
    roles = current_actor().roles
    forms = {name: given.get(name) or cls(formdata=None, prefix=prefix)
             for name, (cls, prefix) in FORMS.items()}
    if "strategy_form" not in given:
        forms["strategy_form"] = _strategy_form(case)
    failed = next((form for name, form in forms.items() if name in given), None)
    comparison = services.comparison(case.id)
    return render_template(
        "quality/show.html", case=case, form=failed, **forms,
        can_edit=bool(roles & CASE_EDITORS) and not case.closed,
        reviews=bool(roles & QA_REVIEWERS),
        strategy=services.strategy_of(case.id), updates=services.updates_of(case.id),
        invitations=services.invitations_of(case.id), responses=services.responses_of(case.id),
        disclosures=services.open_disclosures(case.id), activities=services.activities_of(case.id),
        escalations=services.escalations_of(case.id), summaries=services.summaries_of(case.id),
        comparison=comparison, charts={group: build_chart(rows) for group, rows in comparison.items()},
        counts=services.quality_counts(case.id), questions=QUESTIONS, helpers=Helper,
        triage_form=given.get("triage_form"), triage_for=given.get("triage_for"),
        blank_triage_form=lambda: TriageForm(formdata=None, prefix="triage"),
        comparison_ratings=list(Rating),
    ), status


@bp.route("")
@member()
def show_quality(authority_id: int, case_id: int):
    return _render(host_case_or_404(case_id))


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
    db.session.commit()
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
        db.session.commit()
        flash("Marked as a possible disclosure: the lead officer has been told.")
    return _page(case, "disclosures")


@bp.route("/responses/<int:response_id>/triage", methods=["POST"])
@member(*QA_REVIEWERS)
def triage_disclosure(authority_id: int, case_id: int, response_id: int):
    case = host_case_or_404(case_id)
    response = _response_or_404(case.id, response_id)
    form = TriageForm(prefix="triage")
    if not form.validate_on_submit():
        return _render(case, triage_form=form, triage_for=response.id)
    operations.triage_disclosure(current_actor(), case, response, form.note.data)
    db.session.commit()
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
        db.session.commit()
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
    db.session.commit()
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
    db.session.commit()
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
    db.session.commit()
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
    db.session.commit()
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
    db.session.commit()
    flash(f"Summary published with the code {published.public_code}; sent to {sent} "
          f"{'respondent' if sent == 1 else 'respondents'} who left an address.")
    return _page(case, "you-said-we-did")


@bp.app_context_processor
def _quality_helpers():
    def quality_summary(case):
        return {"open_disclosures": len(services.open_disclosures(case.id))}

    return {"quality_summary": quality_summary}
