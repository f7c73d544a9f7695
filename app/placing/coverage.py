"""The host's coverage table: which placing authorities have residents at a case's location,
whether each was alerted and has acknowledged. A fixed number of queries, however many
placing bodies (a national review counted 30)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, or_, select

from app.cases.clocks import local_date
from app.cases.models import Case
from app.extensions import db
from app.placing.models import CaseShare, ShareAcknowledgement
from app.placing.reviews import ResidentReview
from app.placing.tasks import DelegatedTask, TaskStatus
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
    reviewed: int = 0  # its current residents here it has reviewed since the case opened
    open_tasks: int = 0  # tasks between it and the host, not yet done
    chased_at: datetime | None = None
    escalated_at: datetime | None = None

    @property
    def live(self) -> bool:
        return self.share_id is not None and self.ended_at is None

    @property
    def state(self) -> str:
        if self.share_id is None:
            return "Not alerted"
        if self.ended_at is not None:
            return "Share ended"
        if self.acknowledged_at:
            return "Acknowledged"
        if self.escalated_at:
            return "Alerted, not acknowledged: chased and escalated"
        return "Alerted, not acknowledged" + (": chased" if self.chased_at else "")


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


def _reviewed_counts(location_id: int, since) -> dict[int, int]:
    """Count, per reviewing authority, its current residents here with a review on or after
    ``since`` (a jointly funded person counts for each funder that reviewed them)."""
    rows = db.session.execute(
        select(ResidentReview.tenant_id, func.count(distinct(ResidentReview.resident_id)))
        .join(Resident, Resident.id == ResidentReview.resident_id)
        .where(Resident.location_id == location_id, Resident.moved_out_at.is_(None),
               ResidentReview.reviewed_on >= since,
               or_(Resident.placing_authority_id == ResidentReview.tenant_id,
                   Resident.joint_funder_id == ResidentReview.tenant_id))
        .group_by(ResidentReview.tenant_id))
    return dict(rows.all())


def _open_tasks(case_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(DelegatedTask.placing_authority_id, func.count())
        .where(DelegatedTask.case_id == case_id, DelegatedTask.status == TaskStatus.OPEN)
        .group_by(DelegatedTask.placing_authority_id))
    return dict(rows.all())


def coverage_of(case: Case) -> Coverage:
    """Return one row per placing authority with residents at the location or a share."""
    counts = _funded_counts(case.location_id) if case.location_id else {}
    reviewed = _reviewed_counts(case.location_id, local_date(case.opened_at)) if case.location_id else {}
    tasks = _open_tasks(case.id)
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
            link_person=_link_person(ack), reviewed=reviewed.get(authority_id, 0),
            open_tasks=tasks.get(authority_id, 0),
            chased_at=share.chased_at if share else None,
            escalated_at=share.escalated_at if share else None))
    rows.sort(key=lambda row: row.authority_name)
    return Coverage(rows=rows, self_funders=_self_funders(case.location_id) if case.location_id else 0)


def _link_person(ack: ShareAcknowledgement | None) -> str:
    if ack is None or not ack.link_person_name:
        return ""
    email = f" ({ack.link_person_email})" if ack.link_person_email else ""
    return ack.link_person_name + email


CSV_HEADINGS = ("Placing authority", "Residents", "Reviewed since the case opened", "State",
                "Alerted", "Acknowledged", "Link person", "Open tasks")
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): such a
# cell is written with a leading apostrophe, which shows it as the text it is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def coverage_table(coverage: Coverage, date_format) -> list[tuple[str, ...]]:
    """The coverage table as the chair reads it aloud: one row per placing authority, then
    the self-funders, for whom the host is responsible."""
    rows = [(row.authority_name, str(row.residents), f"{row.reviewed} of {row.residents}", row.state,
             date_format(row.alerted_at) if row.alerted_at else "No",
             date_format(row.acknowledged_at) if row.acknowledged_at and row.live else "No",
             row.link_person or "Not named", str(row.open_tasks))
            for row in coverage.rows]
    rows.append(("Self-funders (the host is responsible)", str(coverage.self_funders), "", "", "", "", "", ""))
    return rows


def agenda_table(coverage: Coverage, date_format) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The coverage table for the meeting's Word agenda: as the CSV, without the day alerted
    (the page is portrait)."""
    headings = CSV_HEADINGS[:4] + CSV_HEADINGS[5:]
    return headings, [row[:4] + row[5:] for row in coverage_table(coverage, date_format)]
