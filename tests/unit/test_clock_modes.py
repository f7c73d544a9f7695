"""A clock on with a timescale, off, or set by a date agreed at the meeting (issue 15 item 1)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.cases import key_dates
from app.cases.clocks import ClockStatus, compute_clocks, next_deadline
from app.cases.presets import PRESETS, preset_values
from app.cases.procedure_settings import ClockMode, ProcedureSettings, fresh_defaults
from app.cases.procedure_versions import Procedure


def at(y, m, d, hour=10) -> datetime:
    return datetime(y, m, d, hour, tzinfo=UTC)


def _clocks(settings, now, agreed=None, **milestones) -> dict:
    return {c.key: c for c in compute_clocks(milestones, settings, now, agreed)}


def _with_modes(**modes) -> ProcedureSettings:
    return ProcedureSettings(**{**fresh_defaults(), "clock_modes": modes})


def test_an_off_clock_is_not_a_clock_at_all():
    settings = _with_modes(inform_provider=ClockMode.OFF.value)
    result = _clocks(settings, at(2027, 3, 1), decided=at(2026, 11, 27))
    assert "inform_provider" not in result
    assert result["initial_meeting"].status is ClockStatus.OVERDUE


def test_an_agreed_clock_waits_for_its_date_and_is_never_overdue_without_one():
    settings = _with_modes(findings_meeting=ClockMode.AGREED.value)
    clock = _clocks(settings, at(2027, 6, 1), initial_meeting_held=at(2026, 12, 1))["findings_meeting"]
    assert clock.status is ClockStatus.AWAITING_DATE and not clock.status.open
    assert clock.agreed and clock.due_label == ""
    assert next_deadline([clock]) is None


def test_an_agreed_date_is_due_by_the_end_of_that_day_then_overdue():
    settings = _with_modes(findings_meeting=ClockMode.AGREED.value)
    agreed = {"findings_meeting": date(2027, 1, 15)}
    started = {"initial_meeting_held": at(2026, 12, 1)}
    due = _clocks(settings, at(2027, 1, 15, 22), agreed, **started)["findings_meeting"]
    assert due.status is ClockStatus.RUNNING and due.due_day == date(2027, 1, 15)
    late = _clocks(settings, at(2027, 1, 16), agreed, **started)["findings_meeting"]
    assert late.status is ClockStatus.OVERDUE
    met_late = _clocks(settings, at(2027, 2, 1), agreed, findings_meeting_held=at(2027, 1, 20),
                       **started)["findings_meeting"]
    assert met_late.status is ClockStatus.MET_LATE


def test_a_meeting_held_before_any_date_was_agreed_is_met():
    settings = _with_modes(findings_meeting=ClockMode.AGREED.value)
    clock = _clocks(settings, at(2027, 2, 1), initial_meeting_held=at(2026, 12, 1),
                    findings_meeting_held=at(2027, 1, 5))["findings_meeting"]
    assert clock.status is ClockStatus.MET


def test_the_stored_key_dates_read_back_the_same_statuses():
    settings = _with_modes(findings_meeting=ClockMode.AGREED.value,
                           contract_review=ClockMode.OFF.value)
    now = at(2027, 1, 20)
    computed = compute_clocks({"decided": at(2026, 11, 2), "initial_meeting_held": at(2026, 12, 1)},
                              settings, now)
    read = key_dates.clocks_from(key_dates.snapshot(computed), now)
    assert [(c.key, c.status) for c in read] == [(c.key, c.status) for c in computed]
    assert "contract_review" not in {c.key for c in read}


def test_the_west_sussex_preset_has_no_day_count_clock():
    procedure = Procedure(preset_values("west_sussex"))
    result = _clocks(procedure, at(2028, 1, 1), decided=at(2026, 11, 2),
                     initial_meeting_held=at(2026, 12, 1), findings_meeting_held=at(2027, 1, 5),
                     final_meeting_held=at(2027, 6, 1), plan_submitted=at(2027, 1, 6))
    assert all(clock.agreed for clock in result.values())
    assert not any(clock.status is ClockStatus.OVERDUE for clock in result.values())


def test_the_multi_agency_preset_keeps_the_seed_timescales():
    values = preset_values("multi_agency")
    assert (values["inform_provider_working_days"], values["initial_meeting_working_days"],
            values["findings_meeting_working_days"], values["improvement_plan_hours"]) == (1, 5, 14, 48)
    assert values["clock_modes"] == {} and values["stage_one_decider"] == "dass"
    assert values["initial_meeting_private_part"] is True
    assert PRESETS["west_sussex"].values["initial_meeting_private_part"] is False


def test_a_clock_label_uses_the_procedures_words():
    procedure = Procedure(preset_values("west_sussex"))
    clock = _clocks(procedure, at(2027, 1, 1))["improvement_plan"]
    assert clock.label == "Provider submits the Improvement Plan and Risk Management Plan"
    assert _clocks(ProcedureSettings(**fresh_defaults()), at(2027, 1, 1))["improvement_plan"].label == (
        "Provider submits the Improvement Plan")
