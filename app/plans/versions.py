"""What changed in an Improvement Plan between two submitted versions, item by item.

Items are matched by their id (each version keeps its items' ids), so an item changed between
versions is one row with its fields before and after, not a removal and an addition.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from app.extensions import db
from app.formatting import long_date
from app.plans.models import ImprovementPlan, PlanArea, PlanVersion, Rag
from app.plans.services import ItemView, version_items

FIELDS = (("area", "Area"), ("action", "Action"), ("lead", "Lead"), ("target_on", "Target date"),
          ("evidence_required", "Evidence that will prove it"), ("rag", "RAG"))


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    SAME = "same"

    @property
    def label(self) -> str:
        return {"same": "Unchanged"}.get(self.value, self.value.capitalize())


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class ItemChange:
    change: Change
    fields: list[FieldChange]

    @property
    def title(self) -> str:
        return next(f.after or f.before for f in self.fields if f.label == "Action")


def versions_of(plan: ImprovementPlan) -> list[PlanVersion]:
    return list(db.session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                                   .order_by(PlanVersion.number)))


def _text(item: ItemView | None, name: str) -> str:
    if item is None:
        return ""
    value = getattr(item, name)
    if isinstance(value, (PlanArea, Rag)):
        return value.label
    if name == "target_on":
        return long_date(value)
    return str(value)


def compare(before: PlanVersion, after: PlanVersion) -> list[ItemChange]:
    """Return, for every item in either version, how it changed from ``before`` to ``after``."""
    old = {item.id: item for item in version_items(before)}
    new = {item.id: item for item in version_items(after)}
    changes = []
    for item_id in [*new, *(i for i in old if i not in new)]:
        was, now = old.get(item_id), new.get(item_id)
        fields = [FieldChange(label, _text(was, name), _text(now, name)) for name, label in FIELDS]
        if was is None:
            change = Change.ADDED
        elif now is None:
            change = Change.REMOVED
        else:
            change = Change.CHANGED if any(f.changed for f in fields) else Change.SAME
        changes.append(ItemChange(change, fields))
    return changes
