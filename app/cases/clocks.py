"""Every statutory clock of a case, computed in one place from the events it depends on.

Working-day clocks count England's working days (weekends and bank holidays from the
``holidays`` package) and fall due at the end of the due day, London time; hour clocks fall due
to the minute. A clock starts when the event it depends on happens, and stops when the event
it waits for happens (on time or late).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache, lru_cache

import holidays
from dateutil.relativedelta import relativedelta

from app.cases.procedure_settings import ClockMode, clock_mode_of
from app.cases.terms import DEFAULT_TERMS, merged
from app.formatting import date_and_time
from app.london_time import LONDON, london_date


@cache
def _england_holidays() -> holidays.HolidayBase:
    # Years are filled in on demand, so year ends and future years need no list here.
    return holidays.UK(subdiv="ENG")


@lru_cache(maxsize=8192)
def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _england_holidays()


@lru_cache(maxsize=8192)
def add_working_days(start: date, count: int) -> date:
    """Return the date ``count`` working days after ``start`` (before it, if negative);
    start itself never counts."""
    step = timedelta(days=1 if count >= 0 else -1)
    day = start
    added = 0
    while added < abs(count):
        day += step
        if is_working_day(day):
            added += 1
    return day


@lru_cache(maxsize=8192)  # the sweep asks this of every deadline of every case, every pass
def working_days_until(today: date, due: date) -> int:
    """Return how many working days lie after ``today`` up to and including ``due``."""
    if due <= today:
        return 0
    count = 0
    day = today
    while day < due:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


local_date = london_date


class ClockStatus(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    OVERDUE = "overdue"
    MET = "met"
    MET_LATE = "met_late"
    PAUSED = "paused"
    # Started under a procedure whose date is agreed at the meeting, and none entered yet:
    # nothing is due, so it is never overdue or reminded.
    AWAITING_DATE = "awaiting_date"

    @property
    def label(self) -> str:
        return {
            ClockStatus.NOT_STARTED: "Not started",
            ClockStatus.RUNNING: "Due",
            ClockStatus.OVERDUE: "Overdue",
            ClockStatus.MET: "Met on time",
            ClockStatus.MET_LATE: "Met late",
            ClockStatus.PAUSED: "Paused",
            ClockStatus.AWAITING_DATE: "Date to be agreed",
        }[self]

    @property
    def open(self) -> bool:
        return self in (ClockStatus.RUNNING, ClockStatus.OVERDUE)


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    HOURS = "hours"
    MONTHS = "months"
    DAYS = "days"


@dataclass(frozen=True)
class ClockRule:
    key: str
    label: str
    starts: str  # the milestone that starts the clock
    stops: str  # the milestone that stops it
    unit: Unit
    setting: str  # the procedure setting holding the amount
    pauses: str | None = None  # a milestone that, while set, holds the clock
    restarts: str | None = None  # a later milestone the clock runs again from
    after_closing: bool = False  # an obligation that outlives the case's closing

    def worded(self, terms: dict | None = None) -> str:
        """Return the label in the host's words (``label`` names them as ``{term_key}``)."""
        return self.label.format(**(terms or DEFAULT_TERMS))


RULES = (
    # Police or coroner advice keeps the provider out: the clock pauses, and runs again from
    # the moment the advice is lifted.
    ClockRule("inform_provider", "Inform the provider of the decision", "decided",
              "provider_informed", Unit.WORKING_DAYS, "inform_provider_working_days",
              pauses="provider_kept_out", restarts="exclusion_lifted"),
    ClockRule("initial_meeting", "Hold the initial meeting", "decided",
              "initial_meeting_held", Unit.WORKING_DAYS, "initial_meeting_working_days"),
    ClockRule("findings_meeting", "Hold the findings meeting", "initial_meeting_held",
              "findings_meeting_held", Unit.WORKING_DAYS, "findings_meeting_working_days"),
    ClockRule("improvement_plan", "Provider submits the {improvement_plan}", "findings_meeting_held",
              "plan_submitted", Unit.HOURS, "improvement_plan_hours"),
    ClockRule("closure_notice", "Notify the provider and CQC of closure", "final_meeting_held",
              "closure_notified", Unit.HOURS, "closure_notice_hours", after_closing=True),
    ClockRule("contract_review", "Contract monitoring review", "plan_submitted",
              "contract_review_done", Unit.MONTHS, "contract_review_months", after_closing=True),
    # Recurring: it restarts at each project management meeting, so it is never "met".
    ClockRule("project_meeting", "Next project management meeting", "last_project_meeting",
              "never", Unit.DAYS, "project_meeting_cadence_days"),
)


