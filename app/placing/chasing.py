"""Chasing an alert a placing authority has not acknowledged, then escalating it to the
host's lead officer (ADASS out-of-area arrangements: the host must involve every placing
authority). Run by the reminder sweep for one host at a time, acting as that host.

An unacknowledged live share is chased ``placing_chase_working_days`` working days after its
alert (a message to the authority's contact), then escalated the same number of working days
after the chase (a message to the case's lead officer). Each step happens once per share and
alert: the share records when, and the outbox key names the share and the alert's moment, so
two sweeps at once write each message once (the key's unique index refuses the second).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.cases.clocks import add_working_days, local_date, working_days_until
from app.cases.models import Case, Stage
from app.extensions import db
from app.formatting import long_date
from app.jobs.outbox import enqueue_email, existing_keys, record_skipped
from app.links import absolute_url
from app.placing.alert_history import AlertKind, PlacingAlert, SharingLevel
from app.placing.alerts import TEMPLATE, alert_context, recipients_of
from app.placing.models import CaseShare, ShareAcknowledgement
from app.tenants.models import Authority

ESCALATION_TEMPLATE = "deadline_overdue"


@dataclass(frozen=True)
class Due:
    share: CaseShare
    step: str  # "chase" or "escalation"
    due_day: date

    @property
    def key(self) -> str:
        return f"placing-{self.step}:{self.share.id}:{self.share.alerted_at.isoformat()}"


def unacknowledged_shares(host_id: int) -> list[CaseShare]:
    """Return the host's live shares of open cases that have no acknowledgement."""
    # Two queries: a query joining cases to shares would have the case's own visibility rule
    # (which reads case_share) correlate to the outer share.
    open_cases = list(db.session.scalars(
        select(Case.id).where(Case.tenant_id == host_id, Case.stage != Stage.CLOSED)))
    return list(db.session.scalars(
        select(CaseShare)
        .outerjoin(ShareAcknowledgement, ShareAcknowledgement.share_id == CaseShare.id)
        .where(CaseShare.tenant_id == host_id, CaseShare.ended_at.is_(None),
               CaseShare.case_id.in_(open_cases), ShareAcknowledgement.id.is_(None))
        .options(joinedload(CaseShare.placing_authority))
        .order_by(CaseShare.id)))


def due_steps(shares: list[CaseShare], working_days: int, today: date) -> list[Due]:
    """Say which shares are due a chase, and which (chased already) an escalation, today."""
    due = []
    for share in shares:
        if share.chased_at is None:
            day = add_working_days(local_date(share.alerted_at), working_days)
            if day <= today:
                due.append(Due(share, "chase", day))
        elif share.escalated_at is None:
            day = add_working_days(local_date(share.chased_at), working_days)
            if day <= today:
                due.append(Due(share, "escalation", day))
    return due


def chase_and_escalate(host_id: int, working_days: int, now: datetime, members: set[int]) -> int:
    """Write the chases and escalations due now for one host; return how many are to be sent."""
    today = local_date(now)
    due = due_steps(unacknowledged_shares(host_id), working_days, today)
    if not due:
        return 0
    written = existing_keys(db.session, [step.key for step in due])
    cases = {case.id: case for case in db.session.scalars(
        select(Case).where(Case.id.in_({step.share.case_id for step in due}))
        .options(joinedload(Case.provider), joinedload(Case.lead_officer),
                 joinedload(Case.host_authority)))}
    alerts = _latest_alerts(list(cases))
    chases = [step for step in due if step.step == "chase"]
    recipients = recipients_of(host_id, [step.share for step in chases])
    queued = 0
    for step in due:
        case = cases[step.share.case_id]
        if step.step == "chase":
            step.share.chased_at = now
            if step.key not in written:
                queued += _chase(case, step, alerts.get(case.id), recipients.get(step.share.id))
        else:
            step.share.escalated_at = now
            if step.key not in written:
                queued += _escalate(case, step, today, members)
    db.session.flush()
    return queued


def _latest_alerts(case_ids: list[int]) -> dict[int, PlacingAlert]:
    rows = db.session.scalars(select(PlacingAlert).where(
        PlacingAlert.case_id.in_(case_ids), PlacingAlert.kind == AlertKind.ALERTED)
        .order_by(PlacingAlert.id))
    return {row.case_id: row for row in rows}


def _chase(case: Case, step: Due, sent: PlacingAlert | None, recipient: tuple[str, str] | None) -> int:
    # A share made before alerts were recorded is chased as need-to-know: nothing of the concern.
    sent = sent or PlacingAlert(kind=AlertKind.ALERTED, sharing_level=SharingLevel.NEED_TO_KNOW,
                                concern="", planned="")
    context = {**alert_context(case, sent, step.share, step.share.placing_authority.name,
                               recipient[0] if recipient else "", case.host_authority.name),
               "kind": "chase", "kind_label": "Reminder: acknowledge the alert",
               "alerted_on": long_date(step.share.alerted_at)}
    if recipient is None:
        record_skipped(db.session, tenant_id=case.tenant_id, template=TEMPLATE, recipient="",
                       context=context, key=step.key, case_id=case.id, key_checked=True,
                       reason=f"Not sent to {step.share.placing_authority.name}: it has not set its "
                              "alert contact and has named no link person.")
        return 0
    enqueue_email(db.session, tenant_id=case.tenant_id, template=TEMPLATE, recipient=recipient[1],
                  case_id=case.id, key=step.key, context=context, key_checked=True)
    return 1


def _escalate(case: Case, step: Due, today: date, members: set[int]) -> int:
    """Tell the case's lead officer, through the deadline reminder they already know."""
    lead: User | None = case.lead_officer
    authority = step.share.placing_authority.name
    context = {
        "name": lead.name if lead else "", "role": "the lead officer of the case",
        "authority_name": case.host_authority.name, "reference": case.reference,
        "provider": case.provider.name, "title": case.title,
        "deadline": f"Acknowledgement of the alert by {authority} (alerted "
                    f"{long_date(step.share.alerted_at)}, chased {long_date(step.share.chased_at)})",
        "due": long_date(step.due_day), "working_days": working_days_until(today, step.due_day),
        "link": absolute_url("placing.list_placing_authorities", authority_id=case.tenant_id, case_id=case.id),
    }
    if lead is None or not lead.active or lead.id not in members:
        record_skipped(db.session, tenant_id=case.tenant_id, template=ESCALATION_TEMPLATE,
                       recipient=lead.email if lead else "", context=context, key=step.key,
                       case_id=case.id, key_checked=True,
                       reason=f"Not sent: the case has no lead officer who can be told that {authority} "
                              "has not acknowledged the alert.")
        return 0
    enqueue_email(db.session, tenant_id=case.tenant_id, template=ESCALATION_TEMPLATE,
                  recipient=lead.email, case_id=case.id, key=step.key, context=context, key_checked=True)
    return 1


def unacknowledged_of(case_id: int) -> list[tuple[str, CaseShare]]:
    """Return the authorities that have not acknowledged their alert about a case, with
    their share (alerted, chased, escalated)."""
    rows = db.session.execute(
        select(Authority.name, CaseShare).join(Authority, Authority.id == CaseShare.placing_authority_id)
        .outerjoin(ShareAcknowledgement, ShareAcknowledgement.share_id == CaseShare.id)
        .where(CaseShare.case_id == case_id, CaseShare.ended_at.is_(None),
               ShareAcknowledgement.id.is_(None))
        .order_by(Authority.name))
    return [(name, share) for name, share in rows]
