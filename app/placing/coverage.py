"""The host's coverage table: which placing authorities have residents at a case's location,
whether each was alerted and has acknowledged. A fixed number of queries, however many
placing bodies (a national review counted 30)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.cases.models import Case
from app.extensions import db
from app.placing.models import CaseShare, ShareAcknowledgement
from app.residents.models import Resident
from app.tenants.models import Authority


@dataclass(frozen=True)
class CoverageRow:
    authority_id: int
    authority_name: str
    residents: int
    share_id: int | None
    alerted_at: datetime | None
    ended_at: datetime | None
    acknowledged_at: datetime | None
    link_person: str

    @property
    def live(self) -> bool:
        return self.share_id is not None and self.ended_at is None

    @property
    def state(self) -> str:
        if self.share_id is None:
            return "Not alerted"
        if self.ended_at is not None:
            return "Share ended"
        return "Acknowledged" if self.acknowledged_at else "Alerted, not acknowledged"


@dataclass(frozen=True)
class Coverage:
    rows: list[CoverageRow]
    self_funders: int

    @property
    def to_alert(self) -> list[int]:
        return [row.authority_id for row in self.rows if row.residents and not row.live]


def _funded_counts(location_id: int) -> dict[int, int]:
    """Count current residents per funding authority (a jointly funded person counts for each)."""
    current = Resident.location_id == location_id, Resident.moved_out_at.is_(None)
    counts: dict[int, int] = {}
    for column in (Resident.placing_authority_id, Resident.joint_funder_id):
        rows = db.session.execute(
            select(column, func.count()).where(*current, column.is_not(None)).group_by(column))
        for authority_id, count in rows:
            counts[authority_id] = counts.get(authority_id, 0) + count
    return counts


def _self_funders(location_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Resident).where(
        Resident.location_id == location_id, Resident.moved_out_at.is_(None),
        Resident.placing_authority_id.is_(None))) or 0


def coverage_of(case: Case) -> Coverage:
    """Return one row per placing authority with residents at the location or a share."""
    counts = _funded_counts(case.location_id) if case.location_id else {}
    shares = {share.placing_authority_id: share for share in db.session.scalars(
        select(CaseShare).where(CaseShare.case_id == case.id))}
    acknowledgements = {row.share_id: row for row in db.session.scalars(
        select(ShareAcknowledgement).where(
            ShareAcknowledgement.share_id.in_([share.id for share in shares.values()])))}
    ids = set(counts) | set(shares)
    names = dict(db.session.execute(select(Authority.id, Authority.name).where(Authority.id.in_(ids))).all())
    rows = []
    for authority_id in ids:
        share = shares.get(authority_id)
        ack = acknowledgements.get(share.id) if share is not None else None
        rows.append(CoverageRow(
            authority_id=authority_id, authority_name=names.get(authority_id, ""),
            residents=counts.get(authority_id, 0), share_id=share.id if share else None,
            alerted_at=share.alerted_at if share else None, ended_at=share.ended_at if share else None,
            acknowledged_at=ack.acknowledged_at if ack else None,
            link_person=_link_person(ack)))
    rows.sort(key=lambda row: row.authority_name)
    return Coverage(rows=rows, self_funders=_self_funders(case.location_id) if case.location_id else 0)


def _link_person(ack: ShareAcknowledgement | None) -> str:
    if ack is None or not ack.link_person_name:
        return ""
    email = f" ({ack.link_person_email})" if ack.link_person_email else ""
    return ack.link_person_name + email
