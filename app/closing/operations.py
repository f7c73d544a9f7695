"""Closing a case: the letters to the provider and the CQC, and the contract monitoring review."""

from __future__ import annotations

from datetime import date

from app.cases.models import Case
from app.cases.operations import Actor, audit_case
from app.closing import services
from app.closing.letters import Addressee
from app.db import utcnow
from app.extensions import db
from app.jobs.outbox import enqueue_email
from app.london_time import start_of_day
from app.unit_of_work import Refused, operation


@operation
def send_closure_letters(actor: Actor, case: Case, *, provider_emails: list[str],
                         cqc_email: str) -> int:
    """Queue the letters in this transaction and record that closure was notified (the outbox
    delivers them even if the mail server is down now). Only once a held final meeting
    decided to close the case."""
    if services.closing_meeting(case.id) is None:
        raise Refused("Record the final meeting's decision to close before sending the letters.")
    recipients = [(email, Addressee.PROVIDER) for email in provider_emails]
    recipients.append((cqc_email, Addressee.CQC))
    for email, addressee in recipients:
        enqueue_email(
            db.session, tenant_id=case.tenant_id, template="closure_letter", recipient=email,
            context={"reference": case.reference, "provider": case.provider.name,
                     "authority": case.host_authority.name, "addressee": addressee.label},
            key=f"closure-letter:{case.id}:{addressee.value}:{email.lower()}",
            case_id=case.id, created_by_id=actor.user.id,
            documents=[{"kind": "closure_letter", "case_id": case.id, "addressee": addressee.value}],
        )
    first = case.closure_notified_at is None
    if first:
        case.closure_notified_at = utcnow()
    audit_case(actor, case, "closure.letters_sent",
               new={"provider": provider_emails, "cqc": cqc_email,
                    "closure_notified_at": case.closure_notified_at.isoformat()})
    return len(recipients)


@operation
def record_contract_review(actor: Actor, case: Case, *, reviewed_on: date, outcome: str) -> None:
    old = {"contract_review_outcome": case.contract_review_outcome}
    case.contract_review_at = start_of_day(reviewed_on)
    case.contract_review_outcome = outcome
    audit_case(actor, case, "closure.contract_review_recorded", old=old,
               new={"reviewed_on": reviewed_on.isoformat(), "outcome": outcome})
