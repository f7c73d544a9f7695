"""The deadline sweep: remind people of statutory clocks and actions coming due or broken.

``flask scheduler`` runs it every few minutes (``flask sweep run`` runs it once).
For each authority in turn, acting as that authority, the clocks of every open case (and the
obligations after closing of a closed case, until met) and the
open actions owned by a person are checked, and each reminder is written to the outbox in the
same transaction. Before a deadline (``reminder_working_days_before`` working days) and on its
day the lead officer (or the action's owner) is told; on breach the chair is told as well.

Only people who can still act are told: an active account with an active membership of the
case's authority. A reminder that cannot go to its person is recorded in the outbox as SKIPPED
with the reason; an action's owner who cannot be told is replaced by the case's lead officer.

The idempotency key names the case, the deadline, the kind of reminder, the due day and the
recipient, so running the sweep twice (or in two places at once) queues nothing twice, while a
deadline that moves to another day is reminded of afresh.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.actions.models import Action, ActionStatus, OwnerKind
from app.auth.models import User
from app.cases.clocks import (
    ClockStatus,
    add_working_days,
    compute_clocks,
    local_date,
    working_days_until,
)
from app.cases.models import Case, Stage
from app.cases.notifications import notification_on
from app.cases.procedure_settings import settings_for
from app.cases.procedure_versions import procedures_of
from app.cases.services import (
    MAY_OWE_AFTER_CLOSING,
    agreed_dates,
    clocks_in_force,
    held_meetings,
    milestones,
)
from app.db import utcnow
from app.extensions import db
from app.jobs.outbox import enqueue_email, existing_keys, record_skipped
from app.links import absolute_url
from app.placing.chasing import chase_and_escalate
from app.placing.task_reminders import remind_tasks
from app.risks.models import Risk, RiskDetail
from app.tenants.models import Authority, Membership
from app.tenants.scoping import acting_for_authority
from app.unit_of_work import commit

log = logging.getLogger(__name__)
OPEN_ACTION = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ReminderKind(StrEnum):
    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"

    @property
    def template(self) -> str:
        return f"deadline_{self.value}"


@dataclass(frozen=True)
class Recipient:
    user: User | None
    role: str  # why they are told: "the chair of the case"
    only_on_breach: bool = False
    stand_in: Recipient | None = None  # told instead when this person cannot be


@dataclass(frozen=True)
class Skipped:
    person: Recipient
    reason: str


def why_not_remindable(user: User, members: set[int]) -> str | None:
    """Say why a person can no longer be reminded about the authority's cases, if they cannot."""
    if not user.active:
        return "their account is deactivated"
    if user.id not in members:
        return "their membership of the authority is deactivated"
    return None


@dataclass(frozen=True)
class Deadline:
    key: str  # a clock's key, or action-<id>
    label: str
    due_day: date
    due_label: str
    overdue: bool
    recipients: tuple[Recipient, ...]

    def told(self, kind: ReminderKind, members: set[int]) -> tuple[list[Recipient], list[Skipped]]:
        """Return who to tell of this kind of reminder (each once) and who cannot be, and why.

        ``members`` holds the ids of the users with an active membership of the authority."""
        people, skipped, seen = [], [], set()
        for person in self.recipients:
            if person.only_on_breach and kind is not ReminderKind.OVERDUE:
                continue
            while person is not None and person.user is not None:
                reason = why_not_remindable(person.user, members)
                if reason is None:
                    break
                skipped.append(Skipped(person, reason))
                person = person.stand_in
            if person is None or person.user is None or person.user.id in seen:
                continue
            seen.add(person.user.id)
            people.append(person)
        return people, skipped


def reminder_kind(deadline: Deadline, today: date, window: int) -> ReminderKind | None:
    """Say which reminder, if any, a deadline is due for today."""
    if deadline.overdue:
        return ReminderKind.OVERDUE
    if deadline.due_day == today:
        return ReminderKind.DUE_TODAY
    if 0 < working_days_until(today, deadline.due_day) <= window:
        return ReminderKind.DUE_SOON
    return None


def sweep_once(now: datetime | None = None) -> int:
    """Queue every reminder due at ``now`` for every authority; return how many are new."""
    now = now or utcnow()
    authority_ids = list(
        db.session.scalars(select(Authority.id).where(Authority.active.is_(True)).order_by(Authority.id))
    )
    return sum(_sweep_authority(authority_id, now) for authority_id in authority_ids)


