"""State-changing operations on cases. Each checks its rules, writes its audit event in the
same transaction and is a unit of work (app/unit_of_work.py): it commits, its caller does not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.audit.services import record
from app.auth.models import User
from app.cases import drafts, key_dates, notifications, services
from app.cases.clocks import local_date
from app.cases.models import (
    AGGRAVATING_FACTORS,
    Case,
    Decision,
    DecisionOutcome,
    IntelligenceItem,
    IntelligenceSource,
    ProviderExclusion,
    Stage,
    StageChange,
)
from app.cases.procedure_versions import ProcedureVersion, current_version
from app.cases.references import next_reference
from app.cases.stages import available_moves, transition
from app.db import utcnow
from app.extensions import db
from app.tenants.models import Role
from app.unit_of_work import Refused, operation


class MoveRefused(Refused):
    """The stage table does not allow this move now; ``reasons`` says why."""

    def __init__(self, reasons: list[str]):
        super().__init__(*reasons)


@dataclass(frozen=True)
class Actor:
    """Who is acting, and for which authority with which roles."""

    user: User
    authority_id: int
    roles: frozenset[Role]


def audit_case(actor: Actor, case: Case, action: str, obj=None, old=None, new=None, reason=None):
    """Append a change of a case (or of one of its records) to the host's audit trail, and
    refresh the key dates the host shares (every change of a case passes here)."""
    if actor.authority_id == case.tenant_id:
        key_dates.refresh(case)
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


@operation
def open_case(actor: Actor, *, provider_id: int, location_id: int | None, title: str,
              summary: str, intelligence_ids: list[int] = ()) -> Case:
    """Open a case at stage 1, attaching intelligence already gathered about the provider.
    The location, if any, must be one of that provider's in the host's area."""
    if location_id is not None and not any(
            location.id == location_id and location.provider_id == provider_id
            for location in services.host_locations(actor.authority_id)):
        raise Refused("Select a location of the chosen provider")
    case = Case(
        tenant_id=actor.authority_id,
        reference=next_reference(actor.authority_id),
        provider_id=provider_id,
        location_id=location_id,
        title=title,
        summary=summary,
        stage=Stage.DECISION,
        # A new case runs under the procedure as it stands today, until staff move it over.
        procedure_version_id=current_version(actor.authority_id, actor.user.id).id,
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


@operation
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


@operation
def record_assessment(actor: Actor, case: Case, *, threshold_assessment: str,
                      recommendation: str, aggravating_factors: list[str] | None = None) -> Decision:
    """Record the threshold assessment, its aggravating factors (left out: the ones recorded
    stay) and the recommendation to the DASS, and drop the author's drafts of them. Only at
    stage 1: after the decision the assessment stands."""
    if case.stage is not Stage.DECISION:
        raise Refused("The decision has been made: the assessment can no longer change.")
    decision = _decision(case)
    old = {"threshold_assessment": decision.threshold_assessment,
           "recommendation": decision.recommendation,
           "aggravating_factors": decision.aggravating_factors}
    decision.threshold_assessment = threshold_assessment
    decision.recommendation = recommendation
    if aggravating_factors is not None:
        decision.aggravating_factors = [key for key in aggravating_factors
                                        if key in AGGRAVATING_FACTORS]
    decision.recommended_by_id = actor.user.id
    decision.recommended_at = utcnow()
    audit_case(actor, case, "case.assessment_recorded", decision, old,
           {"threshold_assessment": threshold_assessment, "recommendation": recommendation,
            "aggravating_factors": decision.aggravating_factors})
    drafts.discard_case_drafts(actor.user.id, case.id, drafts.ASSESSMENT_FIELDS)
    if recommendation.strip():
        notifications.recommendation_waiting(case, decision, actor.user.id)
    return decision


@operation
def record_decision(actor: Actor, case: Case, *, outcome: DecisionOutcome, reason: str,
                    lead_officer_id: int | None, chair_id: int | None) -> Case:
    """Record the DASS decision, appoint the Lead Officer and chair, and move the case on."""
    refusal = services.decision_refusal(case, actor.user.id, actor.roles)
    if refusal:
        raise MoveRefused([refusal])
    if case.stage is not Stage.DECISION:
        raise MoveRefused(["The decision has already been recorded"])
    decision = _decision(case)
    decision.outcome = outcome
    decision.reason = reason
    decision.decided_by_id = actor.user.id
    decision.decided_at = utcnow()
    case.lead_officer_id = lead_officer_id
    case.chair_id = chair_id
    notifications.appointed(case, actor.user.id)
    audit_case(actor, case, "case.decided", decision, None,
           {"outcome": outcome.value, "reason": reason, "lead_officer_id": lead_officer_id,
            "chair_id": chair_id})
    target = Stage.INITIAL_MEETING if outcome is DecisionOutcome.PROCEED else Stage.CLOSED
    move_case(actor, case, target, reason)
    drafts.discard_case_drafts(actor.user.id, case.id, drafts.DECISION_FIELDS)
    return case


@operation
def move_case(actor: Actor, case: Case, target: Stage, reason: str,
              override_reason: str = "") -> StageChange:
    """Move a case to ``target`` if the stage table allows it now; record who, when and why.
    ``override_reason`` records why the overridable guards (closing with a plan still
    active, say) do not hold the case back."""
    chosen = transition(case.stage, target)
    if chosen is None:
        raise MoveRefused([f"A case cannot move from {case.stage.label} to {target.label}"])
    db.session.flush()
    override_reason = override_reason.strip()
    move = next(m for m in available_moves(services.facts_of(case), actor.roles,
                                           waived=bool(override_reason), user_id=actor.user.id)
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
    new = {"stage": target.value}
    if override_reason and move.waivable:
        new["overridden"] = list(move.waivable)
        new["override_reason"] = override_reason
    audit_case(actor, case, "case.stage_changed", change, {"stage": old_stage.value}, new, reason)
    if target is Stage.CLOSED:
        _tell_placing_authorities_of_closing(actor, case, reason)
    return change


def _tell_placing_authorities_of_closing(actor: Actor, case: Case, reason: str) -> None:
    # Imported here: placing's operations stand on this module (Actor), and the case's
    # closing is where the out-of-area arrangements ask for the placing authorities' alert.
    from app.placing.alert_history import AlertKind
    from app.placing.alerts import alert_again

    alert_again(actor, case, AlertKind.CLOSED, concern=f"The case is closed. {reason}".strip(),
                planned="Keep reviewing your residents as usual; the host's closure letter follows.")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@operation
def record_provider_told(actor: Actor, case: Case, *, told_at: datetime, how: str,
                         told_by_id: int, backdate_reason: str = "") -> None:
    """Record that the provider was told of the concern: from then on it sees the case.

    A moment before today (London) is backdating and needs its reason.
    """
    if case.provider_kept_out:
        raise Refused("Police or coroner advice keeps the provider out: lift it first")
    decision = case.decision
    if decision is None or decision.outcome is not DecisionOutcome.PROCEED:
        raise Refused("The provider is told of the DASS decision to proceed: record it first")
    now = utcnow()
    if told_at > now:
        raise Refused("The time the provider was told must be now or in the past")
    if local_date(told_at) < local_date(now) and not backdate_reason.strip():
        raise Refused("Give the reason for recording this after the day it happened")
    old = {"provider_informed_at": _iso(case.provider_informed_at)}
    case.provider_informed_at = told_at
    case.provider_informed_how = how
    case.provider_informed_by_id = told_by_id
    case.provider_informed_backdate_reason = backdate_reason.strip()
    audit_case(actor, case, "case.provider_informed", old=old,
               new={"provider_informed_at": _iso(told_at), "how": how, "told_by_id": told_by_id},
               reason=backdate_reason.strip() or None)


@operation
def keep_provider_out(actor: Actor, case: Case, *, reason: str, advised_by: str,
                      agreed_by_id: int) -> ProviderExclusion:
    """Record police or coroner advice that the provider must not be told (or must be kept out
    of this stage) yet: it pauses the clock to inform it and hides the case from it."""
    if case.provider_kept_out:
        raise Refused("The provider is already kept out of this case")
    exclusion = ProviderExclusion(case_id=case.id, stage=case.stage, reason=reason,
                                  advised_by=advised_by, agreed_by_id=agreed_by_id,
                                  started_at=utcnow())
    db.session.add(exclusion)
    case.exclusions.append(exclusion)
    case.provider_kept_out = True
    db.session.flush()
    audit_case(actor, case, "case.provider_kept_out", exclusion,
               new={"advised_by": advised_by, "agreed_by_id": agreed_by_id,
                    "stage": case.stage.value}, reason=reason)
    return exclusion


@operation
def lift_provider_exclusion(actor: Actor, case: Case, *, reason: str) -> None:
    """Lift the advice: the clock to inform the provider runs again from now."""
    exclusion = next((e for e in case.exclusions if e.lifted_at is None), None)
    if exclusion is None:
        raise Refused("The provider is not kept out of this case")
    exclusion.lifted_at = utcnow()
    exclusion.lifted_by_id = actor.user.id
    exclusion.lifted_reason = reason
    case.provider_kept_out = False
    audit_case(actor, case, "case.provider_exclusion_lifted", exclusion,
               new={"lifted_at": _iso(exclusion.lifted_at)}, reason=reason)


@operation
def record_plan_received(actor: Actor, case: Case, *, received_at: datetime, how: str) -> None:
    """Record that the provider's first Improvement Plan arrived (the provider portal's
    submission sets the same milestone): it stops the plan's clock and starts the contract
    monitoring review's."""
    if received_at > utcnow():
        raise Refused("The time the plan was received must be now or in the past")
    old = {"plan_first_submitted_at": _iso(case.plan_first_submitted_at),
           "plan_received_how": case.plan_received_how}
    case.plan_first_submitted_at = received_at
    case.plan_received_how = how
    audit_case(actor, case, "case.plan_received", old=old,
               new={"plan_first_submitted_at": _iso(received_at), "plan_received_how": how})


