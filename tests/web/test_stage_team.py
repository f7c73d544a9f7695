"""The stage process as a council team meets it (issue 10): the provider told before it sees
a case, the Improvement Plan received, clocks that read the latest event, guards on closing,
read-only closed cases, obligations after closing, the host's key dates for placing
authorities, themes, and the pages' words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases import key_dates, services
from app.cases.clocks import LONDON, ClockStatus
from app.cases.models import Case, Decision, DecisionOutcome, Stage
from app.cases.procedure_settings import settings_for
from app.db import utcnow
from app.emergency.models import EmergencyPlan, PlacementRestriction, PlanKind, RestrictionKind
from app.extensions import db
from app.meetings.models import FinalDecision, Meeting, MeetingKind
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import csrf_token, sign_in


@pytest.fixture
def base(world):
    return f"/authorities/{world.host_a}/cases/{world.case_a}"


def _host(world):
    return scoped_as(db.session, Scope(tenant_id=world.host_a))


def _user_id(email: str) -> int:
    return db.session.scalar(select(User.id).where(User.email == email))


def _post(client, path, data, token_from=None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from or path)})


def _decided(app, world, hours_ago: int = 2, **case_values):
    """Put host A's case past the DASS decision (proceed), ``hours_ago``."""
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        case.stage = case_values.pop("stage", Stage.INITIAL_MEETING)
        case.lead_officer_id = _user_id(world.users["host_a_lead"])
        db.session.add(Decision(tenant_id=world.host_a, case_id=case.id, threshold_assessment="Met",
                                recommendation="Proceed", outcome=DecisionOutcome.PROCEED,
                                reason="Met", decided_at=utcnow() - timedelta(hours=hours_ago)))
        for key, value in case_values.items():
            setattr(case, key, value)
        db.session.commit()


def _hold(app, world, kind, held_at, **values):
    with app.app_context(), _host(world):
        db.session.add(Meeting(tenant_id=world.host_a, case_id=world.case_a, kind=kind,
                               scheduled_for=held_at, held_at=held_at, **values))
        db.session.commit()


def _clocks(app, world, now=None) -> dict:
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        clocks = services.clocks_of(case, services.held_meetings([case.id])[case.id], now)
        return {clock.key: clock for clock in clocks}


def _refresh_key_dates(app, world):
    with app.app_context(), _host(world):
        key_dates.refresh(db.session.get(Case, world.case_a))
        db.session.commit()


def _provider_home(app, world) -> str:
    provider = sign_in(app.test_client(), world.users["provider_a_manager"], provider=True)
    return provider.get("/provider/").get_data(as_text=True)


def _told_form(moment: datetime, **extra) -> dict:
    local = moment.astimezone(LONDON)
    return {"day": [str(local.day), str(local.month), str(local.year)],
            "time": local.strftime("%H:%M"), "how": "Telephone", "told_by_id": extra.pop("by"),
            "backdate_reason": "", **extra}


# 8. The home page shows the cases.

def test_the_home_page_shows_the_cases_to_act_on_with_their_next_deadline(app, world):
    _decided(app, world, hours_ago=1)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    page = lead.get(f"/authorities/{world.host_a}/").get_data(as_text=True)
    assert "There are no cases to show" not in page
    assert world.case_a_reference in page and "Inform the provider of the decision" in page
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    shared = placing.get(f"/authorities/{world.placing_shared}/").get_data(as_text=True)
    assert world.case_a_reference in shared and world.case_b_reference not in shared


# 9. The DASS decision page shows the recommendation as text, not as markup.

def test_the_dass_decision_page_shows_the_recommendation_not_its_markup(app, world, base):
    with app.app_context(), _host(world):
        db.session.add(Decision(tenant_id=world.host_a, case_id=world.case_a, threshold_assessment="Met",
                                recommendation="Proceed <b>now</b> & appoint a lead"))
        db.session.commit()
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    page = dass.get(f"{base}/decision").get_data(as_text=True)
    assert '<p class="govuk-body"><strong>Recommendation:</strong> ' in page
    assert "&lt;p class" not in page
    assert "Proceed &lt;b&gt;now&lt;/b&gt; &amp; appoint a lead" in page  # the text stays escaped


