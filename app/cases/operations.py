"""State-changing operations on cases. Each writes its audit event in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.audit.services import record
from app.auth.models import User
from app.cases import services
from app.cases.models import (
    Case,
    Decision,
    DecisionOutcome,
    IntelligenceItem,
    IntelligenceSource,
    Stage,
    StageChange,
)
from app.cases.stages import available_moves, transition
from app.db import utcnow
from app.extensions import db
from app.tenants.models import Role


class MoveRefused(Exception):
    """The stage table does not allow this move now; ``reasons`` says why."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Actor:
    """Who is acting, and for which authority with which roles."""

    user: User
    authority_id: int
    roles: frozenset[Role]


def audit_case(actor: Actor, case: Case, action: str, obj=None, old=None, new=None, reason=None):
    """Append a change of a case (or of one of its records) to the host's audit trail."""
    record(
        db.session,
        action=action,
        obj=obj or case,
        tenant_id=case.tenant_id,
        actor_user_id=actor.user.id,
        actor_authority_id=actor.authority_id,
        case_id=case.id,
        old=old,
        new=new,
        reason=reason,
    )


def _next_reference(authority_id: int) -> str:
    year = utcnow().year
    count = db.session.scalar(
        select(func.count(Case.id)).where(Case.tenant_id == authority_id)
    )
    return f"PC-{year}-{count + 1:04d}"