def _sweep_authority(authority_id: int, now: datetime) -> int:
    for attempt in (1, 2):
        with acting_for_authority(db.session, authority_id, why="the reminder sweep"):
            try:
                queued = _queue_reminders(authority_id, now)
                commit("reminder sweep: one authority's reminders queued")
                return queued
            except IntegrityError:
                # A sweep running elsewhere wrote one of these keys first; the second pass
                # finds its rows and adds only what is still missing.
                db.session.rollback()
                if attempt == 2:
                    raise
                log.info("sweep of authority %s met a concurrent sweep; retrying", authority_id)
    return 0


def _queue_reminders(authority_id: int, now: datetime) -> int:
    today = local_date(now)
    settings = settings_for(authority_id)
    authority_name = db.session.get(Authority, authority_id).name
    cases = _open_cases(authority_id)
    held = held_meetings([case.id for case in cases])
    # Each case runs under its own version of the procedure (a clock it switched off is none).
    procedures = procedures_of(cases)
    # Anything due before the working day after the reminder window may be reminded of today.
    horizon = add_working_days(today, settings.reminder_working_days_before + 1) - timedelta(days=1)
    actions = _open_actions([case.id for case in cases], horizon)
    risks = _risks_to_review([case.id for case in cases]) if notification_on(
        settings, "risk_review_due") else {}
    members = set(db.session.scalars(
        select(Membership.user_id).where(Membership.tenant_id == authority_id, Membership.active.is_(True))
    ))
    due = []
    for case in cases:
        # A closed case keeps only its after-closing obligations (closure notice, contract
        # review): they are reminded of until met.
        clocks = clocks_in_force(case, compute_clocks(
            milestones(case, held[case.id]), procedures[case.id], now, agreed_dates(case)))
        deadlines = (_clock_deadlines(case, clocks)
                     + _action_deadlines(case, actions.get(case.id, []), today)
                     + _risk_deadlines(case, risks.get(case.id, []), today))
        for deadline in deadlines:
            kind = reminder_kind(deadline, today, settings.reminder_working_days_before)
            if kind is not None:
                due.append((case, deadline, kind))
    # Most reminders were queued by an earlier pass: find those keys in bulk, not one by one.
    written = existing_keys(db.session, [
        _key(case, deadline, kind, person.user)
        for case, deadline, kind in due for person in _people_of(deadline, kind, members)])
    # Alerts the placing authorities have not acknowledged: chased, then escalated.
    chased = chase_and_escalate(authority_id, settings.placing_chase_working_days, now, members)
    chased += remind_tasks(authority_id, today, settings.reminder_working_days_before, members)
    return chased + sum(_queue(case, authority_name, deadline, kind, today, members, written)
                        for case, deadline, kind in due)


def _people_of(deadline: Deadline, kind: ReminderKind, members: set[int]) -> list[Recipient]:
    """Everyone a reminder is written for: those told, and those recorded as not told."""
    people, skipped = deadline.told(kind, members)
    return people + [skip.person for skip in skipped]


def _open_cases(authority_id: int) -> list[Case]:
    # Only the host's own cases: a share lets a placing authority read a case, not own its clocks.
    # Closed cases too while they may still owe an obligation after closing.
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.tenant_id == authority_id,
                   or_(Case.stage != Stage.CLOSED, MAY_OWE_AFTER_CLOSING))
            .options(
                joinedload(Case.decision), joinedload(Case.provider),
                joinedload(Case.lead_officer), joinedload(Case.chair),
                selectinload(Case.exclusions),
            )
            .order_by(Case.id)
        ).unique()
    )


def _open_actions(case_ids: list[int], horizon: date) -> dict[int, list[Action]]:
    """The open actions owned by a person that fall due by ``horizon`` (the last day a
    "due soon" reminder can be for): later ones have nothing to remind of yet."""
    actions: dict[int, list[Action]] = {}
    rows = db.session.scalars(
        select(Action)
        .where(
            Action.case_id.in_(case_ids),
            Action.status.in_(OPEN_ACTION),
            Action.owner_kind == OwnerKind.USER,
            Action.owner_user_id.is_not(None),
            Action.due_on <= horizon,
        )
        # The owners are a few people for many actions: load each once, not per action row.
        .options(selectinload(Action.owner_user))
        .order_by(Action.id)
    )
    for action in rows:
        actions.setdefault(action.case_id, []).append(action)
    return actions