# 5. The provider sees a case only once told; police or coroner advice keeps it out.

def test_the_provider_sees_a_case_only_once_the_host_records_it_was_told(app, world, base):
    _decided(app, world, hours_ago=1)
    assert world.case_a_reference not in _provider_home(app, world)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    with app.app_context():
        lead_id = _user_id(world.users["host_a_lead"])
    told_at = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=5)
    response = _post(lead, f"{base}/provider-told", _told_form(told_at, by=lead_id))
    assert response.status_code == 302
    assert world.case_a_reference in _provider_home(app, world)
    clocks = _clocks(app, world)
    assert clocks["inform_provider"].status is ClockStatus.MET
    assert clocks["inform_provider"].met_at == told_at
    page = lead.get(base).get_data(as_text=True)
    assert "Telephone" in page and "The provider can see this case" in page
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        assert (case.provider_informed_how, case.provider_informed_by_id) == ("Telephone", lead_id)
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.provider_informed"))


def test_recording_the_provider_told_on_an_earlier_day_needs_a_reason(app, world, base):
    _decided(app, world, hours_ago=72)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    with app.app_context():
        lead_id = _user_id(world.users["host_a_lead"])
    earlier = utcnow() - timedelta(days=2)
    refused = _post(lead, f"{base}/provider-told", _told_form(earlier, by=lead_id))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert "Give the reason for recording this after the day it happened" in page
    assert world.case_a_reference not in _provider_home(app, world)
    future = _post(lead, f"{base}/provider-told", _told_form(utcnow() + timedelta(days=1), by=lead_id))
    assert "must be now or in the past" in future.get_data(as_text=True)
    accepted = _post(lead, f"{base}/provider-told",
                     _told_form(earlier, by=lead_id, backdate_reason="Phoned from home; no access"))
    assert accepted.status_code == 302
    with app.app_context(), _host(world):
        assert db.session.get(Case, world.case_a).provider_informed_backdate_reason == (
            "Phoned from home; no access")


def test_police_advice_pauses_the_clock_and_keeps_the_provider_out_until_lifted(app, world, base):
    _decided(app, world, hours_ago=1)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    with app.app_context():
        lead_id = _user_id(world.users["host_a_lead"])
    response = _post(lead, f"{base}/provider-kept-out", {
        "reason": "A criminal investigation would be compromised", "advised_by": "DS Patel, police",
        "agreed_by_id": lead_id})
    assert response.status_code == 302
    assert _clocks(app, world)["inform_provider"].status is ClockStatus.PAUSED
    # Told while kept out: refused, and the provider still sees nothing.
    refused = _post(lead, f"{base}/provider-told", _told_form(utcnow() - timedelta(minutes=1), by=lead_id))
    assert "lift it first" in refused.get_data(as_text=True)
    assert world.case_a_reference not in _provider_home(app, world)
    # A week later the clock is still paused, not overdue.
    assert _clocks(app, world, utcnow() + timedelta(days=7))["inform_provider"].status is ClockStatus.PAUSED
    page = lead.get(base).get_data(as_text=True)
    assert "DS Patel, police" in page and "Paused" in page
    lifted = _post(lead, f"{base}/provider-kept-out/lift", {"lift_reason": "Police agree"})
    assert lifted.status_code == 302
    clock = _clocks(app, world)["inform_provider"]
    assert clock.status is ClockStatus.RUNNING
    with app.app_context(), _host(world):
        exclusion = db.session.get(Case, world.case_a).exclusions[0]
        assert clock.started_at == exclusion.lifted_at  # the clock runs again from the lifting
        assert (exclusion.advised_by, exclusion.agreed_by_id, exclusion.lifted_reason) == (
            "DS Patel, police", lead_id, "Police agree")
    told = _post(lead, f"{base}/provider-told", _told_form(utcnow() - timedelta(seconds=30), by=lead_id))
    assert told.status_code == 302
    assert world.case_a_reference in _provider_home(app, world)


