"""Every host's own procedure (issue 15 item 1): both seeds as presets, clocks off or agreed at
the meeting, the host's words in pages, letters and Word documents, its named decider, and
the version of the procedure each case runs under."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases import services
from app.cases.clocks import ClockStatus
from app.cases.models import Case, Decision, DecisionOutcome, Stage
from app.cases.presets import MULTI_AGENCY_TERMS, WEST_SUSSEX_TERMS
from app.extensions import db
from app.meetings.models import FinalDecision, Meeting, MeetingKind
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in
from tests.support.procedure_form import AMOUNTS
from tests.support.word import all_text, open_docx


def _host(world):
    return scoped_as(db.session, Scope(tenant_id=world.host_a))


def _post(client, path, data, token_from=None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from or path)})


def _user_id(app, email) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def _settings_path(world) -> str:
    return f"/authorities/{world.host_a}/procedure-settings"


def _pick(app, world, preset: str, decider_email: str | None = None):
    """The authority administrator picks a preset, then names the decider where it needs one."""
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    path = _settings_path(world)
    assert _post(admin, f"{path}/preset", {"preset": preset}, token_from=path).status_code == 302
    if decider_email:
        chosen = {**AMOUNTS, "stage_one_decider": "named_manager",
                  "named_decider_id": _user_id(app, decider_email)}
        assert _post(admin, path, chosen).status_code == 302
    return admin


def _decided_long_ago(app, world, days: int = 30):
    """Case A, decided ``days`` ago with a Lead Officer, at stage 2: every fixed clock late."""
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        case.lead_officer = db.session.scalar(
            select(User).where(User.email == world.users["host_a_lead"]))
        db.session.add(Decision(tenant_id=world.host_a, case_id=case.id, threshold_assessment="Met",
                                outcome=DecisionOutcome.PROCEED,
                                decided_at=datetime.now(UTC) - timedelta(days=days)))
        case.stage = Stage.INITIAL_MEETING
        db.session.commit()


def _move_over(client, world):
    path = f"/authorities/{world.host_a}/cases/{world.case_a}/procedure"
    return _post(client, path, {"reason": "The host adopted its own framework"})


def _clock_rows(page: str) -> dict[str, str]:
    return dict(re.findall(r'id="clock-(\w+)">(.*?)</tr>', page, re.S))


@pytest.fixture
def case_page(world):
    return f"/authorities/{world.host_a}/cases/{world.case_a}"


def test_under_the_west_sussex_preset_no_day_count_clock_is_overdue(app, world, case_page):
    _decided_long_ago(app, world)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    before = _clock_rows(lead.get(case_page).get_data(as_text=True))
    assert "Overdue" in before["initial_meeting"]  # five working days, a month ago

    _pick(app, world, "west_sussex", world.users["host_a_lead"])
    # The open case keeps the procedure it runs under until someone moves it over.
    assert "Overdue" in _clock_rows(lead.get(case_page).get_data(as_text=True))["initial_meeting"]
    assert _move_over(lead, world).status_code == 302

    page = lead.get(case_page).get_data(as_text=True)
    rows = _clock_rows(page)
    assert "Overdue" not in page
    # Off: not among the deadlines at all. Agreed at the meeting: waiting for its date.
    assert "inform_provider" not in rows and "contract_review" not in rows
    assert "Date to be agreed" in rows["initial_meeting"]
    dashboard = lead.get(f"/authorities/{world.host_a}/cases").get_data(as_text=True)
    assert "Overdue" not in dashboard
    with app.app_context(), _host(world):
        stored = db.session.get(Case, world.case_a).key_dates
        assert {row["key"] for row in stored} == {"initial_meeting", "findings_meeting",
                                                    "improvement_plan"}


def test_a_date_agreed_at_the_meeting_is_entered_by_staff_and_then_counts(app, world, case_page):
    _decided_long_ago(app, world)
    _pick(app, world, "west_sussex", world.users["host_a_lead"])
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _move_over(lead, world)
    path = f"{case_page}/agreed-dates/initial_meeting"
    assert "Enter the agreed date" in _clock_rows(lead.get(case_page).get_data(as_text=True))["initial_meeting"]
    agreed = date.today() + timedelta(days=10)
    response = _post(lead, path, {"day": [str(agreed.day), str(agreed.month), str(agreed.year)]})
    assert response.status_code == 302
    row = _clock_rows(lead.get(case_page).get_data(as_text=True))["initial_meeting"]
    assert f"{agreed.day} {agreed.strftime('%B %Y')}" in row and "Due" in row
    bad = _post(lead, path, {"day": ["31", "2", "2027"]}).get_data(as_text=True)
    assert "govuk-error-summary" in bad and 'value="31"' in bad
    # A clock with a fixed timescale has no agreed date to enter.
    assert lead.get(f"{case_page}/agreed-dates/contract_review").status_code == 404
    with app.app_context(), _host(world):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.agreed_date_set"))
        assert event.new_values["date"] == agreed.isoformat()


def test_the_west_sussex_words_are_used_in_pages(app, world, case_page):
    _decided_long_ago(app, world)
    _pick(app, world, "west_sussex", world.users["host_a_lead"])
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _move_over(lead, world)
    page = lead.get(case_page).get_data(as_text=True)
    assert "Lead Enquiry Officer" in page
    assert "2. Initial provider concerns meeting" in page
    listing = lead.get(f"/authorities/{world.host_a}/cases").get_data(as_text=True)
    assert "Lead Enquiry Officer" in listing and ">Lead Officer<" not in listing
    plan = lead.get(f"{case_page}/plan").get_data(as_text=True)
    assert WEST_SUSSEX_TERMS["improvement_plan"] in plan


def test_the_multi_agency_words_are_used_in_pages(app, world, case_page):
    _decided_long_ago(app, world)
    _pick(app, world, "multi_agency")
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    page = lead.get(case_page).get_data(as_text=True)
    assert "Lead Officer" in page and "Lead Enquiry Officer" not in page
    assert "2. Initial meeting" in page
    plan = lead.get(f"{case_page}/plan").get_data(as_text=True)
    assert MULTI_AGENCY_TERMS["improvement_plan"] in plan


def _closing(app, world):
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        case.stage = Stage.CLOSING
        case.lead_officer = db.session.scalar(
            select(User).where(User.email == world.users["host_a_lead"]))
        db.session.add(Meeting(tenant_id=world.host_a, case_id=case.id, kind=MeetingKind.FINAL,
                               scheduled_for=datetime.now(UTC) - timedelta(hours=3),
                               held_at=datetime.now(UTC) - timedelta(hours=2),
                               final_decision=FinalDecision.CLOSE,
                               sustainability_rationale="Clean audits for six months"))
        db.session.commit()


@pytest.mark.parametrize("preset, terms", [("west_sussex", WEST_SUSSEX_TERMS),
                                           ("multi_agency", MULTI_AGENCY_TERMS)])
def test_letters_and_word_documents_use_the_hosts_words(app, world, case_page, preset, terms):
    _closing(app, world)
    _pick(app, world, preset)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    letter = all_text(open_docx(lead.get(f"{case_page}/closure/letters/provider.docx").data))
    assert f"The {terms['strategy_group']} met on" in letter
    assert f"please contact the {terms['lead_officer']}" in letter
    assert f"The {terms['process']} for this service" in letter
    with app.app_context(), _host(world):
        meeting_id = db.session.scalar(select(Meeting.id).where(Meeting.case_id == world.case_a))
    agenda = all_text(open_docx(lead.get(f"{case_page}/meetings/{meeting_id}/agenda.docx").data))
    assert terms["lead_officer"] in agenda
    other = WEST_SUSSEX_TERMS if terms is MULTI_AGENCY_TERMS else MULTI_AGENCY_TERMS
    assert other["lead_officer"] not in agenda.replace(terms["lead_officer"], "")


def test_the_contract_review_is_not_promised_where_the_procedure_has_none(app, world, case_page):
    _closing(app, world)
    _pick(app, world, "west_sussex")
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _move_over(lead, world)
    letter = all_text(open_docx(lead.get(f"{case_page}/closure/letters/provider.docx").data))
    assert "contract monitoring review" not in letter


def _decide(client, case_page, lead_id):
    return _post(client, f"{case_page}/decision",
                 {"outcome": "proceed", "reason": "Threshold met", "lead_officer_id": lead_id,
                  "chair_id": 0})


def _assessed(app, world):
    with app.app_context(), _host(world):
        db.session.add(Decision(tenant_id=world.host_a, case_id=world.case_a,
                                threshold_assessment="Met", recommendation="Proceed"))
        db.session.commit()


def test_under_west_sussex_the_named_manager_decides_and_the_dass_does_not(app, world, case_page):
    _assessed(app, world)
    _pick(app, world, "west_sussex", world.users["host_a_lead"])
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _move_over(lead, world)
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    assert dass.get(f"{case_page}/decision").status_code == 403
    page = lead.get(f"{case_page}/assessment-and-decision").get_data(as_text=True)
    assert "Record the lead agency manager decision" in page
    lead_id = _user_id(app, world.users["host_a_lead"])
    assert _decide(lead, case_page, lead_id).status_code == 302
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        assert case.stage is Stage.INITIAL_MEETING
        assert case.decision.decided_by_id == lead_id


def test_under_the_multi_agency_preset_only_the_dass_decides(app, world, case_page):
    _assessed(app, world)
    _pick(app, world, "multi_agency")
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    lead_id = _user_id(app, world.users["host_a_lead"])
    assert lead.get(f"{case_page}/decision").status_code == 403
    assert _decide(lead, case_page, lead_id).status_code == 403
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    assert _decide(dass, case_page, lead_id).status_code == 302
    with app.app_context(), _host(world):
        assert db.session.get(Case, world.case_a).stage is Stage.INITIAL_MEETING


def test_the_decision_operation_refuses_anyone_but_the_named_manager(app, world):
    """The operation decides, not the page: a DASS calling it under West Sussex is refused."""
    from app.cases.operations import Actor, MoveRefused, record_decision
    from app.tenants.models import Role

    _assessed(app, world)
    _pick(app, world, "west_sussex", world.users["host_a_lead"])
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        case.procedure_version_id = None  # follows the current settings
        dass = db.session.scalar(select(User).where(User.email == world.users["host_a_dass"]))
        with pytest.raises(MoveRefused) as refused:
            record_decision(Actor(dass, world.host_a, frozenset({Role.DASS})), case,
                            outcome=DecisionOutcome.PROCEED, reason="r", lead_officer_id=None,
                            chair_id=None)
        assert "Only" in refused.value.reasons[0]


def test_a_new_case_runs_under_the_current_version_and_an_open_one_keeps_its_own(app, world):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _pick(app, world, "west_sussex", world.users["host_a_lead"])
    opened = _post(lead, f"/authorities/{world.host_a}/cases/new",
                   {"provider_id": world.provider_a, "location_id": 0, "title": "New under WSx",
                    "summary": ""})
    assert opened.status_code == 302
    with app.app_context(), _host(world):
        new = db.session.scalar(select(Case).where(Case.title == "New under WSx"))
        old = db.session.get(Case, world.case_a)
        assert services.procedure_of(new).stage_one_decider == "named_manager"
        assert services.procedure_of(old).stage_one_decider == "dass"
        assert services.procedure_of(old).number < services.procedure_of(new).number
    assert _move_over(lead, world).status_code == 302
    again = _move_over(lead, world).get_data(as_text=True)
    assert "already runs under the current procedure" in again
    with app.app_context(), _host(world):
        assert services.procedure_of(db.session.get(Case, world.case_a)).stage_one_decider == "named_manager"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.procedure_adopted"))
        assert event.reason == "The host adopted its own framework"
        assert event.case_id == world.case_a


def test_a_preset_is_adjusted_after_it_is_picked(app, world):
    admin = _pick(app, world, "west_sussex", world.users["host_a_lead"])
    path = _settings_path(world)
    page = admin.get(path).get_data(as_text=True)
    assert 'value="Lead Enquiry Officer"' in page
    adjusted = {**AMOUNTS, "term_lead_officer": "Enquiry Lead", "findings_meeting_mode": "days",
                "findings_meeting_working_days": 20}
    assert _post(admin, path, adjusted).status_code == 302
    with app.app_context(), _host(world):
        from app.cases.procedure_settings import ClockMode, settings_for

        settings = settings_for(world.host_a)
        assert settings.terms["lead_officer"] == "Enquiry Lead"
        assert settings.terms["strategy_group"] == "QASIG"  # not sent: kept
        assert settings.clock_mode("findings_meeting") is ClockMode.DAYS
        assert settings.clock_mode("initial_meeting") is ClockMode.AGREED
        assert settings.findings_meeting_working_days == 20
    missing = _post(admin, path, {**AMOUNTS, "stage_one_decider": "named_manager",
                                  "named_decider_id": 0}).get_data(as_text=True)
    assert "Select the named manager who makes the stage 1 decision" in missing


def test_a_placing_authority_reads_the_hosts_clocks_under_its_procedure(app, world):
    _decided_long_ago(app, world)
    _pick(app, world, "west_sussex", world.users["host_a_lead"])
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _move_over(lead, world)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
        case = db.session.get(Case, world.case_a)
        clocks = services.clocks_for_reader(case, world.placing_shared)
        assert {clock.key for clock in clocks} == {"initial_meeting", "findings_meeting",
                                                   "improvement_plan"}
        assert all(clock.status is not ClockStatus.OVERDUE for clock in clocks)


@pytest.mark.parametrize("preset, private_part", [("west_sussex", False), ("multi_agency", True)])
def test_the_initial_meeting_has_a_part_without_the_provider_only_where_the_host_says(
        app, world, case_page, preset, private_part):
    _pick(app, world, preset)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _move_over(lead, world)
    response = _post(lead, f"{case_page}/meetings/new",
                     {"kind": "initial", "day": ["2", "6", "2027"], "time": "10:00", "venue": "Hall"})
    assert response.status_code == 302
    with app.app_context(), _host(world):
        meeting = db.session.scalar(select(Meeting).where(Meeting.case_id == world.case_a))
        assert bool(meeting.agenda_part_one) is private_part
        assert "Themes and risks" in (meeting.agenda_part_one if private_part else meeting.agenda_part_two)


def test_under_west_sussex_the_sweep_reminds_of_no_clock_without_a_date(app, world):
    """Off and not-yet-agreed clocks are never reminded; under the multi-agency procedure the
    same case, a month after its decision, is reminded of its overdue clocks."""
    from app.jobs.models import OutboxMessage
    from app.jobs.sweep import sweep_once

    _decided_long_ago(app, world)

    def reminders() -> set[str]:
        with app.app_context():
            sweep_once(datetime.now(UTC))
        with app.app_context(), _host(world):
            keys = db.session.scalars(select(OutboxMessage.idempotency_key).where(
                OutboxMessage.template.startswith("deadline_"), OutboxMessage.case_id == world.case_a))
            return {key.split(":")[2] for key in keys}

    _pick(app, world, "west_sussex", world.users["host_a_lead"])
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _move_over(lead, world)
    assert reminders() == set()
    _pick(app, world, "multi_agency")
    _move_over(lead, world)
    assert {"inform_provider", "initial_meeting"} <= reminders()


def test_aggravating_factors_are_recorded_with_the_threshold_assessment(app, world, case_page):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    response = _post(lead, f"{case_page}/assessment", {
        "threshold_assessment": "Met", "recommendation": "Proceed",
        "aggravating_factors": ["media_interest", "positions_of_trust"]})
    assert response.status_code == 302
    page = lead.get(f"{case_page}/assessment-and-decision").get_data(as_text=True)
    assert "Potential for media interest, People or organisations in positions of trust or power" in page
    with app.app_context(), _host(world):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.assessment_recorded"))
        assert event.new_values["aggravating_factors"] == ["media_interest", "positions_of_trust"]
