"""Recording placement restrictions, invoking an emergency plan and tracking residents' moves."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from app.cases.models import Case
from app.cases.operations import Actor, audit_case
from app.db import utcnow
from app.emergency.models import (
    EmergencyPlan,
    MoveStatus,
    PlacementRestriction,
    PlanKind,
    ResidentMove,
    RestrictionKind,
)
from app.extensions import db
from app.formatting import date_and_time, long_date
from app.london_time import start_of_day
from app.meetings.models import Meeting, MeetingKind
from app.placing.alert_history import AlertKind
from app.placing.alerts import alert_again
from app.residents.models import Resident
from app.unit_of_work import Refused, operation


@operation
def add_restriction(actor: Actor, case: Case, *, kind: RestrictionKind, started_on: date,
                    reason: str) -> PlacementRestriction:
    restriction = PlacementRestriction(case_id=case.id, kind=kind, started_on=started_on,
                                       reason=reason, recorded_by_id=actor.user.id)
    db.session.add(restriction)
    audit_case(actor, case, "restriction.added", restriction,
               new={"kind": kind.value, "started_on": started_on.isoformat(), "reason": reason})
    alert_again(actor, case, AlertKind.RESTRICTION,
                concern=f"{kind.label} from {long_date(started_on)}. {reason}",
                planned="No new placements while it lasts; you will be told when it ends.")
    return restriction


@operation
def end_restriction(actor: Actor, case: Case, restriction: PlacementRestriction, ended_on: date) -> None:
    if restriction.ended_on is not None:
        raise Refused("This restriction has already ended")
    restriction.ended_on = ended_on
    audit_case(actor, case, "restriction.ended", restriction, new={"ended_on": ended_on.isoformat()})


def residents_at(case: Case) -> list[Resident]:
    """Return the residents living where the concern is (the location, or all the provider's)."""
    from app.providers.models import Location

    statement = select(Resident).where(Resident.moved_out_at.is_(None))
    if case.location_id is not None:
        statement = statement.where(Resident.location_id == case.location_id)
    else:
        statement = statement.where(Resident.location_id.in_(
            select(Location.id).where(Location.provider_id == case.provider_id,
                                      Location.host_authority_id == case.tenant_id)))
    return list(db.session.scalars(statement.order_by(Resident.family_name, Resident.given_name)))


@operation
def invoke_plan(actor: Actor, case: Case, *, kind: PlanKind, reason: str,
                meeting_at: datetime, venue: str) -> EmergencyPlan:
    """Invoke the closure response plan: the urgent meeting, and a move to track per resident."""
    from app.meetings.agendas import agenda_for, agenda_text

    agenda = agenda_for(MeetingKind.EMERGENCY)
    meeting = Meeting(case_id=case.id, kind=MeetingKind.EMERGENCY, scheduled_for=meeting_at,
                      venue=venue, agenda_part_one=agenda_text(agenda.part_one),
                      agenda_part_two=agenda_text(agenda.part_two))
    db.session.add(meeting)
    db.session.flush()
    plan = EmergencyPlan(case_id=case.id, kind=kind, reason=reason, invoked_by_id=actor.user.id,
                         meeting_id=meeting.id)
    db.session.add(plan)
    db.session.flush()
    residents = residents_at(case)
    for resident in residents:
        db.session.add(ResidentMove(plan_id=plan.id, case_id=case.id, resident_id=resident.id,
                                    placing_authority_id=resident.placing_authority_id))
    audit_case(actor, case, "emergency_plan.invoked", plan,
               new={"kind": kind.value, "reason": reason, "residents": len(residents),
                    "meeting_at": meeting_at.isoformat()})
    alert_again(actor, case, AlertKind.EMERGENCY_PLAN, concern=f"{kind.label}: {reason}",
                planned=f"An urgent meeting on {date_and_time(meeting_at)} at {venue}, and a "
                        "move to be arranged for each resident.")
    return plan


@operation
def update_move(actor: Actor, case: Case, move: ResidentMove, *, status: MoveStatus,
                destination: str, moved_on: date | None, notes: str) -> None:
    """Record where a resident is moving; a completed move records them as moved out."""
    old = {"status": move.status.value, "destination": move.destination,
           "moved_on": move.moved_on.isoformat() if move.moved_on else None}
    move.status, move.destination, move.moved_on, move.notes = status, destination, moved_on, notes
    if status is MoveStatus.MOVED:
        move.resident.moved_out_at = start_of_day(moved_on)
    audit_case(actor, case, "resident_move.updated", move, old,
               {"status": status.value, "destination": destination,
                "moved_on": moved_on.isoformat() if moved_on else None})


@operation
def stand_down(actor: Actor, case: Case, plan: EmergencyPlan) -> None:
    if plan.stood_down_at is not None:
        raise Refused("This emergency plan has already been stood down")
    plan.stood_down_at = utcnow()
    audit_case(actor, case, "emergency_plan.stood_down", plan)
