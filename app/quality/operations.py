"""State changes of quality assurance. Each is an operation (app/unit_of_work.py): it writes
its audit event, and any email it queues, in its own transaction, committed when it returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.audit.services import record
from app.auth.models import User
from app.cases.models import Case
from app.cases.operations import Actor, audit_case
from app.db import utcnow
from app.extensions import db
from app.jobs.outbox import enqueue_email
from app.links import absolute_url
from app.quality.models import (
    ActivityKind,
    CommunicationScope,
    CommunicationUpdate,
    Delivery,
    FeedbackInvitation,
    FeedbackResponse,
    FeedbackSource,
    Phase,
    QaActivity,
    QaEscalation,
    QaStrategy,
    RespondentKind,
    YouSaidWeDid,
)
from app.quality.services import public_place, strategy_of
from app.quality.tokens import keyed_hash, new_letter_code, new_link_token, new_public_code
from app.tenants.models import Membership, Role
from app.unit_of_work import operation


class AlreadyUsed(Exception):
    """The invitation was spent by another submission (a replay, or two tabs at once)."""


@dataclass(frozen=True)
class Issued:
    """A new invitation with the secrets shown once: the link, and the code of a letter."""

    invitation: FeedbackInvitation
    link: str
    code: str | None


@operation
def create_invitation(actor: Actor, case: Case, *, respondent_kind: RespondentKind,
                      phase: Phase, delivery: Delivery, email: str | None) -> Issued:
    """Create a single-use invitation; email it through the outbox, or return the letter's
    code for printing. Neither the token nor the code is kept."""
    token = new_link_token(case.tenant_id)
    code = new_letter_code(case.tenant_id) if delivery is Delivery.LETTER else None
    invitation = FeedbackInvitation(
        case_id=case.id, respondent_kind=respondent_kind, phase=phase, delivery=delivery,
        token_hash=keyed_hash(token), code_hash=keyed_hash(code) if code else None,
        expires_at=utcnow() + timedelta(days=current_app.config["FEEDBACK_LINK_DAYS"]),
        created_by_id=actor.user.id)
    db.session.add(invitation)
    db.session.flush()
    link = absolute_url("quality_public.start_feedback", credential=token)
    if delivery is Delivery.EMAIL:
        place = public_place(case)
        enqueue_email(
            db.session, tenant_id=case.tenant_id, template="feedback_invitation",
            recipient=email, key=f"feedback-invitation:{invitation.id}", case_id=case.id,
            created_by_id=actor.user.id, secret_context=("link",),
            context={"link": link, "provider": place["provider"], "location": place["location"],
                     "authority": case.host_authority.name,
                     "days": current_app.config["FEEDBACK_LINK_DAYS"]})
    audit_case(actor, case, "feedback.invited", invitation, new={
        "respondent_kind": respondent_kind.value, "phase": phase.value, "delivery": delivery.value})
    return Issued(invitation, link, code)


@operation
def submit_response(invitation: FeedbackInvitation, case: Case, *, answers: dict, consent: bool,
                    anonymous: bool, name: str, email: str, something_happened: bool,
                    detail: str, helped_by: list[str]) -> FeedbackResponse:
    """Save the answers of an invitation and spend it, in one transaction; a disclosure goes
    to the lead officer's outbox in the same transaction."""
    spent = db.session.execute(
        update(FeedbackInvitation)
        .where(FeedbackInvitation.id == invitation.id, FeedbackInvitation.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise AlreadyUsed()
    response = FeedbackResponse(
        case_id=case.id, invitation_id=invitation.id, source=FeedbackSource.ONLINE,
        phase=invitation.phase, respondent_kind=invitation.respondent_kind, consent=consent,
        anonymous=anonymous, respondent_name="" if anonymous else name,
        contact_email=email or "", answers=answers, something_happened=something_happened,
        something_happened_detail=detail if something_happened else "", helped_by=helped_by)
    db.session.add(response)
    db.session.flush()
    # No person signed in: the event is the respondent's, recorded in the host's trail.
    record(db.session, action="feedback.received", obj=response, tenant_id=case.tenant_id,
           actor_user_id=None, case_id=case.id,
           new={"phase": response.phase.value, "source": response.source.value,
                "may_disclose_harm": something_happened})
    if something_happened:
        report_disclosure(case, response)
    return response


@operation
def record_telephone_feedback(actor: Actor, case: Case, *, respondent_kind: RespondentKind,
                              phase: Phase, caller_role: str, answers: dict,
                              something_happened: bool, detail: str, helped_by: list[str],
                              earlier: FeedbackResponse | None) -> FeedbackResponse:
    response = FeedbackResponse(
        case_id=case.id, source=FeedbackSource.TELEPHONE, phase=phase,
        respondent_kind=respondent_kind, consent=True, anonymous=True, answers=answers,
        something_happened=something_happened,
        something_happened_detail=detail if something_happened else "", helped_by=helped_by,
        caller_role=caller_role, earlier_response_id=earlier.id if earlier else None,
        recorded_by_id=actor.user.id)
    db.session.add(response)
    audit_case(actor, case, "feedback.telephone_recorded", response, new={
        "phase": phase.value, "caller_role": caller_role, "may_disclose_harm": something_happened,
        "earlier_response_id": response.earlier_response_id})
    if something_happened:
        report_disclosure(case, response)
    return response


def _disclosure_recipients(case: Case) -> list[User]:
    """The lead officer; a case without one goes to the host's DASS members."""
    if case.lead_officer is not None:
        return [case.lead_officer]
    memberships = db.session.scalars(select(Membership).where(
        Membership.tenant_id == case.tenant_id, Membership.active.is_(True),
        Membership.roles_text.contains(f" {Role.DASS.value} ")))
    return [membership.user for membership in memberships]


def report_disclosure(case: Case, response: FeedbackResponse) -> None:
    """Queue the alert to the lead officer in the caller's transaction. The email carries no
    detail of what was said: the link leads to the case, behind sign-in."""
    response.disclosure_reported_at = utcnow()
    link = absolute_url("quality.show_quality", authority_id=case.tenant_id, case_id=case.id,
                        _anchor="disclosures")
    for person in _disclosure_recipients(case):
        enqueue_email(
            db.session, tenant_id=case.tenant_id, template="feedback_disclosure",
            recipient=person.email, key=f"feedback-disclosure:{response.id}:{person.id}",
            case_id=case.id,
            context={"name": person.name, "reference": case.reference, "link": link,
                     "source": response.source.label})


@operation
def mark_disclosure(actor: Actor, case: Case, response: FeedbackResponse) -> None:
    """A reviewer marks an answer as a possible disclosure: it goes to the lead officer."""
    response.disclosure_marked_by_id = actor.user.id
    response.disclosure_triaged_at = None
    audit_case(actor, case, "feedback.disclosure_marked", response)
    db.session.flush()
    report_disclosure(case, response)


@operation
def triage_disclosure(actor: Actor, case: Case, response: FeedbackResponse, note: str) -> None:
    response.disclosure_triaged_at = utcnow()
    response.disclosure_triaged_by_id = actor.user.id
    response.disclosure_triage_note = note
    audit_case(actor, case, "feedback.disclosure_triaged", response, new={"note": note})


@operation
def add_activity(actor: Actor, case: Case, *, kind: ActivityKind, held_on: date,
                 carried_out_by: str, findings: str, before_and_after: str) -> QaActivity:
    activity = QaActivity(case_id=case.id, kind=kind, held_on=held_on,
                          carried_out_by=carried_out_by, findings=findings,
                          before_and_after=before_and_after, recorded_by_id=actor.user.id)
    db.session.add(activity)
    audit_case(actor, case, "qa_activity.recorded", activity, new={
        "kind": kind.value, "held_on": held_on.isoformat(), "carried_out_by": carried_out_by})
    return activity


STRATEGY_FIELDS = ("outcomes_wanted", "measures", "baseline", "communication_reason",
                   "who_tells_whom")


@operation
def save_strategy(actor: Actor, case: Case, *, agreed_on: date | None,
                  communication_scope: CommunicationScope, **texts: str) -> QaStrategy:
    strategy = strategy_of(case.id)
    if strategy is None:
        strategy = QaStrategy(case_id=case.id)
        db.session.add(strategy)
        old = None
    else:
        old = {name: getattr(strategy, name) for name in STRATEGY_FIELDS}
        old["communication_scope"] = strategy.communication_scope.value
    for name in STRATEGY_FIELDS:
        setattr(strategy, name, texts.get(name) or "")
    strategy.agreed_on = agreed_on
    strategy.communication_scope = communication_scope
    new = {name: getattr(strategy, name) for name in STRATEGY_FIELDS}
    new["communication_scope"] = communication_scope.value
    audit_case(actor, case, "qa_strategy.saved", strategy, old=old, new=new)
    return strategy


@operation
def add_communication_update(actor: Actor, case: Case, *, sent_on: date, audience: str,
                             how: str, summary: str,
                             before_emergency_decision: bool) -> CommunicationUpdate:
    update_row = CommunicationUpdate(case_id=case.id, sent_on=sent_on, audience=audience, how=how,
                                     summary=summary,
                                     before_emergency_decision=before_emergency_decision,
                                     recorded_by_id=actor.user.id)
    db.session.add(update_row)
    audit_case(actor, case, "communication_update.recorded", update_row, new={
        "sent_on": sent_on.isoformat(), "audience": audience, "how": how})
    return update_row


@operation
def add_escalation(actor: Actor, case: Case, *, escalated_on: date, group_name: str,
                   reason: str, decision: str) -> QaEscalation:
    escalation = QaEscalation(case_id=case.id, escalated_on=escalated_on, group_name=group_name,
                              reason=reason, decision=decision, recorded_by_id=actor.user.id)
    db.session.add(escalation)
    audit_case(actor, case, "qa_escalation.recorded", escalation, new={
        "escalated_on": escalated_on.isoformat(), "group": group_name, "decision": decision})
    return escalation


@operation
def publish_summary(actor: Actor, case: Case, summary: str) -> tuple[YouSaidWeDid, int]:
    """Publish a "you said, we did" summary and send it to every respondent who left an
    address; return it and how many were sent."""
    published = YouSaidWeDid(case_id=case.id, summary=summary,
                             public_code=new_public_code(case.tenant_id), published_at=utcnow(),
                             published_by_id=actor.user.id)
    db.session.add(published)
    db.session.flush()
    link = absolute_url("quality_public.read_summary", public_code=published.public_code)
    place = public_place(case)
    addresses = sorted({response.contact_email.strip().lower() for response in db.session.scalars(
        select(FeedbackResponse).where(FeedbackResponse.case_id == case.id,
                                       FeedbackResponse.contact_email != ""))})
    for address in addresses:
        enqueue_email(
            db.session, tenant_id=case.tenant_id, template="you_said_we_did", recipient=address,
            key=f"you-said-we-did:{published.id}:{address}", case_id=case.id,
            created_by_id=actor.user.id,
            context={"summary": summary, "provider": place["provider"],
                     "location": place["location"], "link": link})
    audit_case(actor, case, "you_said_we_did.published", published,
               new={"summary": summary, "sent_to": len(addresses)})
    return published, len(addresses)