def test_advice_given_after_the_provider_was_told_hides_the_case_again(app, world, base):
    _decided(app, world, hours_ago=30, provider_informed_at=utcnow() - timedelta(hours=20))
    assert world.case_a_reference in _provider_home(app, world)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    with app.app_context():
        lead_id = _user_id(world.users["host_a_lead"])
    _post(lead, f"{base}/provider-kept-out", {"reason": "Coroner's inquest", "advised_by": "Coroner",
                                              "agreed_by_id": lead_id})
    assert world.case_a_reference not in _provider_home(app, world)
    with app.app_context(), _host(world):
        assert db.session.get(Case, world.case_a).exclusions[0].stage is Stage.INITIAL_MEETING


# 2. Host staff record the Improvement Plan received.

def test_recording_the_plan_received_stops_its_clock_and_starts_the_contract_review(app, world, base):
    findings_at = utcnow().replace(second=0, microsecond=0) - timedelta(hours=30)
    _decided(app, world, hours_ago=24 * 30, stage=Stage.FINDINGS)
    _hold(app, world, MeetingKind.FINDINGS, findings_at)
    before = _clocks(app, world)
    assert before["improvement_plan"].status is ClockStatus.RUNNING
    assert before["contract_review"].status is ClockStatus.NOT_STARTED
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    page = lead.get(base).get_data(as_text=True)
    assert "Record the Improvement Plan as received" in page
    missing = _post(lead, f"{base}/plan-received", {"time": "10:00"})
    assert "Select how the Improvement Plan arrived" in missing.get_data(as_text=True)
    received = (findings_at + timedelta(hours=20)).astimezone(LONDON)
    response = _post(lead, f"{base}/plan-received", {
        "day": [str(received.day), str(received.month), str(received.year)],
        "time": received.strftime("%H:%M"), "how": "Email"})
    assert response.status_code == 302
    after = _clocks(app, world)
    assert after["improvement_plan"].status is ClockStatus.MET
    assert after["contract_review"].status is ClockStatus.RUNNING
    assert after["contract_review"].started_at == received
    with app.app_context(), _host(world):
        assert db.session.get(Case, world.case_a).plan_received_how == "Email"


# 3. Clocks read the latest relevant event.

def test_the_closure_notice_clock_starts_from_the_final_meeting_that_decided_to_close(app, world):
    _decided(app, world, hours_ago=24 * 100, stage=Stage.CLOSING)
    first = utcnow() - timedelta(days=20)
    _hold(app, world, MeetingKind.FINAL, first, final_decision=FinalDecision.CONTINUE)
    assert _clocks(app, world)["closure_notice"].status is ClockStatus.NOT_STARTED
    second = utcnow().replace(microsecond=0) - timedelta(hours=2)
    _hold(app, world, MeetingKind.FINAL, second, final_decision=FinalDecision.CLOSE,
          sustainability_rationale="Stable audits")
    clock = _clocks(app, world)["closure_notice"]
    assert clock.status is ClockStatus.RUNNING and clock.started_at == second


# 7. Guards on closing; a closed case is read-only.

def _ready_to_close(app, world):
    _decided(app, world, hours_ago=24 * 100, stage=Stage.CLOSING)
    _hold(app, world, MeetingKind.FINAL, utcnow() - timedelta(hours=1),
          final_decision=FinalDecision.CLOSE, sustainability_rationale="Stable audits")


def _close(client, base, **extra):
    return client.post(f"{base}/move", data={"target": "closed", "reason": "Agreed",
                                             "csrf_token": csrf_token(client, base), **extra})