def open_case(actor: Actor, *, provider_id: int, location_id: int | None, title: str,
              summary: str, intelligence_ids: list[int] = ()) -> Case:
    """Open a case at stage 1, attaching intelligence already gathered about the provider."""
    case = Case(
        tenant_id=actor.authority_id,
        reference=_next_reference(actor.authority_id),
        provider_id=provider_id,
        location_id=location_id,
        title=title,
        summary=summary,
        stage=Stage.DECISION,
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(StageChange(case_id=case.id, to_stage=Stage.DECISION, moved_by_id=actor.user.id,
                               reason="Case opened"))
    for item in db.session.scalars(
        select(IntelligenceItem).where(
            IntelligenceItem.id.in_(list(intelligence_ids)),
            IntelligenceItem.provider_id == provider_id,
            IntelligenceItem.case_id.is_(None),
        )
    ):
        item.case_id = case.id
    audit_case(actor, case, "case.opened", new={"reference": case.reference, "title": title,
                                            "provider_id": provider_id})
    return case


def add_intelligence(actor: Actor, *, provider_id: int, location_id: int | None,
                     case_id: int | None, source: IntelligenceSource, received_on: date,
                     count: int, reference: str, summary: str,
                     cqc_rating: str | None = None) -> IntelligenceItem:
    item = IntelligenceItem(
        provider_id=provider_id, location_id=location_id, case_id=case_id, source=source,
        received_on=received_on, count=count, reference=reference, summary=summary,
        cqc_rating=cqc_rating or None, recorded_by_id=actor.user.id,
    )
    db.session.add(item)
    db.session.flush()
    record(
        db.session, action="intelligence.added", obj=item, tenant_id=actor.authority_id,
        actor_user_id=actor.user.id, actor_authority_id=actor.authority_id, case_id=case_id,
        new={"source": source.value, "received_on": received_on.isoformat(), "count": count,
             "summary": summary},
    )
    return item


def _decision(case: Case) -> Decision:
    decision = services.decision_of(case.id)
    if decision is None:
        decision = Decision(case_id=case.id)
        db.session.add(decision)
        case.decision = decision
    return decision


def record_assessment(actor: Actor, case: Case, *, threshold_assessment: str,
                      recommendation: str) -> Decision:
    """Record the threshold assessment and the recommendation to the DASS."""
    decision = _decision(case)
    old = {"threshold_assessment": decision.threshold_assessment,
           "recommendation": decision.recommendation}
    decision.threshold_assessment = threshold_assessment
    decision.recommendation = recommendation
    decision.recommended_by_id = actor.user.id
    decision.recommended_at = utcnow()
    audit_case(actor, case, "case.assessment_recorded", decision, old,
           {"threshold_assessment": threshold_assessment, "recommendation": recommendation})
    return decision


def record_decision(actor: Actor, case: Case, *, outcome: DecisionOutcome, reason: str,
                    lead_officer_id: int | None, chair_id: int | None) -> Case:
    """Record the DASS decision, appoint the Lead Officer and chair, and move the case on."""
    if Role.DASS not in actor.roles:
        raise MoveRefused(["Only the DASS or their deputy can record the decision"])
    if case.stage is not Stage.DECISION:
        raise MoveRefused(["The decision has already been recorded"])
    decision = _decision(case)
    decision.outcome = outcome
    decision.reason = reason
    decision.decided_by_id = actor.user.id
    decision.decided_at = utcnow()
    case.lead_officer_id = lead_officer_id
    case.chair_id = chair_id
    audit_case(actor, case, "case.decided", decision, None,
           {"outcome": outcome.value, "reason": reason, "lead_officer_id": lead_officer_id,
            "chair_id": chair_id})
    target = Stage.INITIAL_MEETING if outcome is DecisionOutcome.PROCEED else Stage.CLOSED
    move_case(actor, case, target, reason)
    return case


def move_case(actor: Actor, case: Case, target: Stage, reason: str) -> StageChange:
    """Move a case to ``target`` if the stage table allows it now; record who, when and why."""
    chosen = transition(case.stage, target)
    if chosen is None:
        raise MoveRefused([f"A case cannot move from {case.stage.label} to {target.label}"])
    db.session.flush()
    move = next(m for m in available_moves(services.facts_of(case), actor.roles)
                if m.transition is chosen)
    if not move.allowed_role:
        raise MoveRefused(["Your role does not allow this move"])
    if move.refusals:
        raise MoveRefused(list(move.refusals))
    change = StageChange(case_id=case.id, from_stage=case.stage, to_stage=target,
                         moved_by_id=actor.user.id, reason=reason)
    db.session.add(change)
    old_stage = case.stage
    case.stage = target
    if target is Stage.CLOSED:
        case.closed_at = utcnow()
    audit_case(actor, case, "case.stage_changed", change, {"stage": old_stage.value},
           {"stage": target.value}, reason)
    return change


def mark_provider_informed(actor: Actor, case: Case) -> None:
    if case.provider_informed_at is not None:
        return
    case.provider_informed_at = utcnow()
    audit_case(actor, case, "case.provider_informed",
           new={"provider_informed_at": case.provider_informed_at.isoformat()})


def save_procedure_settings(actor: Actor, data: dict) -> None:
    """Save the authority's timescales and options, recording the old and new values."""
    from app.cases.procedure_settings import DEFAULTS, settings_for

    settings = settings_for(actor.authority_id)
    old = {key: getattr(settings, key) for key in DEFAULTS}
    for key in DEFAULTS:
        setattr(settings, key, data[key])
    if settings.id is None:
        db.session.add(settings)
    db.session.flush()
    record(
        db.session, action="procedure_settings.changed", obj=settings,
        tenant_id=actor.authority_id, actor_user_id=actor.user.id,
        actor_authority_id=actor.authority_id, old=old,
        new={key: getattr(settings, key) for key in DEFAULTS},
    )


def correct_audit_entry(actor: Actor, case: Case, event_id: int, correction: str, reason: str):
    """Correct an entry of the trail by appending a new one that points at it: nothing in the
    trail is ever edited or deleted."""
    from app.audit.models import AuditEvent

    event = db.session.get(AuditEvent, event_id)
    if event is None or event.case_id != case.id or event.tenant_id != case.tenant_id:
        raise LookupError("That entry is not in this case's trail")
    record(
        db.session, action="audit.corrected", object_type="AuditEvent", object_id=event.id,
        tenant_id=case.tenant_id, actor_user_id=actor.user.id,
        actor_authority_id=actor.authority_id, case_id=case.id,
        old={"action": event.action, "values": event.new_values},
        new={"correction": correction}, reason=reason,
    )