@dataclass(frozen=True)
class Clock:
    key: str
    label: str
    status: ClockStatus
    started_at: datetime | None = None
    due_day: date | None = None  # working-day and month clocks: due by the end of this day
    due_at: datetime | None = None  # hour clocks: due at this moment
    met_at: datetime | None = None
    after_closing: bool = False
    agreed: bool = False  # its date is agreed at a meeting and entered by staff

    @property
    def due_sort_key(self) -> datetime:
        if self.due_at is not None:
            return self.due_at
        return datetime.combine(self.due_day, datetime.max.time(), LONDON)

    @property
    def due_label(self) -> str:
        if self.due_at is not None:
            return date_and_time(self.due_at)
        return self.due_day.strftime("%-d %B %Y") if self.due_day else ""

    def due_day_local(self) -> date:
        return self.due_day if self.due_day is not None else local_date(self.due_at)


def _due(rule: ClockRule, started: datetime, amount: int) -> tuple[date | None, datetime | None]:
    if rule.unit is Unit.HOURS:
        return None, started + timedelta(hours=amount)
    start_day = local_date(started)
    if rule.unit is Unit.MONTHS:
        return start_day + relativedelta(months=amount), None
    if rule.unit is Unit.DAYS:
        return start_day + timedelta(days=amount), None
    return add_working_days(start_day, amount), None


def _on_time(due_day: date | None, due_at: datetime | None, moment: datetime) -> bool:
    if due_at is not None:
        return moment <= due_at
    return local_date(moment) <= due_day


def compute_clock(rule: ClockRule, milestones: dict, settings, now: datetime,
                  agreed_day: date | None = None) -> Clock:
    """Return the state of one clock at ``now`` (``agreed_day``: the date staff entered for a
    clock whose date is agreed at the meeting)."""
    label = rule.worded(merged(getattr(settings, "terms", None)))
    started = milestones.get(rule.starts)
    restarted = milestones.get(rule.restarts) if rule.restarts else None
    if started is not None and restarted is not None:
        started = max(started, restarted)
    met = milestones.get(rule.stops)
    if met is None and rule.pauses and milestones.get(rule.pauses):
        return Clock(rule.key, label, ClockStatus.PAUSED, after_closing=rule.after_closing)
    if started is None:
        return Clock(rule.key, label, ClockStatus.NOT_STARTED,
                     after_closing=rule.after_closing,
                     agreed=clock_mode_of(settings, rule.key) is ClockMode.AGREED)
    agreed = clock_mode_of(settings, rule.key) is ClockMode.AGREED
    if agreed:
        due_day, due_at = agreed_day, None
    else:
        due_day, due_at = _due(rule, started, getattr(settings, rule.setting))
    return clock_at(Clock(rule.key, label, ClockStatus.RUNNING, started, due_day, due_at, met,
                          rule.after_closing, agreed), now)


def clock_at(clock: Clock, now: datetime) -> Clock:
    """Return a started clock with its status at ``now``, from its dates alone."""
    if clock.started_at is None or clock.status is ClockStatus.PAUSED:
        return clock
    if clock.due_day is None and clock.due_at is None:
        # A date to be agreed at the meeting that nobody entered: nothing to be late for.
        return replace(clock, status=ClockStatus.MET if clock.met_at else ClockStatus.AWAITING_DATE)
    if clock.met_at is not None:
        on_time = _on_time(clock.due_day, clock.due_at, clock.met_at)
        status = ClockStatus.MET if on_time else ClockStatus.MET_LATE
    else:
        on_time = _on_time(clock.due_day, clock.due_at, now)
        status = ClockStatus.RUNNING if on_time else ClockStatus.OVERDUE
    return replace(clock, status=status)


def rules_in_use(settings) -> list[ClockRule]:
    """Return the clocks the procedure has: every rule but those it switched off."""
    return [rule for rule in RULES if clock_mode_of(settings, rule.key) is not ClockMode.OFF]


def compute_clocks(milestones: dict, settings, now: datetime,
                   agreed: dict[str, date] | None = None) -> list[Clock]:
    """Return every clock the procedure has, in its order; a clock switched off is not one
    (never due, overdue, reminded or among the key dates)."""
    agreed = agreed or {}
    return [compute_clock(rule, milestones, settings, now, agreed.get(rule.key))
            for rule in rules_in_use(settings)]


def next_deadline(clocks: list[Clock]) -> Clock | None:
    """Return the open clock to act on first: the most overdue, else the soonest due."""
    open_clocks = [clock for clock in clocks if clock.status.open]
    return min(open_clocks, key=lambda c: c.due_sort_key, default=None)