def test_closing_is_held_back_by_open_plans_restrictions_risks_and_actions(app, world, base):
    _ready_to_close(app, world)
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        db.session.add(EmergencyPlan(tenant_id=world.host_a, case_id=case.id,
                                     kind=PlanKind.PLANNED_CLOSURE, reason="Home closing",
                                     invoked_at=utcnow()))
        db.session.add(PlacementRestriction(tenant_id=world.host_a, case_id=case.id,
                                            kind=RestrictionKind.EMBARGO, reason="Embargo",
                                            started_on=utcnow().date() - timedelta(days=30)))
        db.session.add(PlacementRestriction(tenant_id=world.host_a, case_id=case.id,
                                            kind=RestrictionKind.VOLUNTARY_SUSPENSION, reason="Ended",
                                            started_on=utcnow().date() - timedelta(days=30),
                                            ended_on=utcnow().date() - timedelta(days=1)))
        db.session.commit()
        factories.risk(case, likelihood=5, impact=4)
        factories.risk(case, likelihood=1, impact=1)  # low: not a guard
        from app.actions.models import OwnerKind
        factories.action(case, owner_kind=OwnerKind.PROVIDER)
        factories.action(case)  # handed over to another agency: not a guard
        db.session.commit()
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    page = lead.get(_close(lead, base).location).get_data(as_text=True)
    assert "A placement restriction is still in force" in page
    for reason in ("An emergency plan is still active", "1 high risk is still open",
                   "1 action is still open: close it or hand it over"):
        assert reason in page
    with app.app_context(), _host(world):
        assert db.session.get(Case, world.case_a).stage is Stage.CLOSING
    assert "Why the case can close with these still open" in page
    _close(lead, base, override_reason="The plan continues under contract monitoring")
    with app.app_context(), _host(world):
        assert db.session.get(Case, world.case_a).stage is Stage.CLOSED
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.stage_changed"))
        assert event.new_values["override_reason"] == "The plan continues under contract monitoring"
        assert "An emergency plan is still active" in event.new_values["overridden"]


def test_closing_still_needs_the_final_meetings_decision_whatever_the_reason(app, world, base):
    _decided(app, world, hours_ago=24 * 100, stage=Stage.CLOSING)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _close(lead, base, override_reason="We want to close")
    with app.app_context(), _host(world):
        assert db.session.get(Case, world.case_a).stage is Stage.CLOSING


def test_a_closed_case_is_read_only_except_its_obligations_after_closing(app, world, base):
    _ready_to_close(app, world)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _close(lead, base)
    page = lead.get(base).get_data(as_text=True)
    assert "This case is closed" in page
    for offer in ("Add a risk", "Schedule a meeting", ">Change<", "Add an action", "Add intelligence"):
        assert offer not in page, offer
    token = csrf_token(lead, base)
    for path, data in ((f"{base}/themes", {"themes": "Late change"}),
                       (f"{base}/risks/new", {"title": "Late risk"}),
                       (f"{base}/intelligence", {"summary": "Late"})):
        response = lead.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 409, path
        assert "This case is closed" in response.get_data(as_text=True)
    emergency = lead.get(f"{base}/emergency").get_data(as_text=True)
    assert "Invoke an emergency plan" not in emergency
    review = lead.post(f"{base}/closure/contract-review", data={
        "csrf_token": token, "reviewed_on": ["1", "12", "2026"], "outcome": "Sustained"})
    assert review.status_code == 302  # an obligation after closing stays open to the host
    with app.app_context(), _host(world):
        assert db.session.get(Case, world.case_a).themes == ""


# 4. Obligations after closing stay in view.

