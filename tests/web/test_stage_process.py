"""The stage process through the pages: opening, the DASS decision, guarded moves, settings."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases import key_dates
from app.cases.models import Case, Decision, DecisionOutcome, IntelligenceItem, Stage, StageChange
from app.extensions import db
from app.meetings.models import FinalDecision, Meeting, MeetingKind
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in


def _as_host(app, world):
    return scoped_as(db.session, Scope(tenant_id=world.host_a))


def _case(app, world) -> Case:
    return db.session.get(Case, world.case_a)


def _post(client, path, data, token_from=None):
    data = {**data, "csrf_token": csrf_token(client, token_from or path)}
    return client.post(path, data=data)


def _user_id(app, email):
    from app.auth.models import User

    return db.session.scalar(select(User.id).where(User.email == email))


@pytest.fixture
def base(world):
    return f"/authorities/{world.host_a}/cases/{world.case_a}"


def test_a_case_opens_at_stage_one_with_the_intelligence_attached(app, world):
    with app.app_context(), _as_host(app, world):
        from app.providers.models import Location

        location = db.session.scalar(select(Location).where(Location.host_authority_id == world.host_a))
        item = IntelligenceItem(tenant_id=world.host_a, provider_id=world.provider_a,
                                source="s42_enquiry", received_on=datetime(2026, 11, 2).date(),
                                count=4, summary="Four S42 enquiries about falls")
        db.session.add(item)
        db.session.commit()
        item_id, location_id = item.id, location.id
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    path = f"/authorities/{world.host_a}/cases/new"
    page = client.get(f"{path}?provider={world.provider_a}").get_data(as_text=True)
    assert "Four S42 enquiries about falls" in page
    response = _post(client, path, {"provider_id": world.provider_a, "location_id": location_id,
                                     "title": "Falls at the home", "summary": "",
                                     "intelligence": str(item_id)})
    assert response.status_code == 302
    case_page = client.get(response.location).get_data(as_text=True)
    assert "Falls at the home" in case_page and "1. Decision" in case_page
    assert "Four S42 enquiries about falls" in case_page
    with app.app_context(), _as_host(app, world):
        case = db.session.scalar(select(Case).where(Case.title == "Falls at the home"))
        assert db.session.get(IntelligenceItem, item_id).case_id == case.id
        assert [c.to_stage for c in case.stage_changes] == [Stage.DECISION]
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.opened"))


def test_opening_a_case_without_a_title_keeps_what_was_typed(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    path = f"/authorities/{world.host_a}/cases/new"
    response = _post(client, path, {"provider_id": world.provider_a, "location_id": 0, "title": "",
                                    "summary": "Residents report missed medication"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "Enter a title" in page
    assert "Residents report missed medication" in page


def test_only_the_dass_records_the_decision(app, world, base):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    assert client.get(f"{base}/decision").status_code == 403
    response = client.post(f"{base}/decision", data={"outcome": "proceed", "reason": "x"})
    assert response.status_code in (400, 403)
    with app.app_context(), _as_host(app, world):
        assert _case(app, world).stage is Stage.DECISION
        assert db.session.scalar(select(Decision)) is None


def _assess(client, base):
    response = _post(client, f"{base}/assessment", {
        "threshold_assessment": "A pattern of falls meets the threshold",
        "recommendation": "Proceed under the provider concerns process"})
    assert response.status_code == 302


def test_the_dass_decision_needs_an_assessment_and_moves_the_case_on(app, world, base):
    lead_id = None
    with app.app_context():
        lead_id = _user_id(app, world.users["host_a_lead"])
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    decision = {"outcome": "proceed", "reason": "Threshold met", "lead_officer_id": lead_id,
                "chair_id": 0}
    refused = _post(dass, f"{base}/decision", decision)
    assert refused.status_code == 200
    assert "Record the threshold assessment first" in refused.get_data(as_text=True)

    _assess(sign_in(app.test_client(), world.users["host_a_lead"]), base)
    assert _post(dass, f"{base}/decision", decision).status_code == 302
    page = dass.get(base).get_data(as_text=True)
    assert "2. Initial meeting" in page and "Stage history" in page and ": Threshold met</li>" in page
    assert "Inform the provider of the decision" in page and "Due" in page
    with app.app_context(), _as_host(app, world):
        case = _case(app, world)
        assert case.stage is Stage.INITIAL_MEETING and case.lead_officer_id == lead_id
        change = case.stage_changes[-1]
        assert (change.from_stage, change.to_stage, change.reason) == (
            Stage.DECISION, Stage.INITIAL_MEETING, "Threshold met")
        assert case.decision.outcome is DecisionOutcome.PROCEED


def test_proceeding_needs_a_lead_officer(app, world, base):
    _assess(sign_in(app.test_client(), world.users["host_a_lead"]), base)
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    response = _post(dass, f"{base}/decision", {"outcome": "proceed", "reason": "Met",
                                                "lead_officer_id": 0, "chair_id": 0})
    assert "Appoint a Lead Officer to proceed" in response.get_data(as_text=True)


def test_handling_through_other_channels_closes_the_case(app, world, base):
    _assess(sign_in(app.test_client(), world.users["host_a_lead"]), base)
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    response = _post(dass, f"{base}/decision", {"outcome": "other_channels", "lead_officer_id": 0,
                                                "chair_id": 0, "reason": "Contracts will handle it"})
    assert response.status_code == 302
    with app.app_context(), _as_host(app, world):
        case = _case(app, world)
        assert case.stage is Stage.CLOSED and case.closed_at is not None


def _set_stage(app, world, stage, **case_values):
    with app.app_context(), _as_host(app, world):
        case = _case(app, world)
        case.stage = stage
        for key, value in case_values.items():
            setattr(case, key, value)
        db.session.commit()


def _hold(app, world, kind, **values):
    with app.app_context(), _as_host(app, world):
        db.session.add(Meeting(tenant_id=world.host_a, case_id=world.case_a, kind=kind,
                               scheduled_for=datetime(2026, 11, 20, 10, tzinfo=UTC),
                               held_at=datetime(2026, 11, 20, 12, tzinfo=UTC), **values))
        db.session.commit()


def _move(client, base, target, reason="Agreed at the meeting"):
    return client.post(f"{base}/move", data={"target": target, "reason": reason,
                                             "csrf_token": csrf_token(client, base)})


def test_findings_need_a_held_initial_meeting(app, world, base):
    _set_stage(app, world, Stage.INITIAL_MEETING)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    page = lead.get(_move(lead, base, "findings").location).get_data(as_text=True)
    assert "The initial meeting has not been held" in page
    _hold(app, world, MeetingKind.INITIAL)
    _move(lead, base, "findings")
    with app.app_context(), _as_host(app, world):
        assert _case(app, world).stage is Stage.FINDINGS


def test_a_move_without_a_reason_is_refused_with_a_message(app, world, base):
    _set_stage(app, world, Stage.QUALITY_ASSURANCE)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    response = _move(lead, base, "closing", reason="")
    assert "Enter the reason for the move" in response.get_data(as_text=True)
    with app.app_context(), _as_host(app, world):
        assert _case(app, world).stage is Stage.QUALITY_ASSURANCE


def test_closing_needs_the_final_meetings_decision_and_rationale(app, world, base):
    _set_stage(app, world, Stage.CLOSING)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _hold(app, world, MeetingKind.FINAL, final_decision=FinalDecision.CLOSE)
    page = lead.get(_move(lead, base, "closed").location).get_data(as_text=True)
    assert "Record why the improvements are sustainable" in page
    with app.app_context(), _as_host(app, world):
        meeting = db.session.scalar(select(Meeting))
        meeting.sustainability_rationale = "Six months of stable audits"
        db.session.commit()
    _move(lead, base, "closed")
    with app.app_context(), _as_host(app, world):
        assert _case(app, world).stage is Stage.CLOSED
        assert db.session.scalar(select(StageChange).order_by(StageChange.id.desc())).to_stage is Stage.CLOSED


def test_a_move_the_table_does_not_have_is_refused(app, world, base):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    page = lead.get(_move(lead, base, "findings").location).get_data(as_text=True)
    assert "cannot move from 1. Decision to 3. Findings meeting" in page
    page = lead.get(_move(lead, base, "closed").location).get_data(as_text=True)
    assert "Your role does not allow this move" in page


def test_the_dashboard_lists_overdue_first_and_filters(app, world):
    with app.app_context(), _as_host(app, world):
        from tests.factories import case as make_case

        case = _case(app, world)
        second = make_case(case.location, stage=Stage.INITIAL_MEETING, reference="A-0002",
                           title="Overdue case")
        for row, decided in ((case, datetime.now(UTC)), (second, datetime(2026, 1, 5, tzinfo=UTC))):
            row.stage = Stage.INITIAL_MEETING
            db.session.add(Decision(tenant_id=world.host_a, case_id=row.id, threshold_assessment="t",
                                    outcome=DecisionOutcome.PROCEED, decided_at=decided))
        from tests.factories import action

        action(second, due_on=datetime(2026, 1, 9).date())
        db.session.flush()
        for row in (case, second):
            key_dates.refresh(row)  # as every operation on a case does (app.cases.operations)
        db.session.commit()
    client = sign_in(app.test_client(), world.users["host_a_viewer"])
    page = client.get(f"/authorities/{world.host_a}/cases").get_data(as_text=True)
    assert page.index("A-0002") < page.index(world.case_a_reference)
    assert "Overdue" in page and "1 overdue action" in page
    searched = client.get(f"/authorities/{world.host_a}/cases?q=a-0002").get_data(as_text=True)
    assert "A-0002" in searched and world.case_a_reference not in searched
    by_stage = client.get(f"/authorities/{world.host_a}/cases?stage=decision").get_data(as_text=True)
    assert "There are no cases to show" in by_stage


def test_procedure_settings_change_the_deadlines(app, world):
    with app.app_context(), _as_host(app, world):
        db.session.add(Decision(tenant_id=world.host_a, case_id=world.case_a, threshold_assessment="t",
                                outcome=DecisionOutcome.PROCEED,
                                decided_at=datetime(2026, 11, 27, 10, tzinfo=UTC)))
        _case(app, world).stage = Stage.INITIAL_MEETING
        db.session.commit()
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    path = f"/authorities/{world.host_a}/procedure-settings"
    values = {"inform_provider_working_days": 1, "initial_meeting_working_days": 10,
              "findings_meeting_working_days": 14, "improvement_plan_hours": 48,
              "closure_notice_hours": 24, "contract_review_months": 3,
              "project_meeting_cadence_days": 7, "reminder_working_days_before": 2,
              "right_of_reply_working_days": 5,
              "placing_chase_working_days": 2,
              "use_update_meetings": "y"}
    assert _post(dass, path, values).status_code == 302
    case_page = f"/authorities/{world.host_a}/cases/{world.case_a}"

    def initial_meeting_row() -> str:
        page = dass.get(case_page).get_data(as_text=True)
        return re.search(r'id="clock-initial_meeting">(.*?)</tr>', page, re.S).group(1)

    # The open case keeps the procedure it runs under until someone moves it over.
    assert "4 December 2026" in initial_meeting_row()
    assert _post(dass, f"{case_page}/procedure", {"reason": "Agreed at the team meeting"}).status_code == 302
    assert "11 December 2026" in initial_meeting_row()
    bad = _post(dass, path, {**values, "initial_meeting_working_days": "soon"})
    assert "govuk-error-summary" in bad.get_data(as_text=True)
    assert 'value="soon"' in bad.get_data(as_text=True)


def test_a_viewer_cannot_change_procedure_settings(app, world):
    viewer = sign_in(app.test_client(), world.users["host_a_viewer"])
    assert viewer.get(f"/authorities/{world.host_a}/procedure-settings").status_code == 403


def test_intelligence_with_an_impossible_date_keeps_what_was_typed(app, world, base):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    response = _post(lead, f"{base}/intelligence", {
        "source": "datix", "received_on": ["31", "2", "2026"], "count": "3",
        "summary": "Three Datix reports of pressure sores"})
    page = response.get_data(as_text=True)
    assert "Date received must be a real date" in page
    assert "Three Datix reports of pressure sores" in page and 'value="31"' in page
    missing = _post(lead, f"{base}/intelligence", {"source": "datix", "count": "3", "summary": "x"})
    assert "Enter the date the intelligence was received" in missing.get_data(as_text=True)


def test_the_history_page_shows_every_change(app, world, base):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _assess(lead, base)
    page = lead.get(f"{base}/history").get_data(as_text=True)
    assert "Threshold assessment recorded" in page and "A pattern of falls meets the threshold" in page


def test_a_correction_is_a_new_entry_and_the_trail_stays_intact(app, world, base):
    from app.audit.services import verify_chain

    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _assess(lead, base)
    with app.app_context(), _as_host(app, world):
        original = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.assessment_recorded"))
        original_hash = original.hash
    missing = _post(lead, f"{base}/history/corrections", {"event_id": original.id, "correction": "Typo",
                                                           "reason": ""}, token_from=f"{base}/history")
    assert "Enter the reason for the correction" in missing.get_data(as_text=True)
    assert "Typo" in missing.get_data(as_text=True)
    response = _post(lead, f"{base}/history/corrections", {
        "event_id": original.id, "correction": "Four falls, not five", "reason": "Miscounted"},
        token_from=f"{base}/history")
    assert response.status_code == 302
    with app.app_context(), _as_host(app, world):
        corrected = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.corrected"))
        assert corrected.object_id == original.id and corrected.reason == "Miscounted"
        assert db.session.get(AuditEvent, original.id).hash == original_hash
        assert verify_chain(db.session, world.host_a) == []
    page = lead.get(f"{base}/history").get_data(as_text=True)
    assert "Four falls, not five" in page
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "Correct an entry" not in title and '<h2 class="govuk-heading-m" id="correct">' in page


def test_stage_one_texts_are_kept_as_drafts_until_saved(app, world, base):
    from app.cases.drafts import Draft

    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    token = csrf_token(lead, f"{base}/assessment")
    saved = lead.post(f"{base}/drafts", data={"field": "threshold_assessment", "text": "Half-typed pattern"},
                      headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.json["field"] == "threshold_assessment"
    assert lead.post(f"{base}/drafts", data={"field": "title", "text": "x"},
                     headers={"X-CSRFToken": token}).status_code == 400
    page = lead.get(f"{base}/assessment").get_data(as_text=True)
    assert "We have put back text you typed but did not save" in page and "Half-typed pattern" in page
    other = sign_in(app.test_client(), world.users["host_a_dass"])
    assert "Half-typed pattern" not in other.get(f"{base}/assessment").get_data(as_text=True)
    _assess(lead, base)
    with app.app_context(), _as_host(app, world):
        assert db.session.scalar(select(Draft)) is None
    assert "put back" not in lead.get(f"{base}/assessment").get_data(as_text=True)


def test_the_next_project_management_meeting_follows_the_latest_one(app, world, base):
    _set_stage(app, world, Stage.QUALITY_ASSURANCE)
    _hold(app, world, MeetingKind.FINDINGS)
    with app.app_context(), _as_host(app, world):
        for held in (datetime(2026, 11, 1, 10, tzinfo=UTC), datetime.now(UTC)):
            db.session.add(Meeting(tenant_id=world.host_a, case_id=world.case_a,
                                   kind=MeetingKind.PROJECT_MANAGEMENT, scheduled_for=held, held_at=held))
        db.session.commit()
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    page = lead.get(base).get_data(as_text=True)
    row = re.search(r'id="clock-project_meeting">(.*?)</tr>', page, re.S).group(1)
    assert "Due" in row and "Overdue" not in row