def _risks_to_review(case_ids: list[int]) -> dict[int, list[Risk]]:
    """Return, per case, its open risks with a review date."""
    risks: dict[int, list[Risk]] = {}
    rows = db.session.scalars(
        select(Risk)
        # The review date is the host's own detail of the risk (app/risks/models.py).
        .join(Risk.detail)
        .where(Risk.case_id.in_(case_ids), Risk.closed_at.is_(None), RiskDetail.review_on.is_not(None))
        .options(contains_eager(Risk.detail))
        .order_by(Risk.id)
    )
    for risk in rows:
        risks.setdefault(risk.case_id, []).append(risk)
    return risks


def _risk_deadlines(case: Case, risks: list[Risk], today: date) -> list[Deadline]:
    # A risk's owner is a name, not an account: the Lead Officer, who keeps the register, is told.
    lead = Recipient(case.lead_officer, "the lead officer of the case, who keeps its risk register")
    return [
        Deadline(f"risk-{risk.id}", f"Risk review: {_shorten(risk.title)}", risk.review_on,
                 risk.review_on.strftime("%-d %B %Y"), risk.review_on < today, (lead,))
        for risk in risks
    ]


def _clock_deadlines(case: Case, clocks) -> list[Deadline]:
    recipients = (
        Recipient(case.lead_officer, "the lead officer of the case"),
        Recipient(case.chair, "the chair of the case", only_on_breach=True),
    )
    return [
        Deadline(clock.key, clock.label, clock.due_day_local(), clock.due_label,
                 clock.status is ClockStatus.OVERDUE, recipients)
        for clock in clocks
        if clock.status.open
    ]


def _action_deadlines(case: Case, actions: list[Action], today: date) -> list[Deadline]:
    lead = Recipient(case.lead_officer, "the lead officer of the case, as the action's owner can no longer be reminded")
    return [
        Deadline(f"action-{action.id}", f"Action: {_shorten(action.description)}", action.due_on,
                 action.due_on.strftime("%-d %B %Y"), action.is_overdue(today),
                 (Recipient(action.owner_user, "the owner of this action", stand_in=lead),))
        for action in actions
    ]


def _shorten(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _queue(case: Case, authority_name: str, deadline: Deadline, kind: ReminderKind, today: date,
           members: set[int], written: set[str]) -> int:
    """Write the reminders of one deadline whose keys are not in ``written`` (the keys already
    in the outbox, to which this adds the ones it writes); return how many are to be sent."""
    queued = 0
    people, skipped = deadline.told(kind, members)
    for person in people:
        key = _key(case, deadline, kind, person.user)
        if key in written:
            continue
        written.add(key)
        enqueue_email(
            db.session,
            tenant_id=case.tenant_id,
            template=kind.template,
            recipient=person.user.email,
            case_id=case.id,
            key=key,
            context=_context(case, authority_name, deadline, person, today),
            key_checked=True,
        )
        queued += 1
    for skip in skipped:
        user = skip.person.user
        key = _key(case, deadline, kind, user)
        if key in written:
            continue
        written.add(key)
        record_skipped(
            db.session, tenant_id=case.tenant_id, template=kind.template, recipient=user.email,
            case_id=case.id, key=key,
            context=_context(case, authority_name, deadline, skip.person, today),
            reason=f"Not sent to {user.name}: {skip.reason}.", key_checked=True,
        )
    return queued


def _key(case: Case, deadline: Deadline, kind: ReminderKind, user: User) -> str:
    return f"deadline:{case.id}:{deadline.key}:{kind}:{deadline.due_day.isoformat()}:user-{user.id}"


def _context(case: Case, authority_name: str, deadline: Deadline, person: Recipient, today: date) -> dict:
    return {
        "name": person.user.name,
        "role": person.role,
        "authority_name": authority_name,
        "reference": case.reference,
        "provider": case.provider.name,
        "title": case.title,
        "deadline": deadline.label,
        "due": deadline.due_label,
        "working_days": working_days_until(today, deadline.due_day),
        "link": case_link(case),
    }


def case_link(case: Case) -> str:
    """Return the case page's address under the service's public address."""
    return absolute_url("cases.show_case", authority_id=case.tenant_id, case_id=case.id)