def test_a_closed_case_owing_its_closure_notice_stays_on_the_dashboard_after_closing(app, world, base):
    _ready_to_close(app, world)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    _close(lead, base)
    listing = lead.get(f"/authorities/{world.host_a}/cases").get_data(as_text=True)
    after = listing.split('id="after-closing"', 1)
    assert len(after) == 2 and world.case_a_reference in after[1]
    assert "Notify the provider and CQC of closure" in after[1]
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        case.closure_notified_at = utcnow()
        case.contract_review_at = utcnow()
        key_dates.refresh(case)  # as the closing operations do
        db.session.commit()
    listing = lead.get(f"/authorities/{world.host_a}/cases").get_data(as_text=True)
    assert 'id="after-closing"' not in listing and world.case_a_reference not in listing


# 6. Placing authorities read the host's key dates.

def test_a_placing_authority_sees_the_deadlines_the_host_computed(app, world, base):
    with app.app_context(), _host(world):
        settings = settings_for(world.host_a)
        settings.inform_provider_working_days = 5  # not the default of 1
        db.session.add(settings)
        db.session.commit()
    _decided(app, world, hours_ago=1)
    _refresh_key_dates(app, world)
    host_clock = _clocks(app, world)["inform_provider"]
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    page = placing.get(f"/authorities/{world.placing_shared}/cases/{world.case_a}").get_data(as_text=True)
    row = re.search(r'id="clock-inform_provider">(.*?)</tr>', page, re.S).group(1)
    assert host_clock.due_label in row and "Due" in row
    listing = placing.get(f"/authorities/{world.placing_shared}/cases").get_data(as_text=True)
    assert host_clock.due_label in listing
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
        rows = services.dashboard(world.placing_shared, services.DashboardFilter()).cases.items
        assert rows[0].next_clock.due_day == host_clock.due_day


def test_a_host_change_refreshes_what_the_placing_authority_reads(app, world, base):
    _decided(app, world, hours_ago=1)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    with app.app_context():
        lead_id = _user_id(world.users["host_a_lead"])
    _post(lead, f"{base}/provider-told", _told_form(utcnow() - timedelta(minutes=1), by=lead_id))
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
        case = db.session.get(Case, world.case_a)
        clocks = {c.key: c for c in services.clocks_for_reader(case, world.placing_shared)}
        assert clocks["inform_provider"].status is ClockStatus.MET


# 12. Themes.

def test_the_host_records_and_changes_themes_and_the_placing_authority_reads_them(app, world, base):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    assert "Change" in lead.get(base).get_data(as_text=True)
    assert _post(lead, f"{base}/themes", {"themes": "Medication, staffing"}).status_code == 302
    assert _post(lead, f"{base}/themes", {"themes": "Medication, staffing, records"}).status_code == 302
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    shared = placing.get(f"/authorities/{world.placing_shared}/cases/{world.case_a}").get_data(as_text=True)
    assert "Medication, staffing, records" in shared and "None recorded" not in shared
    assert placing.get(f"/authorities/{world.placing_shared}/cases/{world.case_a}/themes").status_code == 403


# 11. Words and layout a team would trip over.

def test_a_number_that_is_not_a_number_gets_a_gov_uk_message(app, world, base):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    page = _post(lead, f"{base}/intelligence", {"source": "datix", "received_on": ["1", "11", "2026"],
                                                 "count": "three", "summary": "Reports"}).get_data(as_text=True)
    assert "Number of reports must be a whole number, like 3" in page
    assert "Not a valid integer value" not in page
    admin = sign_in(app.test_client(), world.users["host_a_dass"])
    path = f"/authorities/{world.host_a}/procedure-settings"
    settings_page = _post(admin, path, {"inform_provider_working_days": "one"}).get_data(as_text=True)
    assert "must be a whole number, like 3" in settings_page and "Not a valid integer" not in settings_page
    assert "Enter a number from 0 to 30" not in settings_page  # one message, not two


def test_one_overdue_action_is_past_its_due_date(app, world, base):
    with app.app_context():
        from app.actions.models import OwnerKind

        with _host(world):
            case = db.session.get(Case, world.case_a)
            factories.action(case, owner_kind=OwnerKind.PROVIDER,
                             due_on=(utcnow() - timedelta(days=3)).date())
            db.session.commit()
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    page = lead.get(f"{base}/risks-and-actions").get_data(as_text=True)
    assert "action is past its due date" in page and "past their due date" not in page


