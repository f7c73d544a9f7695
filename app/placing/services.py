"""Reading a share from the placing authority's side."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.placing.alert_history import PlacingAlert
from app.placing.models import CaseShare, ShareAcknowledgement
from app.placing.reviews import ResidentReview


def live_share_for(case_id: int, placing_authority_id: int) -> CaseShare | None:
    """Return the live share of a case with a placing authority, if there is one."""
    return db.session.scalar(
        select(CaseShare).where(CaseShare.case_id == case_id,
                                CaseShare.placing_authority_id == placing_authority_id,
                                CaseShare.ended_at.is_(None))
    )


def acknowledgement_of(share: CaseShare | None) -> ShareAcknowledgement | None:
    if share is None:
        return None
    return db.session.scalar(
        select(ShareAcknowledgement).where(ShareAcknowledgement.share_id == share.id)
    )


def share_of_case(case_id: int, share_id: int) -> CaseShare | None:
    """Return one of a case's shares (the host reads them all)."""
    return db.session.scalar(
        select(CaseShare).where(CaseShare.id == share_id, CaseShare.case_id == case_id)
    )


def reviews_of(resident_id: int) -> list[ResidentReview]:
    """Return the reviews of a resident that the acting authority may read, newest first."""
    return list(db.session.scalars(
        select(ResidentReview).where(ResidentReview.resident_id == resident_id)
        .options(joinedload(ResidentReview.reviewer))
        .order_by(ResidentReview.reviewed_on.desc(), ResidentReview.id.desc())
    ))


def alerts_of(case_id: int) -> list[PlacingAlert]:
    """Return the host's alerts about a case that the reader may read, newest first."""
    return list(db.session.scalars(
        select(PlacingAlert).where(PlacingAlert.case_id == case_id)
        .order_by(PlacingAlert.created_at.desc(), PlacingAlert.id.desc())))