@operation
def record_themes(actor: Actor, case: Case, themes: str) -> None:
    old = {"themes": case.themes}
    case.themes = themes
    audit_case(actor, case, "case.themes_changed", old=old, new={"themes": themes})


@operation
def save_procedure_settings(actor: Actor, data: dict) -> None:
    """Save the authority's procedure, recording the old and new values. New cases run under
    it; open cases keep the version they run under (``adopt_current_procedure`` moves one)."""
    from app.cases.procedure_settings import DEFAULTS, settings_for, values_of

    settings = settings_for(actor.authority_id)
    old = values_of(settings)
    # Cases opened before versions were kept follow the settings: pin them to the old ones.
    before = current_version(actor.authority_id, actor.user.id)
    for case in db.session.scalars(select(Case).where(
            Case.tenant_id == actor.authority_id, Case.procedure_version_id.is_(None))):
        case.procedure_version_id = before.id
    for key in DEFAULTS:
        if key in data:
            value = data[key]
            setattr(settings, key, dict(value) if isinstance(value, dict) else value)
    if settings.id is None:
        db.session.add(settings)
    db.session.flush()
    version = current_version(actor.authority_id, actor.user.id)
    record(
        db.session, action="procedure_settings.changed", obj=settings,
        tenant_id=actor.authority_id, actor_user_id=actor.user.id,
        actor_authority_id=actor.authority_id, old=old,
        new={**values_of(settings), "version": version.number},
    )


