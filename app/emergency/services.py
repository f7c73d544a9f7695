"""Reading a case's restrictions, emergency plans and residents' moves (scoping decides who
sees which: a placing authority sees only the moves of residents it placed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.emergency.models import EmergencyPlan, PlacementRestriction, ResidentMove
from app.extensions import db


def restrictions_of(case_id: int) -> list[PlacementRestriction]:
    return list(db.session.scalars(
        select(PlacementRestriction).where(PlacementRestriction.case_id == case_id)
        .order_by(PlacementRestriction.started_on.desc())))


def plans_of(case_id: int) -> list[EmergencyPlan]:
    return list(db.session.scalars(
        select(EmergencyPlan).where(EmergencyPlan.case_id == case_id)
        .order_by(EmergencyPlan.invoked_at.desc())))


def moves_of(plan_id: int) -> list[ResidentMove]:
    return list(db.session.scalars(
        select(ResidentMove).options(selectinload(ResidentMove.resident))
        .where(ResidentMove.plan_id == plan_id).order_by(ResidentMove.id)))


def get_in_case(model, row_id: int, case_id: int):
    """Return a row of ``model`` that belongs to the case, or None."""
    row = db.session.get(model, row_id)
    return row if row is not None and row.case_id == case_id else None
