"""The figures of the board report: what a host's provider concerns looked like over a period.

Every figure is defined here, once, for the page, the charts and the CSV alike:

- opened / closed: cases whose opening or closing moment falls in the period (London days,
  both ends included);
- time in each stage: the stays in a stage that ended in the period, in whole days (count,
  median and longest), and how many cases are still in each stage at the period's end;
- clock compliance: every clock of the host's cases whose due date falls in the period:
  met (on time), late (met late, or overdue and not met) or open (not yet due, not met);
- CQC key questions: the risks recorded in the period, by key question;
- themes: the themes of the cases opened in the period (one a line or comma), by count;
- placing authorities: the authorities alerted in the period, with how many cases each;
- outcomes: stage 1 decisions made in the period by outcome, and cases closed in the period
  after a final meeting decided to close.

A placing authority gets the same figures over the cases where its residents live (those
shared with it), as far as it may read them: deadlines from the dates the host stored for it,
the hosts in place of placing authorities, and no stage history or decisions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.cases import key_dates, services
from app.cases.clocks import Clock, ClockStatus
from app.cases.models import Case, DecisionOutcome, Stage, StageChange
from app.cases.procedure_versions import procedures_of
from app.db import utcnow
from app.extensions import db
from app.london_time import LONDON, london_date
from app.placing.models import CaseShare
from app.risks.models import KeyQuestion, Risk

STAGES = (Stage.DECISION, Stage.INITIAL_MEETING, Stage.FINDINGS, Stage.UPDATE_MEETINGS,
          Stage.QUALITY_ASSURANCE, Stage.CLOSING)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), LONDON)

    @property
    def ends_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time(), LONDON)

    def holds(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


@dataclass(frozen=True)
class StageTime:
    stage: Stage
    stays: int
    median_days: float | None
    longest_days: int | None
    still_in: int


@dataclass(frozen=True)
class Compliance:
    key: str
    label: str
    met: int = 0
    late: int = 0
    open: int = 0

    @property
    def total(self) -> int:
        return self.met + self.late + self.open


@dataclass
class BoardFigures:
    period: Period
    # For a placing authority: the cases shared with it, where its residents live. It reads
    # neither the host's stage history nor its decisions, so those figures stay empty.
    as_placing: bool = False
    opened: int = 0
    closed: int = 0
    stage_times: list[StageTime] = field(default_factory=list)
    compliance: list[Compliance] = field(default_factory=list)
    key_questions: list[tuple[str, int]] = field(default_factory=list)
    themes: list[tuple[str, int]] = field(default_factory=list)
    placing_authorities: list[tuple[str, int]] = field(default_factory=list)
    outcomes: list[tuple[str, int]] = field(default_factory=list)


def _in(column, period: Period):
    return and_(column >= period.starts_at, column < period.ends_before)


def _hosted_cases(authority_id: int, period: Period) -> list[Case]:
    """The host's cases open at any moment of the period."""
    return list(db.session.scalars(
        select(Case)
        .options(selectinload(Case.decision), selectinload(Case.exclusions),
                 selectinload(Case.stage_changes))
        .where(Case.tenant_id == authority_id, Case.opened_at < period.ends_before,
               or_(Case.closed_at.is_(None), Case.closed_at >= period.starts_at))
        .order_by(Case.id)
    ))


def _stay_days(start: datetime, end: datetime) -> int:
    return (london_date(end) - london_date(start)).days


def stage_times(cases: list[Case], period: Period) -> list[StageTime]:
    stays: dict[Stage, list[int]] = {stage: [] for stage in STAGES}
    still_in: Counter = Counter()
    for case in cases:
        changes: list[StageChange] = case.stage_changes
        for entered, left in zip(changes, changes[1:], strict=False):
            if entered.to_stage in stays and period.holds(london_date(left.moved_at)):
                stays[entered.to_stage].append(_stay_days(entered.moved_at, left.moved_at))
        at_end = [c for c in changes if c.moved_at < period.ends_before]
        if at_end and at_end[-1].to_stage in stays:
            still_in[at_end[-1].to_stage] += 1
    return [StageTime(stage, len(days), median(days) if days else None,
                      max(days) if days else None, still_in[stage])
            for stage, days in stays.items()]


def _due_day(clock: Clock) -> date | None:
    if clock.due_day is None and clock.due_at is None:
        return None
    return clock.due_day_local()


def _verdict(clock: Clock) -> str:
    if clock.status is ClockStatus.MET:
        return "met"
    if clock.status in (ClockStatus.MET_LATE, ClockStatus.OVERDUE):
        return "late"
    return "open" if clock.status is ClockStatus.RUNNING else "none"


def _moot(case: Case, clock: Clock) -> bool:
    """True for a step a closed case never took and no longer owes (the obligations that
    outlive closing still count)."""
    return case.closed and clock.met_at is None and not clock.after_closing


def compliance(cases: list[Case], period: Period, now: datetime) -> list[Compliance]:
    held = services.held_meetings([case.id for case in cases])
    procedures = procedures_of(cases)
    counts: dict[str, Counter] = {}
    labels: dict[str, str] = {}
    for case in cases:
        for clock in services.clocks_of(case, held[case.id], now, procedures[case.id]):
            if not period.holds(_due_day(clock)) or _moot(case, clock):
                continue
            labels.setdefault(clock.key, clock.label)
            counts.setdefault(clock.key, Counter())[_verdict(clock)] += 1
    return [Compliance(key, labels[key], tally["met"], tally["late"], tally["open"])
            for key, tally in counts.items()]


