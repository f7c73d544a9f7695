"""A provider gives notice; its host is alerted at once through the outbox; the host records
that it has seen the notice. Each is an operation (app/unit_of_work.py)."""

from __future__ import annotations

from app.audit.services import record
from app.auth.models import User
from app.cases.models import Case
from app.cases.operations import Actor, audit_case
from app.db import utcnow
from app.extensions import db
from app.jobs.outbox import enqueue_email
from app.links import absolute_url
from app.notices.models import NoticeKind, ProviderNotice
from app.notices.services import people_to_alert
from app.tenants.models import Authority
from app.tenants.scoping import acting_for_authority
from app.unit_of_work import operation


@operation
def give_notice(case: Case, kind: NoticeKind, details: str, by: User) -> ProviderNotice:
    """Record the provider's notice and, in the same transaction, queue an email to each
    person at the host who must know, and enter it in the host's audit trail."""
    notice = ProviderNotice(tenant_id=case.tenant_id, case_id=case.id,
                            provider_id=case.provider_id, kind=kind, details=details,
                            given_by_id=by.id, given_at=utcnow())
    db.session.add(notice)
    db.session.flush()
    provider_name = case.provider.name
    # The alert is the host's message, in the host's outbox and audit chain: written as the
    # host for this one step (the provider may not read the host's members).
    with acting_for_authority(db.session, case.tenant_id, user_id=by.id,
                              why="a provider's notice alerting its host"):
        _alert_host(case, notice, provider_name, by)
        record(db.session, action="provider_notice.given", obj=notice, tenant_id=case.tenant_id,
               actor_user_id=by.id, case_id=case.id,
               new={"kind": kind.value, "details": details, "provider_id": case.provider_id})
        # Written as the host before the scope is restored; the operation commits.
        db.session.flush()
    return notice


def _alert_host(case: Case, notice: ProviderNotice, provider_name: str, by: User) -> None:
    authority = db.session.get(Authority, case.tenant_id)
    link = absolute_url("notices.show_notices", authority_id=case.tenant_id, case_id=case.id)
    for person in people_to_alert(case):
        enqueue_email(
            db.session, tenant_id=case.tenant_id, template="provider_notice",
            recipient=person.user.email, key=f"provider-notice:{notice.id}:{person.user.id}",
            case_id=case.id, created_by_id=by.id, context={
                "name": person.user.name, "role": person.role, "reference": case.reference,
                "provider": provider_name, "notice": notice.kind.label,
                "details": notice.details, "link": link, "authority_name": authority.name})


@operation
def mark_seen(actor: Actor, case: Case, notice: ProviderNotice) -> None:
    notice.seen_at = utcnow()
    notice.seen_by_id = actor.user.id
    audit_case(actor, case, "provider_notice.seen", notice, None, {"kind": notice.kind.value})
