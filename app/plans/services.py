"""Reading a case's Improvement Plan, its items and its versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.plans.models import ImprovementPlan, PlanArea, PlanItem, PlanVersion, Rag


def plan_of(case: Case) -> ImprovementPlan | None:
    return db.session.scalar(select(ImprovementPlan).where(ImprovementPlan.case_id == case.id))


def get_item(plan: ImprovementPlan, item_id: int) -> PlanItem | None:
    return db.session.scalar(
        select(PlanItem).where(PlanItem.id == item_id, PlanItem.plan_id == plan.id)
    )


def latest_version(plan: ImprovementPlan) -> PlanVersion | None:
    return db.session.scalar(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id)
        .order_by(PlanVersion.number.desc()).limit(1)
    )


@dataclass(frozen=True)
class ItemView:
    """An item as a version kept it."""

    id: int
    area: PlanArea
    action: str
    lead: str
    target_on: date
    evidence_required: str
    rag: Rag


def version_items(version: PlanVersion | None) -> list[ItemView]:
    """Return the items of a submitted version, as they were when it was submitted."""
    if version is None:
        return []
    return [
        ItemView(id=row["id"], area=PlanArea(row["area"]), action=row["action"], lead=row["lead"],
                 target_on=date.fromisoformat(row["target_on"]),
                 evidence_required=row["evidence_required"], rag=Rag(row["rag"]))
        for row in version.items
    ]
