"""The staff side of quality assurance (issue 14 items 1, 5, 7 to 11): strategies,
telephone feedback, scrutiny, escalations, "you said, we did", the comparison and the guard on
moving to closing."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case, Stage
from app.extensions import db
from app.jobs.models import OutboxMessage
from app.quality.models import FeedbackResponse, FeedbackSource, QaActivity, QaStrategy
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in
from tests.support.mail import mailed_link
from tests.web.test_quality_feedback import FAMILY_EMAIL, answers, invite, submit


def _path(world) -> str:
    return f"/authorities/{world.host_a}/cases/{world.case_a}/quality"


def _host(world):
    return scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True))


def _post(client, world, tail: str, data: dict, page: str | None = None):
    token = csrf_token(client, page or _path(world))
    return client.post(f"{_path(world)}{tail}", data={**data, "csrf_token": token})


@pytest.fixture
def lead(app, world):
    return sign_in(app.test_client(), world.users["host_a_lead"])


def _answered(app, world, lead, phase: str, email: str, **ratings) -> None:
    invite(lead, world, phase=phase, email=email)
    link = mailed_link(app.config["MAIL_FOLDER"], email, "/feedback/")
    data = answers(**{f"{key}_rating": value for key, value in ratings.items()})
    assert submit(app.test_client(), link, data).status_code == 302


def _table_row(page: str, group: str, phase: str) -> list[str]:
    table = re.search(rf'id="chart-{group}-table">(.*?)</table>', page, re.S).group(1)
    first = re.search(r'<tr class="govuk-table__row">\s*<th scope="row".*?</tr>\s*<tr.*?</tr>',
                      table.split("<tbody", 1)[1], re.S).group(0)
    rows = re.findall(r"<tr.*?</tr>", first, re.S)
    row = next(r for r in rows if f">{phase}<" in r)
    return re.findall(r'govuk-table__cell--numeric">(\d+)<', row)


def test_the_comparison_counts_baseline_against_follow_up_apart_from_the_provider(app, world, lead):
    _answered(app, world, lead, "baseline", "one@family.example", safe="poor")
    _answered(app, world, lead, "baseline", "two@family.example", safe="poor")
    _answered(app, world, lead, "follow_up", "three@family.example", safe="good")
    with app.app_context(), _host(world):
        db.session.add(FeedbackResponse(
            tenant_id=world.host_a, case_id=world.case_a, source=FeedbackSource.PROVIDER,
            phase="follow_up", respondent_kind="resident", consent=True,
            answers={"safe": {"rating": "good", "comment": ""}}))
        db.session.commit()
    page = lead.get(_path(world)).get_data(as_text=True)
    # Columns: good, mixed, poor, not sure.
    assert _table_row(page, "independent", "Baseline") == ["0", "0", "2", "0"]
    assert _table_row(page, "independent", "Follow-up") == ["1", "0", "0", "0"]
    assert _table_row(page, "provider", "Follow-up") == ["1", "0", "0", "0"]
    assert _table_row(page, "provider", "Baseline") == ["0", "0", "0", "0"]
    svg = re.search(r'<svg class="app-chart__svg".*?</svg>', page, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "Baseline (2)" in svg


def test_a_telephone_call_follows_up_an_earlier_poor_answer(app, world, lead):
    _answered(app, world, lead, "baseline", FAMILY_EMAIL, safe="poor")
    with app.app_context(), _host(world):
        earlier = db.session.scalar(select(FeedbackResponse))
    form_page = f"{_path(world)}/telephone?earlier={earlier.id}"
    page = lead.get(form_page).get_data(as_text=True)
    assert "Earlier answer" in page and "Doors left open at night" in page
    data = {"call-earlier_response_id": str(earlier.id), "call-respondent_kind": "family",
            "call-phase": "follow_up", "call-caller_role": "QA officer", "call-consent": "y",
            "call-something_happened": "no",
            **{f"call-{key}_rating": "good" for key in ("safe", "caring", "needs_met", "well_led", "changed")}}
    refused = _post(lead, world, "/telephone", {**data, "call-caller_role": ""}, page=form_page)
    assert "Enter who made the call" in refused.get_data(as_text=True)
    assert _post(lead, world, "/telephone", data, page=form_page).status_code == 302
    with app.app_context(), _host(world):
        call = db.session.scalar(select(FeedbackResponse).where(
            FeedbackResponse.source == FeedbackSource.TELEPHONE))
        assert call.earlier_response_id == earlier.id and call.phase.value == "follow_up"
        assert call.caller_role == "QA officer"
    assert "Telephone" in lead.get(_path(world)).get_data(as_text=True)


def test_strategies_updates_scrutiny_and_escalations_are_recorded_and_audited(app, world, lead):
    assert _post(lead, world, "/strategy", {
        "strategy-outcomes_wanted": "Residents feel safe at night",
        "strategy-measures": "Family survey by the QA officer", "strategy-baseline": "4 of 10 safe",
        "strategy-agreed_on": ["2", "11", "2026"], "strategy-communication_scope": "service_wide",
        "strategy-communication_reason": "Every resident is affected",
        "strategy-who_tells_whom": "Lead officer writes to families"}).status_code == 302
    missing = _post(lead, world, "/strategy", {"strategy-outcomes_wanted": "Kept text"})
    assert "Select whether the concern is service-wide" in missing.get_data(as_text=True)
    assert "Kept text" in missing.get_data(as_text=True)
    assert _post(lead, world, "/communication-updates", {
        "update-sent_on": ["3", "11", "2026"], "update-audience": "Families",
        "update-how": "Letter", "update-summary": "A meeting on Friday",
        "update-before_emergency_decision": "y"}).status_code == 302
    assert _post(lead, world, "/activities", {
        "activity-kind": "staff_qa_visit", "activity-held_on": ["10", "11", "2026"],
        "activity-carried_out_by": "QA team", "activity-findings": "Night checks done",
        "activity-before_and_after": "Then: no checks. Now: hourly"}).status_code == 302
    assert _post(lead, world, "/escalations", {
        "escalation-escalated_on": ["11", "11", "2026"], "escalation-group_name": "QASIG",
        "escalation-reason": "Falls still red", "escalation-decision": "Embargo stays"}).status_code == 302
    page = lead.get(_path(world)).get_data(as_text=True)
    for text in ("Residents feel safe at night", "Before an emergency decision",
                 "Staff quality assurance visit", "Then: no checks. Now: hourly", "QASIG",
                 "Embargo stays"):
        assert text in page, text
    with app.app_context(), _host(world):
        assert db.session.scalar(select(QaStrategy)).communication_scope.value == "service_wide"
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"qa_strategy.saved", "communication_update.recorded", "qa_activity.recorded",
            "qa_escalation.recorded"} <= actions


def test_you_said_we_did_goes_to_respondents_and_anyone_with_the_code(app, world, lead):
    _answered(app, world, lead, "baseline", FAMILY_EMAIL, safe="poor")
    refused = _post(lead, world, "/summaries", {"summary-summary": ""})
    assert "Enter the summary" in refused.get_data(as_text=True)
    done = _post(lead, world, "/summaries", {"summary-summary": "You said nights felt unsafe.\nWe doubled night staff."})
    assert done.status_code == 302
    with app.app_context(), _host(world):
        sent = db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "you_said_we_did"))
        assert sent.recipient == FAMILY_EMAIL
    code = re.search(r"code <strong>([^<]+)</strong>", lead.get(_path(world)).get_data(as_text=True)).group(1)
    public = app.test_client().get(f"/you-said-we-did/{code}")
    text = public.get_data(as_text=True)
    assert public.status_code == 200 and "We doubled night staff." in text
    assert world.case_a_reference not in text and "Doors left open" not in text
    assert app.test_client().get(f"/you-said-we-did/{world.host_a}-NOTACODE").status_code == 404


def _move_to_closing(lead, world, override: str = ""):
    base = f"/authorities/{world.host_a}/cases/{world.case_a}"
    return lead.post(f"{base}/move", data={
        "csrf_token": csrf_token(lead, base), "target": "closing", "reason": "QA done",
        "override_reason": override})


def _stage(app, world) -> Stage:
    with app.app_context(), _host(world):
        return db.session.get(Case, world.case_a).stage


@pytest.fixture
def at_quality_assurance(app, world):
    with app.app_context(), _host(world):
        db.session.get(Case, world.case_a).stage = Stage.QUALITY_ASSURANCE
        db.session.commit()


def test_closing_needs_follow_up_feedback_and_independent_scrutiny(app, world, lead,
                                                                   at_quality_assurance):
    page = lead.get(f"/authorities/{world.host_a}/cases/{world.case_a}").get_data(as_text=True)
    assert "No follow-up feedback has been recorded" in page
    assert "No independent scrutiny activity has been recorded" in page
    _move_to_closing(lead, world)
    assert _stage(app, world) is Stage.QUALITY_ASSURANCE
    _answered(app, world, lead, "follow_up", FAMILY_EMAIL, safe="good")
    # A residents' meeting is not independent scrutiny.
    with app.app_context(), _host(world):
        db.session.add(QaActivity(tenant_id=world.host_a, case_id=world.case_a,
                                  kind="residents_meeting", held_on=date(2026, 11, 2),
                                  carried_out_by="Lead officer", findings="Calmer"))
        db.session.commit()
    _move_to_closing(lead, world)
    assert _stage(app, world) is Stage.QUALITY_ASSURANCE
    _post(lead, world, "/activities", {
        "activity-kind": "healthwatch_visit", "activity-held_on": ["10", "11", "2026"],
        "activity-carried_out_by": "Healthwatch", "activity-findings": "Improved"})
    _move_to_closing(lead, world)
    assert _stage(app, world) is Stage.CLOSING


def test_closing_without_quality_assurance_needs_a_recorded_reason(app, world, lead,
                                                                   at_quality_assurance):
    _move_to_closing(lead, world, override="The home closed; no residents could be asked")
    assert _stage(app, world) is Stage.CLOSING
    with app.app_context(), _host(world):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.stage_changed"))
        assert event.new_values["override_reason"] == "The home closed; no residents could be asked"
        assert any("follow-up feedback" in reason for reason in event.new_values["overridden"])


def _error_links_reach_their_fields(page: str) -> list[str]:
    summary = re.search(r'class="govuk-error-summary".*?</div>\s*</div>', page, re.S).group(0)
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert targets
    for target in targets:
        assert f'id="{target}"' in page, target
    return targets


def _marked_section(page: str) -> list[str]:
    nav = re.search(r'<nav class="app-sub-navigation" aria-label="Sections of this case">(.*?)</nav>',
                    page, re.S).group(1)
    return re.findall(r'<a [^>]*href="([^"]+)"[^>]*aria-current="(?:page|true)"', nav)


def test_a_failed_form_comes_back_in_the_section_with_its_errors_and_input(app, world, lead):
    failed = _post(lead, world, "/activities", {
        "activity-carried_out_by": "Healthwatch Host A", "activity-findings": ""})
    page = failed.get_data(as_text=True)
    assert failed.status_code == 200
    assert page.startswith("<!DOCTYPE html>") and "<title>Error: Quality assurance" in page
    assert "Enter the findings" in page and 'value="Healthwatch Host A"' in page
    assert "activity-findings" in _error_links_reach_their_fields(page)
    # The section the form belongs to is marked in the sub-navigation.
    assert _marked_section(page) == [_path(world)]


def test_a_failed_triage_links_its_error_to_the_note_of_that_answer(app, world, lead):
    invite(lead, world, email=FAMILY_EMAIL)
    link = mailed_link(app.config["MAIL_FOLDER"], FAMILY_EMAIL, "/feedback/")
    assert submit(app.test_client(), link, answers("yes")).status_code == 302
    with app.app_context(), _host(world):
        response_id = db.session.scalar(select(FeedbackResponse.id))
    refused = _post(lead, world, f"/responses/{response_id}/triage", {"triage-note": ""})
    page = refused.get_data(as_text=True)
    assert "Enter the outcome of the triage" in page
    assert _error_links_reach_their_fields(page) == [f"triage-note-{response_id}"]