def test_the_audit_trail_shows_names_and_dates_not_internals(app, world, base):
    _assess_and_decide = sign_in(app.test_client(), world.users["host_a_lead"])
    _post(_assess_and_decide, f"{base}/assessment", {"threshold_assessment": "Met",
                                                      "recommendation": "Proceed"})
    with app.app_context():
        lead_id = _user_id(world.users["host_a_lead"])
        lead_name = db.session.get(User, lead_id).name
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    _post(dass, f"{base}/decision", {"outcome": "proceed", "reason": "Threshold met",
                                     "lead_officer_id": lead_id, "chair_id": 0})
    page = dass.get(f"{base}/history").get_data(as_text=True)
    audit = page.split("Audit trail", 1)[1]
    assert "DASS decision recorded" in audit and "case.decided" not in audit
    assert f"Lead officer: {lead_name}" in audit
    assert "lead_officer_id" not in audit and "user_id" not in audit
    assert "Outcome: proceed" in audit


def test_the_audit_trail_names_the_provider_not_its_id(app, world):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    path = f"/authorities/{world.host_a}/cases/new"
    opened = _post(lead, path, {"provider_id": world.provider_a, "location_id": 0,
                                "title": "Named in the trail", "summary": ""})
    history = lead.get(f"{opened.location.split('#')[0]}/history").get_data(as_text=True)
    audit = history.split("Audit trail", 1)[1]
    assert "Case opened" in audit and "Provider: Provider A Ltd" in audit
    assert f"Provider: {world.provider_a}<" not in audit
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", audit)
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}:\d{2}[ap]m", audit)


def test_procedure_settings_highlight_one_navigation_item(app, world):
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    page = dass.get(f"/authorities/{world.host_a}/procedure-settings").get_data(as_text=True)
    active = re.findall(r'govuk-service-navigation__item--active', page)
    assert len(active) == 1
    assert re.search(r'govuk-service-navigation__item--active">\s*<a[^>]*>\s*(<strong[^>]*>)?\s*Procedure', page)


def test_buttons_side_by_side_sit_in_a_button_group(app, world, base):
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    page = dass.get(f"{base}/assessment-and-decision").get_data(as_text=True)
    groups = re.findall(r'<div class="govuk-button-group">(.*?)</div>', page, re.S)
    assert any("threshold assessment" in group and "Record the DASS decision" in group
               for group in groups)


def test_time_moves_the_placing_authoritys_clock_from_due_to_overdue(app, world):
    """Statuses are worked out on reading from the stored dates, not frozen when stored."""
    _decided(app, world, hours_ago=1)
    _refresh_key_dates(app, world)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
        case = db.session.get(Case, world.case_a)
        later = utcnow() + timedelta(days=10)
        clocks = {c.key: c for c in key_dates.clocks_from(case.key_dates, later)}
        assert clocks["inform_provider"].status is ClockStatus.OVERDUE
        assert clocks["findings_meeting"].status is ClockStatus.NOT_STARTED


def test_a_placing_authority_cannot_read_the_exclusion_record(app, world, base):
    _decided(app, world, hours_ago=1)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    with app.app_context():
        lead_id = _user_id(world.users["host_a_lead"])
    _post(lead, f"{base}/provider-kept-out", {"reason": "Secret police operation", "advised_by": "DI Jones",
                                              "agreed_by_id": lead_id})
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    page = placing.get(f"/authorities/{world.placing_shared}/cases/{world.case_a}").get_data(as_text=True)
    assert "Secret police operation" not in page and "DI Jones" not in page


