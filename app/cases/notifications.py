"""The messages people expect from the stage process, each one a setting of the host
(issue 15 item 6), all written to the outbox in the caller's transaction.

- The decider, when a recommendation waits for the stage 1 decision: the DASS holders, or the
  lead agency's named manager where the case's procedure names one.
- The Lead Officer and the chair, when they are appointed to a case.
- Risk review dates falling due are reminded by the sweep (``app/jobs/sweep.py``), with the
  deadline reminders, where the host keeps this setting on.
"""

from __future__ import annotations

from app.cases.models import Case
from app.cases.procedure_settings import Decider, settings_for
from app.cases.procedure_versions import procedure_of
from app.cases.terms import terms_for
from app.extensions import db
from app.jobs.outbox import enqueue_email
from app.links import absolute_url
from app.tenants.models import Authority, Role

# The host's settings: key -> what it sends (all on until the host turns one off).
NOTIFICATIONS = {
    "recommendation_waiting": "Tell the decider when a recommendation waits for the stage 1 decision",
    "appointed": "Tell the Lead Officer and the chair when they are appointed to a case",
    "risk_review_due": "Remind the Lead Officer when a risk's review date falls due",
}


def notification_on(settings, key: str) -> bool:
    """True when the host sends the notification ``key`` (a missing key counts as on)."""
    return bool((getattr(settings, "notifications", None) or {}).get(key, True))


def _deciders(case: Case) -> list:
    from app.auth.models import User
    from app.cases.services import staff_of

    procedure = procedure_of(case)
    if procedure.stage_one_decider == Decider.NAMED_MANAGER.value:
        named = db.session.get(User, procedure.named_decider_id) if procedure.named_decider_id else None
        return [named] if named is not None and named.active else []
    return staff_of(case.tenant_id, Role.DASS)


def _case_context(case: Case) -> dict:
    return {"reference": case.reference, "title": case.title, "provider": case.provider.name,
            "authority_name": db.session.get(Authority, case.tenant_id).name,
            "terms": terms_for(case.tenant_id)}


def recommendation_waiting(case: Case, decision, sent_by_id: int) -> int:
    """Tell whoever makes the stage 1 decision that a recommendation waits; return how many."""
    if not notification_on(settings_for(case.tenant_id), "recommendation_waiting"):
        return 0
    link = absolute_url("cases.record_decision", authority_id=case.tenant_id, case_id=case.id)
    sent = 0
    for person in _deciders(case):
        if person.id == sent_by_id:
            continue
        enqueue_email(
            db.session, tenant_id=case.tenant_id, template="recommendation_waiting",
            recipient=person.email, case_id=case.id, created_by_id=sent_by_id,
            key=f"recommendation-waiting:{case.id}:{decision.recommended_at.isoformat()}:{person.id}",
            context={**_case_context(case), "name": person.name, "link": link},
        )
        sent += 1
    return sent


def appointed(case: Case, appointed_by_id: int) -> int:
    """Tell the Lead Officer and the chair of ``case`` that they were appointed; return how
    many (nobody is told of an appointment they made themselves)."""
    if not notification_on(settings_for(case.tenant_id), "appointed"):
        return 0
    terms = terms_for(case.tenant_id)
    link = absolute_url("cases.show_case", authority_id=case.tenant_id, case_id=case.id)
    sent = 0
    from app.auth.models import User

    for person_id, role in ((case.lead_officer_id, terms["lead_officer"]), (case.chair_id, "Chair")):
        person = db.session.get(User, person_id) if person_id else None
        if person is None or person.id == appointed_by_id:
            continue
        enqueue_email(
            db.session, tenant_id=case.tenant_id, template="appointed", recipient=person.email,
            case_id=case.id, created_by_id=appointed_by_id,
            key=f"appointed:{case.id}:{role}:{person.id}",
            context={**_case_context(case), "name": person.name, "role": role, "link": link},
        )
        sent += 1
    return sent