def key_questions(authority_id: int, period: Period) -> list[tuple[str, int]]:
    counts = Counter(db.session.scalars(
        select(Risk.key_question).where(Risk.tenant_id == authority_id,
                                        _in(Risk.created_at, period))))
    return [(question.label, counts[question]) for question in KeyQuestion]


def themes(cases: list[Case], period: Period) -> list[tuple[str, int]]:
    counts: Counter = Counter()
    for case in cases:
        if not period.holds(london_date(case.opened_at)):
            continue
        words = {part.strip().capitalize() for line in (case.themes or "").splitlines()
                 for part in line.split(",") if part.strip()}
        counts.update(words)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def placing_authorities(cases: list[Case], period: Period) -> list[tuple[str, int]]:
    # A share alerted in the period is on a case open in it: one of ``cases``.
    shares = db.session.scalars(
        select(CaseShare).options(joinedload(CaseShare.placing_authority))
        .where(CaseShare.case_id.in_([case.id for case in cases]),
               _in(CaseShare.alerted_at, period)))
    cases_by_name: dict[str, set[int]] = {}
    for share in shares:
        cases_by_name.setdefault(share.placing_authority.name, set()).add(share.case_id)
    return sorted(((name, len(ids)) for name, ids in cases_by_name.items()),
                  key=lambda item: (-item[1], item[0]))


def outcomes(cases: list[Case], period: Period) -> list[tuple[str, int]]:
    decided = Counter(
        case.decision.outcome for case in cases
        if case.decision is not None and case.decision.outcome is not None
        and case.decision.decided_at is not None
        and period.holds(london_date(case.decision.decided_at)))
    closed_after_stage_one = sum(
        1 for case in cases if case.closed_at and period.holds(london_date(case.closed_at))
        and case.decision and case.decision.outcome is DecisionOutcome.OTHER_CHANNELS)
    closed = sum(1 for case in cases if case.closed_at and period.holds(london_date(case.closed_at)))
    return [
        ("Decided to proceed", decided[DecisionOutcome.PROCEED]),
        ("Decided to handle through other channels", decided[DecisionOutcome.OTHER_CHANNELS]),
        ("Closed after improvements were sustained", closed - closed_after_stage_one),
        ("Closed at stage 1", closed_after_stage_one),
    ]


def _shared_cases(authority_id: int, period: Period) -> list[Case]:
    """The cases other hosts shared with this placing authority, open in the period."""
    ids = list(db.session.scalars(
        select(CaseShare.case_id).where(CaseShare.placing_authority_id == authority_id)))
    return list(db.session.scalars(
        select(Case).options(joinedload(Case.host_authority))
        .where(Case.id.in_(ids), Case.tenant_id != authority_id,
               Case.opened_at < period.ends_before,
               or_(Case.closed_at.is_(None), Case.closed_at >= period.starts_at))
        .order_by(Case.id)
    ))


def _stored_compliance(cases: list[Case], period: Period, now: datetime) -> list[Compliance]:
    """Deadlines as the hosts stored them for placing authorities (app/cases/key_dates.py)."""
    counts: dict[str, Counter] = {}
    labels: dict[str, str] = {}
    for case in cases:
        for clock in key_dates.clocks_from(case.key_dates, now):
            if not period.holds(_due_day(clock)) or _moot(case, clock):
                continue
            labels.setdefault(clock.key, clock.label)
            counts.setdefault(clock.key, Counter())[_verdict(clock)] += 1
    return [Compliance(key, labels[key], tally["met"], tally["late"], tally["open"])
            for key, tally in counts.items()]


def placing_figures(authority_id: int, period: Period, now: datetime | None = None) -> BoardFigures:
    """Return the figures a placing authority may see: the cases where its residents live."""
    now = now or utcnow()
    cases = _shared_cases(authority_id, period)
    ids = [case.id for case in cases]
    questions = Counter(db.session.scalars(
        select(Risk.key_question).where(Risk.case_id.in_(ids), _in(Risk.created_at, period))))
    hosts = Counter(case.host_authority.name for case in cases)
    closed = sum(1 for case in cases if case.closed_at and period.holds(london_date(case.closed_at)))
    return BoardFigures(
        period=period, as_placing=True,
        opened=sum(1 for case in cases if period.holds(london_date(case.opened_at))),
        closed=closed,
        compliance=_stored_compliance(cases, period, now),
        key_questions=[(question.label, questions[question]) for question in KeyQuestion],
        themes=themes(cases, period),
        placing_authorities=sorted(hosts.items(), key=lambda item: (-item[1], item[0])),
        outcomes=[("Closed", closed)],
    )


def board_figures(authority_id: int, period: Period, now: datetime | None = None) -> BoardFigures:
    """Return the board report's figures for the host ``authority_id`` over ``period``."""
    now = now or utcnow()
    cases = _hosted_cases(authority_id, period)
    return BoardFigures(
        period=period,
        opened=sum(1 for case in cases if period.holds(london_date(case.opened_at))),
        closed=sum(1 for case in cases if case.closed_at and period.holds(london_date(case.closed_at))),
        stage_times=stage_times(cases, period),
        compliance=compliance(cases, period, now),
        key_questions=key_questions(authority_id, period),
        themes=themes(cases, period),
        placing_authorities=placing_authorities(cases, period),
        outcomes=outcomes(cases, period),
    )
