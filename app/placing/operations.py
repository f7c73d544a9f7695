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


class ShareNotLive(Exception):
    """The share was ended, or is not addressed to the acting authority."""


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