@operation
def apply_preset(actor: Actor, key: str) -> None:
    """Replace the authority's procedure with one of the shipped presets (to adjust after);
    the named decider, who is the host's own, is kept."""
    from app.cases.presets import preset_values
    from app.cases.procedure_settings import settings_for

    values = preset_values(key)
    values["named_decider_id"] = settings_for(actor.authority_id).named_decider_id
    save_procedure_settings(actor, values)


@operation
def adopt_current_procedure(actor: Actor, case: Case, reason: str) -> None:
    """Move an open case over to the authority's current procedure: its clocks, decider and
    options follow the new version from now on (recorded with the reason)."""
    if case.closed:
        raise Refused("A closed case keeps the procedure it closed under")
    version = current_version(case.tenant_id, actor.user.id)
    old_id = case.procedure_version_id
    if old_id == version.id:
        raise Refused("This case already runs under the current procedure")
    old = db.session.get(ProcedureVersion, old_id) if old_id else None
    case.procedure_version_id = version.id
    audit_case(actor, case, "case.procedure_adopted",
               old={"procedure_version": old.number if old else None},
               new={"procedure_version": version.number}, reason=reason)


@operation
def set_agreed_date(actor: Actor, case: Case, clock_key: str, day: date | None) -> None:
    """Enter (or clear) the date agreed at a meeting for a clock the procedure sets that way."""
    from app.cases.clocks import RULES
    from app.cases.procedure_settings import ClockMode
    from app.cases.procedure_versions import procedure_of

    rule = next((rule for rule in RULES if rule.key == clock_key), None)
    if rule is None or procedure_of(case).clock_mode(clock_key) is not ClockMode.AGREED:
        raise Refused("This deadline is not set by a date agreed at the meeting")
    dates = dict(case.agreed_dates or {})
    old = dates.get(clock_key)
    if day is None:
        dates.pop(clock_key, None)
    else:
        dates[clock_key] = day.isoformat()
    case.agreed_dates = dates
    audit_case(actor, case, "case.agreed_date_set", old={"clock": rule.worded(), "date": old},
               new={"clock": rule.worded(), "date": day.isoformat() if day else None})


@operation
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
