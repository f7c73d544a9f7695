"""The host's side of out-of-area arrangements: alerting placing authorities (a share each,
and a message through the outbox to each one's contact), alerting them again when an embargo
or suspension is put in place, an emergency plan is invoked or the case closes, and ending a
share. Only the host writes shares and alerts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.audit.services import record
from app.cases.models import Case
from app.cases.operations import Actor
from app.db import utcnow
from app.extensions import db
from app.jobs.outbox import enqueue_email, record_skipped
from app.links import absolute_url
from app.placing.alert_history import AlertKind, PlacingAlert, SharingLevel
from app.placing.contacts import contacts_of
from app.placing.models import CaseShare, ShareAcknowledgement
from app.tenants.models import Authority
from app.unit_of_work import operation

TEMPLATE = "placing_alert"


class NotTheHost(Exception):
    """Only the case's host alerts placing authorities and ends shares."""


@dataclass(frozen=True)
class AlertDecision:
    """What the host decided to tell: the level of information sharing and why, the concern,
    and what is planned."""

    sharing_level: SharingLevel
    sharing_reason: str
    concern: str
    planned: str


def _check_host(actor: Actor, case: Case) -> None:
    if case.tenant_id != actor.authority_id:
        raise NotTheHost(case.id)


@operation
def alert(actor: Actor, case: Case, authority_ids: list[int], decision: AlertDecision) -> list[CaseShare]:
    """Share the case with each placing authority not yet alerted (again after an ended
    share), record the decision to alert, and tell each authority through the outbox."""
    _check_host(actor, case)
    existing = {share.placing_authority_id: share for share in db.session.scalars(
        select(CaseShare).where(CaseShare.case_id == case.id,
                                CaseShare.placing_authority_id.in_(authority_ids)))}
    names = _names(authority_ids)
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
        share.chased_at = share.escalated_at = None
        db.session.flush()
        record(db.session, action="share.alerted", obj=share, tenant_id=actor.authority_id,
               actor_user_id=actor.user.id, actor_authority_id=actor.authority_id, case_id=case.id,
               new={"placing_authority": names.get(authority_id, str(authority_id))})
        alerted.append(share)
    if alerted:
        sent = _record_alert(actor, case, AlertKind.ALERTED, decision)
        _tell(actor, case, sent, alerted, names)
    return alerted


@operation
def alert_again(actor: Actor, case: Case, kind: AlertKind, *, concern: str, planned: str) -> PlacingAlert | None:
    """Tell every authority with a live share of something new (an embargo, an emergency
    plan, the case closing), at the level of information sharing decided when it was alerted."""
    shares = list(db.session.scalars(select(CaseShare).where(
        CaseShare.case_id == case.id, CaseShare.ended_at.is_(None)).order_by(CaseShare.id)))
    if not shares or case.tenant_id != actor.authority_id:
        return None
    first = db.session.scalar(select(PlacingAlert).where(
        PlacingAlert.case_id == case.id, PlacingAlert.kind == AlertKind.ALERTED)
        .order_by(PlacingAlert.id.desc()).limit(1))
    # Shares made before levels were recorded: the narrower level, until the host decides.
    level = first.sharing_level if first else SharingLevel.NEED_TO_KNOW
    reason = first.sharing_reason if first else ""
    sent = _record_alert(actor, case, kind, AlertDecision(level, reason, concern, planned))
    _tell(actor, case, sent, shares, _names([share.placing_authority_id for share in shares]))
    return sent


def _names(authority_ids: list[int]) -> dict[int, str]:
    return dict(db.session.execute(
        select(Authority.id, Authority.name).where(Authority.id.in_(authority_ids))).all())


def _record_alert(actor: Actor, case: Case, kind: AlertKind, decision: AlertDecision) -> PlacingAlert:
    sent = PlacingAlert(tenant_id=actor.authority_id, case_id=case.id, kind=kind,
                        sharing_level=decision.sharing_level, sharing_reason=decision.sharing_reason,
                        concern=decision.concern, planned=decision.planned, sent_by_id=actor.user.id)
    db.session.add(sent)
    db.session.flush()
    record(db.session, action="placing.alert_sent", obj=sent, tenant_id=actor.authority_id,
           actor_user_id=actor.user.id, actor_authority_id=actor.authority_id, case_id=case.id,
           new={"kind": kind.value, "sharing_level": decision.sharing_level.value,
                "sharing_reason": decision.sharing_reason})
    return sent


def recipients_of(host_id: int, shares: list[CaseShare]) -> dict[int, tuple[str, str]]:
    """Return, per share, who to write to: the link person named for this case, else the
    authority's own alert contact (its link person or safeguarding inbox), else the link
    person it last named to this host. Three queries, however many shares."""
    ids = [share.placing_authority_id for share in shares]
    on_case = {row.share_id: row for row in db.session.scalars(
        select(ShareAcknowledgement).where(
            ShareAcknowledgement.share_id.in_([share.id for share in shares]),
            ShareAcknowledgement.link_person_email != ""))}
    contacts = contacts_of(ids)
    earlier = _known_link_people(host_id, ids)
    found = {}
    for share in shares:
        ack, contact = on_case.get(share.id), contacts.get(share.placing_authority_id)
        if ack is not None:
            found[share.id] = (ack.link_person_name, ack.link_person_email)
        elif contact is not None:
            found[share.id] = (contact.name, contact.email)
        elif share.placing_authority_id in earlier:
            found[share.id] = earlier[share.placing_authority_id]
    return found


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


def _tell(actor: Actor, case: Case, sent: PlacingAlert, shares: list[CaseShare], names: dict[int, str]) -> None:
    """Write one message per share; an authority with no contact is recorded as not told."""
    recipients = recipients_of(case.tenant_id, shares)
    for share in shares:
        name_and_email = recipients.get(share.id)
        context = alert_context(case, sent, share, names.get(share.placing_authority_id, ""),
                                name_and_email[0] if name_and_email else "", actor.user.name)
        key = f"placing-alert:{sent.id}:share-{share.id}"
        if name_and_email is None:
            record_skipped(db.session, tenant_id=case.tenant_id, template=TEMPLATE, recipient="",
                           context=context, key=key, case_id=case.id,
                           reason=f"Not sent to {context['authority_name']}: it has not set its alert "
                                  "contact and has named no link person. Telephone its safeguarding team.",
                           key_checked=True)
            continue
        enqueue_email(db.session, tenant_id=case.tenant_id, template=TEMPLATE,
                      recipient=name_and_email[1], case_id=case.id, created_by_id=actor.user.id,
                      key=key, context=context, key_checked=True)  # the alert is new: so is its key


def alert_context(case: Case, sent: PlacingAlert, share: CaseShare, authority_name: str, name: str,
                  host_name: str) -> dict:
    """What the message says. Never a resident's name: the email leaves the service. The
    concern itself only when the host shares it service-wide; on a need-to-know basis the
    detail stays behind sign-in."""
    service_wide = sent.sharing_level is SharingLevel.SERVICE_WIDE
    return {
        "name": name or "colleague", "authority_name": authority_name, "kind": sent.kind.value,
        "kind_label": sent.kind.label, "reference": case.reference, "title": case.title,
        "provider": case.provider.name, "host_name": host_name,
        "host_authority": case.host_authority.name,
        "sharing_level": sent.sharing_level.value,
        "concern": sent.concern if service_wide else "",
        "planned": sent.planned,
        "link": absolute_url("cases.show_case", authority_id=share.placing_authority_id, case_id=case.id),
    }


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
