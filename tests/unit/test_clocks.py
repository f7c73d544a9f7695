"""The statutory clocks: England working days, bank holidays, year ends, hours and months."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.cases.clocks import (
    ClockStatus,
    add_working_days,
    compute_clocks,
    next_deadline,
    working_days_until,
)
from app.cases.procedure_settings import DEFAULTS, ProcedureSettings

SETTINGS = ProcedureSettings(**DEFAULTS)


def at(y, m, d, hour=10, minute=0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=UTC)


def clocks(now: datetime, **milestones) -> dict:
    return {clock.key: clock for clock in compute_clocks(milestones, SETTINGS, now)}


@pytest.mark.parametrize(
    ("decided", "inform_by", "initial_meeting_by"),
    [
        # A decision on a Friday: Monday, and the Friday after.
        (at(2026, 11, 27), date(2026, 11, 30), date(2026, 12, 4)),
        # Before the late May bank holiday weekend (Monday 31 May 2027).
        (at(2027, 5, 28), date(2027, 6, 1), date(2027, 6, 7)),
        # Before the August bank holiday (Monday 31 August 2026).
        (at(2026, 8, 28), date(2026, 9, 1), date(2026, 9, 7)),
        # Over Christmas 2026: Christmas Friday, Boxing Day observed Monday 28, New Year's Day.
        (at(2026, 12, 23), date(2026, 12, 24), date(2027, 1, 4)),
        (at(2026, 12, 24), date(2026, 12, 29), date(2027, 1, 5)),
        # Easter 2027: Good Friday 26 March and Easter Monday 29 March.
        (at(2027, 3, 25), date(2027, 3, 30), date(2027, 4, 5)),
        # Late on a Friday evening in UTC is already Saturday in London (BST).
        (datetime(2026, 6, 5, 23, 30, tzinfo=UTC), date(2026, 6, 8), date(2026, 6, 12)),
    ],
)
def test_decision_clocks_count_england_working_days(decided, inform_by, initial_meeting_by):
    result = clocks(decided, decided=decided)
    assert result["inform_provider"].due_day == inform_by
    assert result["initial_meeting"].due_day == initial_meeting_by


def test_the_findings_meeting_clock_runs_over_the_year_end():
    result = clocks(at(2026, 12, 14), initial_meeting_held=at(2026, 12, 14))
    assert result["findings_meeting"].due_day == date(2027, 1, 6)


def test_the_improvement_plan_is_due_48_clock_hours_after_the_findings_meeting():
    result = clocks(at(2026, 11, 27, 15), findings_meeting_held=at(2026, 11, 27, 15))
    assert result["improvement_plan"].due_at == at(2026, 11, 29, 15)


def test_closure_notice_is_due_24_hours_after_the_final_meeting():
    result = clocks(at(2026, 12, 24, 16), final_meeting_held=at(2026, 12, 24, 16))
    assert result["closure_notice"].due_at == at(2026, 12, 25, 16)


def test_the_contract_review_is_due_three_months_after_the_first_plan():
    result = clocks(at(2026, 11, 30), plan_submitted=at(2026, 11, 30))
    assert result["contract_review"].due_day == date(2027, 2, 28)


def test_a_clock_without_its_starting_event_has_not_started():
    result = clocks(at(2026, 11, 30))
    assert {clock.status for clock in result.values()} == {ClockStatus.NOT_STARTED}


def test_status_on_time_late_running_and_overdue():
    decided = at(2026, 11, 27)  # Friday: inform by Monday 30, initial meeting by Friday 4 Dec
    on_time = clocks(at(2026, 12, 10), decided=decided, provider_informed=at(2026, 11, 30, 17),
                     initial_meeting_held=at(2026, 12, 7))
    assert on_time["inform_provider"].status is ClockStatus.MET
    assert on_time["initial_meeting"].status is ClockStatus.MET_LATE
    running = clocks(at(2026, 11, 30, 22), decided=decided)  # 22:00 UTC on Monday: still due
    assert running["inform_provider"].status is ClockStatus.RUNNING
    overdue = clocks(at(2026, 12, 1, 9), decided=decided)
    assert overdue["inform_provider"].status is ClockStatus.OVERDUE
    assert overdue["initial_meeting"].status is ClockStatus.RUNNING


def test_next_deadline_is_the_most_overdue_open_clock():
    result = compute_clocks({"decided": at(2026, 11, 27)}, SETTINGS, at(2026, 12, 1, 9))
    assert next_deadline(result).key == "inform_provider"
    assert next_deadline(compute_clocks({}, SETTINGS, at(2026, 12, 1))) is None


def test_procedure_settings_change_the_timescales():
    settings = ProcedureSettings(**{**DEFAULTS, "initial_meeting_working_days": 10})
    result = compute_clocks({"decided": at(2026, 11, 27)}, settings, at(2026, 11, 27))
    assert result[1].due_day == date(2026, 12, 11)


def test_working_day_arithmetic():
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert add_working_days(date(2026, 12, 26), 1) == date(2026, 12, 29)  # Sat: Mon 28 observed
    assert working_days_until(date(2026, 12, 23), date(2026, 12, 29)) == 2
    assert working_days_until(date(2026, 12, 29), date(2026, 12, 29)) == 0


def test_working_days_count_backwards_too():
    assert add_working_days(date(2027, 1, 4), -1) == date(2026, 12, 31)
    assert add_working_days(date(2026, 12, 29), -1) == date(2026, 12, 24)


def test_project_management_meetings_recur_at_the_cadence():
    result = clocks(at(2026, 11, 30), last_project_meeting=at(2026, 11, 20))
    assert result["project_meeting"].due_day == date(2026, 11, 27)
    assert result["project_meeting"].status is ClockStatus.OVERDUE
    assert clocks(at(2026, 11, 30))["project_meeting"].status is ClockStatus.NOT_STARTED