def test_held_at_is_used_as_london_time_in_the_clock_dates(app, world):
    """A guard against mixing naive and aware moments in the stored key dates."""
    _decided(app, world, hours_ago=1)
    _refresh_key_dates(app, world)
    with app.app_context(), _host(world):
        stored = db.session.get(Case, world.case_a).key_dates
        started = next(row for row in stored if row["key"] == "inform_provider")["started_at"]
        assert datetime.fromisoformat(started).tzinfo is not None
        assert datetime.fromisoformat(started) <= datetime.now(UTC)


def test_new_timescales_move_the_deadlines_a_placing_authority_reads(app, world):
    _decided(app, world, hours_ago=1)
    _refresh_key_dates(app, world)
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    path = f"/authorities/{world.host_a}/procedure-settings"
    values = {"inform_provider_working_days": 10, "initial_meeting_working_days": 5,
              "findings_meeting_working_days": 14, "improvement_plan_hours": 48,
              "closure_notice_hours": 24, "contract_review_months": 3,
              "project_meeting_cadence_days": 7, "reminder_working_days_before": 2,
              "right_of_reply_working_days": 5,
              "placing_chase_working_days": 2,
              "use_update_meetings": "y"}
    assert _post(dass, path, values).status_code == 302
    # The open case keeps its procedure until it is moved over; then the placing authority
    # reads the new deadline.
    moved = _post(dass, f"/authorities/{world.host_a}/cases/{world.case_a}/procedure",
                  {"reason": "New timescales agreed"})
    assert moved.status_code == 302
    host_clock = _clocks(app, world)["inform_provider"]
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
        case = db.session.get(Case, world.case_a)
        clocks = {c.key: c for c in services.clocks_for_reader(case, world.placing_shared)}
        assert clocks["inform_provider"].due_day == host_clock.due_day


def test_the_provider_is_not_told_before_the_dass_decides(app, world, base):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    with app.app_context():
        lead_id = _user_id(world.users["host_a_lead"])
    page = lead.get(base).get_data(as_text=True)
    assert "Record that the provider was told" not in page
    refused = _post(lead, f"{base}/provider-told", _told_form(utcnow() - timedelta(minutes=1), by=lead_id))
    assert "record it first" in refused.get_data(as_text=True)
    assert world.case_a_reference not in _provider_home(app, world)


def test_the_refresh_command_fills_key_dates_for_cases_that_predate_them(app, world):
    _decided(app, world, hours_ago=1)
    with app.app_context(), _host(world):
        assert db.session.get(Case, world.case_a).key_dates is None  # set directly, never refreshed
    result = app.test_cli_runner().invoke(args=["refresh-key-dates"])
    assert result.exit_code == 0 and "Key dates refreshed for 2 cases" in result.output
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
        case = db.session.get(Case, world.case_a)
        clocks = {c.key: c for c in services.clocks_for_reader(case, world.placing_shared)}
        assert clocks["inform_provider"].status is ClockStatus.RUNNING


def test_the_platform_admin_sets_an_authoritys_short_code_for_references(app, world):
    from app.tenants.models import Authority

    admin = sign_in(app.test_client(), world.users["platform_admin"])
    path = f"/admin/authorities/{world.host_a}/edit"
    bad = _post(admin, path, {"name": "Host A County Council", "code": "E0AAAA", "kind": "local_authority",
                              "reference_prefix": "W1"})
    assert "Short code must be 2 to 6 letters" in bad.get_data(as_text=True)
    assert _post(admin, path, {"name": "Host A County Council", "code": "E0AAAA",
                               "kind": "local_authority", "reference_prefix": "ha"}).status_code == 302
    with app.app_context():
        assert db.session.get(Authority, world.host_a).case_reference_prefix == "HA"
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    new = f"/authorities/{world.host_a}/cases/new"
    opened = _post(lead, new, {"provider_id": world.provider_a, "location_id": 0, "title": "Coded",
                               "summary": ""})
    year = utcnow().astimezone(LONDON).year
    assert f"HA-{year}-0001" in lead.get(opened.location).get_data(as_text=True)
