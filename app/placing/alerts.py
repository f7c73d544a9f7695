"""The host's side of out-of-area arrangements: alerting placing authorities (a share each,
and a message through the outbox) and ending a share. Only the host writes shares."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.services import record
from app.cases.models import Case
from app.cases.operations import Actor
from app.db import utcnow
from app.extensions import db
from app.jobs.outbox import enqueue_email
from app.links import absolute_url
from app.placing.models import CaseShare, ShareAcknowledgement
from app.tenants.models import Authority
from app.unit_of_work import operation


class NotTheHost(Exception):
    """Only the case's host alerts placing authorities and ends shares."""


def _check_host(actor: Actor, case: Case) -> None:
    if case.tenant_id != actor.authority_id:
        raise NotTheHost(case.id)


@operation
def alert(actor: Actor, case: Case, authority_ids: list[int]) -> list[CaseShare]:
    """Share the case with each placing authority not yet alerted (again after an ended
    share), and tell each through the outbox."""
    _check_host(actor, case)
    existing = {share.placing_authority_id: share for share in db.session.scalars(
        select(CaseShare).where(CaseShare.case_id == case.id,
                                CaseShare.placing_authority_id.in_(authority_ids)))}
    contacts = _known_link_people(actor.authority_id, authority_ids)
    names = dict(db.session.execute(
        select(Authority.id, Authority.name).where(Authority.id.in_(authority_ids))).all())
    alerted = []
    for authority_id in authority_ids:
        share = existing.get(authority_id)
        if share is not None and share.ended_at is None:
            continue
        if share is None:
            share = CaseShare(tenant_id=actor.authority_id, case_id=case.id,
                              placing_authority_id=authority_id)
            db.session.add(share)
        share.alerted_at, share.alerted_by_id = utcnow(), actor.user.id
        share.ended_at = share.ended_by_id = None
        db.session.flush()
        record(db.session, action="share.alerted", obj=share, tenant_id=actor.authority_id,
               actor_user_id=actor.user.id, actor_authority_id=actor.authority_id, case_id=case.id,
               new={"placing_authority": names.get(authority_id, str(authority_id))})
        if authority_id in contacts:
            _tell(actor, case, share, names.get(authority_id, ""), *contacts[authority_id])
        alerted.append(share)
    return alerted


def _known_link_people(host_id: int, authority_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Return, per placing authority, the link person it last named to this host (with an
    email address), read from its acknowledgements, which the host may read."""
    rows = db.session.execute(
        select(CaseShare.placing_authority_id, ShareAcknowledgement.link_person_name,
               ShareAcknowledgement.link_person_email)
        .join(ShareAcknowledgement, ShareAcknowledgement.share_id == CaseShare.id)
        .where(ShareAcknowledgement.host_authority_id == host_id,
               CaseShare.placing_authority_id.in_(authority_ids),
               ShareAcknowledgement.link_person_email != "")
        .order_by(ShareAcknowledgement.acknowledged_at)
    )
    return {authority_id: (name, email) for authority_id, name, email in rows}


def _tell(actor: Actor, case: Case, share: CaseShare, authority_name: str, name: str, email: str) -> None:
    # What the concern is and what is planned, never residents' names: the email leaves
    # the service; the detail is behind sign-in.
    enqueue_email(
        db.session, tenant_id=actor.authority_id, template="placing_alert", recipient=email,
        case_id=case.id, created_by_id=actor.user.id,
        key=f"placing-alert:{share.id}:{share.alerted_at.isoformat()}",
        context={"name": name, "authority_name": authority_name, "reference": case.reference,
                 "title": case.title, "provider": case.provider.name,
                 "host_name": actor.user.name, "host_authority": case.host_authority.name,
                 "link": absolute_url("cases.show_case", authority_id=share.placing_authority_id,
                                      case_id=case.id)},
    )


@operation
def end_share(actor: Actor, case: Case, share: CaseShare) -> CaseShare:
    """End a share: the placing authority's reads of the case stop at once."""
    _check_host(actor, case)
    if share.case_id != case.id or share.ended_at is not None:
        return share
    share.ended_at, share.ended_by_id = utcnow(), actor.user.id
    db.session.flush()
    record(db.session, action="share.ended", obj=share, tenant_id=actor.authority_id,
           actor_user_id=actor.user.id, actor_authority_id=actor.authority_id, case_id=case.id)
    return share
