"""What a placing authority records about a share: its acknowledgement, its link person.

The share itself is the host's; these are written into a row the placing authority owns, in
its own audit trail.
"""

from __future__ import annotations

from sqlalchemy import select

from app.audit.services import record
from app.cases.operations import Actor
from app.db import utcnow
from app.extensions import db
from app.placing.models import CaseShare, ShareAcknowledgement
from app.placing.reviews import ResidentReview
from app.residents.models import Resident
from app.unit_of_work import operation


class ShareNotLive(Exception):
    """The share was ended, or is not addressed to the acting authority."""


@operation
def acknowledge_share(actor: Actor, share: CaseShare, *, link_person_name: str = "",
                      link_person_email: str = "") -> ShareAcknowledgement:
    """Record (or update) the acting placing authority's acknowledgement of a live share."""
    if share.ended_at is not None or share.placing_authority_id != actor.authority_id:
        raise ShareNotLive(share.id)
    row = db.session.scalar(
        select(ShareAcknowledgement).where(ShareAcknowledgement.share_id == share.id)
    )
    old = None
    if row is None:
        row = ShareAcknowledgement(share_id=share.id, host_authority_id=share.tenant_id,
                                   acknowledged_by_id=actor.user.id)
        db.session.add(row)
    else:
        old = {"link_person_name": row.link_person_name, "link_person_email": row.link_person_email}
    row.acknowledged_at = row.acknowledged_at or utcnow()
    row.link_person_name, row.link_person_email = link_person_name, link_person_email
    db.session.flush()
    record(db.session, action="share.acknowledged", obj=row, tenant_id=actor.authority_id,
           actor_user_id=actor.user.id, actor_authority_id=actor.authority_id,
           case_id=share.case_id, old=old,
           new={"link_person_name": link_person_name, "link_person_email": link_person_email})
    return row


class NotAFunder(Exception):
    """Only an authority that places or funds a person reviews them."""


REVIEW_FIELDS = ("reviewed_on", "outcome", "needs_met", "mental_capacity", "best_interests",
                 "dols_status", "advocacy", "person_and_family_told", "wishes")


@operation
def record_review(actor: Actor, resident: Resident, values: dict) -> ResidentReview:
    """Record the acting placing authority's review of a resident it places or funds."""
    if not resident.funded_by(actor.authority_id):
        raise NotAFunder(resident.id)
    review = ResidentReview(tenant_id=actor.authority_id, resident_id=resident.id,
                            host_authority_id=resident.tenant_id, recorded_by_id=actor.user.id,
                            **{name: values.get(name) or "" for name in REVIEW_FIELDS})
    db.session.add(review)
    db.session.flush()
    record(db.session, action="resident_review.recorded", obj=review, tenant_id=actor.authority_id,
           actor_user_id=actor.user.id, actor_authority_id=actor.authority_id,
           new={"resident_id": resident.id, "reviewed_on": review.reviewed_on.isoformat(),
                "needs_met": review.needs_met, "dols_status": review.dols_status})
    return review
