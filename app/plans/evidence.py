"""Evidence files a provider uploads against the items of its Improvement Plan, and the host's
review of each.

A plan record like the plan itself: the host, a placing authority with a share (read only) and
the told provider read it. The provider only adds files; the host alone reviews them. The file
itself is in the storage (app.storage) under ``storage_key``, a name the app made.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, String, Text, inspect, select
from sqlalchemy.orm import Mapped, mapped_column

from app.db import str_enum, utcnow
from app.extensions import db
from app.plans.models import _PlanRecord, _provider_rls, _reader_rls
from app.tenants.scoping import Scope


class EvidenceStatus(StrEnum):
    WAITING = "waiting"
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"waiting": "Waiting for review"}.get(self.value, self.value.capitalize())

    @property
    def tag(self) -> str:
        return {"waiting": "blue", "accepted": "green", "rejected": "red"}[self.value]


class EvidenceFile(_PlanRecord, db.Model):
    __tablename__ = "evidence_file"
    RLS_READ = _reader_rls("evidence_file")
    # The provider adds a file, as itself, against an item of its own plan; the review is the
    # host's (the plan item's own policy, inside the subquery, hides other providers' items).
    RLS_WRITE = (
        f"tenant_id = app_tenant() OR ({_provider_rls('evidence_file')} "
        "AND uploaded_by_id = app_user() AND status = 'waiting' AND reviewed_at IS NULL "
        "AND EXISTS (SELECT 1 FROM plan_item i WHERE i.id = evidence_file.item_id "
        "AND i.plan_id = evidence_file.plan_id AND i.case_id = evidence_file.case_id))"
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("improvement_plan.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id"), index=True)
    # The name the provider's computer gave it: shown and offered on download, never used
    # as a storage name.
    original_name: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(60), unique=True)
    # What the content showed it to be (never the name or the browser's word).
    kind: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[EvidenceStatus] = mapped_column(str_enum(EvidenceStatus, 20),
                                                   default=EvidenceStatus.WAITING)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        if scope.tenant_id is not None:
            return row.tenant_id == scope.tenant_id
        return (not inspect(row).persistent and scope.provider_id is not None
                and row.provider_id == scope.provider_id and row.uploaded_by_id == scope.user_id)


def evidence_of_plan(plan_id: int) -> dict[int, list[EvidenceFile]]:
    """Return the plan's evidence files by item, oldest first."""
    by_item: dict[int, list[EvidenceFile]] = {}
    rows = db.session.scalars(select(EvidenceFile).where(EvidenceFile.plan_id == plan_id)
                              .order_by(EvidenceFile.uploaded_at, EvidenceFile.id))
    for row in rows:
        by_item.setdefault(row.item_id, []).append(row)
    return by_item


def get_evidence(case_id: int, evidence_id: int) -> EvidenceFile | None:
    return db.session.scalar(select(EvidenceFile).where(EvidenceFile.id == evidence_id,
                                                        EvidenceFile.case_id == case_id))


def item_has_evidence(item_id: int) -> bool:
    return db.session.scalar(select(EvidenceFile.id).where(EvidenceFile.item_id == item_id)
                             .limit(1)) is not None
