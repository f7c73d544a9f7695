"""Out-of-area arrangements in Chromium on PostgreSQL (row-level security on): the host
imports residents from the provider's list and alerts the placing authorities; one
acknowledges, names its link person, reviews its resident and updates the action it owns; the
host's coverage table shows it; the ones that have not acknowledged are chased by the sweep
(an RQ worker on a real Redis) and then escalated to the lead officer."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.conftest import TEST_DATABASE
from tests.e2e.test_stage_journey import _fill_date, _sign_in
from tests.integration.test_sweep import _burst, _worker_settings
from tests.support.processes import RedisServer
from tests.support.services import OWNER_ROLE, url

pytestmark = pytest.mark.browser

HOST_LEAD = "lead.officer@wexbridge.example"
EASTVALE_LEAD = "lead.officer@eastvale.example"
CASE_TITLE = "Falls and unexplained injuries"  # at Harbour Lights Nursing Home, shared with two
LIST = (
    b"First name,Last name,Date of birth,Room or address,Funding,Placing authority,Second funder\n"
    b"Ivy,Eastvale-Placed,04/05/1936,Room 21,Local authority,Eastvale Borough Council,\n"
    b"Jack,Eastvale-Placed,11/11/1940,Room 22,Joint council and ICB,Eastvale Borough Council,Southdown ICB\n"
    b"Kit,Self-Funding,01/02/1945,Room 23,Self-funded,,\n"
)


def _authority_path(page: Page) -> str:
    return re.search(r"/authorities/\d+", page.url).group(0)


def _import_residents(page: Page) -> None:
    page.goto(_authority_path(page) + "/residents")
    page.get_by_role("button", name="Import a list from the provider").click()
    value = page.locator("option", has_text="Harbour Lights Nursing Home").get_attribute("value")
    page.get_by_label("Where these people live or use the service").select_option(value)
    page.get_by_label("Upload the list").set_input_files(
        {"name": "harbour-lights.csv", "mimeType": "text/csv", "buffer": LIST})
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("3 people will be added")).to_be_visible()
    page.get_by_role("button", name="Import these people").click()
    expect(page.get_by_text("3 people added to the register at Harbour Lights Nursing Home")).to_be_visible()


def _open_case(page: Page) -> str:
    page.goto(_authority_path(page) + "/cases")
    page.locator("tr", has_text=CASE_TITLE).get_by_role("link").first.click()
    return page.url


def _alert(page: Page, case_url: str) -> None:
    page.goto(case_url)
    page.get_by_role("navigation", name="Sections of this case").get_by_role(
        "link", name="Residents and placing authorities").click()
    page.get_by_role("button", name=re.compile(r"^Alert \d+ placing authorit")).click()
    page.get_by_label("Service-wide: a concern about the whole service").check()
    page.get_by_label("Why this level").fill("Falls affect residents across the home")
    page.get_by_label("What the concern is").fill("Unexplained injuries and unreported falls")
    page.get_by_label("What is planned").fill("Initial meeting this week; daily visits")
    page.get_by_role("button", name="Alert the placing authorities").click()
    expect(page.get_by_text(re.compile(r"\d+ placing authorities alerted\."))).to_be_visible()
    expect(page.locator("#coverage tr", has_text="Eastvale Borough Council")).to_contain_text(
        "Alerted, not acknowledged")


def _give_eastvale_an_action(page: Page, case_url: str) -> None:
    page.goto(case_url + "/risks-and-actions")
    page.get_by_role("button", name="Add an action").click()
    page.get_by_label("Action", exact=True).fill("Review Eastvale's residents' care plans")
    page.get_by_label("Owner").select_option(label="Eastvale Borough Council")
    _fill_date(page, "Due date", date.today() + timedelta(days=14))
    page.get_by_role("button", name="Add action").click()
    expect(page.locator("#actions").get_by_role("cell", name="Review Eastvale's residents' care plans", exact=True)).to_be_visible()


def _eastvale_does_its_part(page: Page, case_path: str) -> None:
    page.goto(_authority_path(page) + case_path)
    page.get_by_label("Your link person for this concern").fill("Erin Link")
    page.get_by_label("Their email address (optional)").fill("erin.link@eastvale.example")
    page.get_by_role("button", name="Acknowledge the alert").click()
    expect(page.get_by_text("will contact Erin Link")).to_be_visible()
    # The action the host gave it: its status and a note, which the host sees.
    page.get_by_role("navigation", name="Sections of this case").get_by_role(
        "link", name="Risks and actions").click()
    page.locator("#actions").get_by_role("link", name=re.compile("^Update")).first.click()
    page.get_by_label("In progress").check()
    page.get_by_label("Note for the host (optional)").fill("Two of three plans reviewed")
    page.get_by_role("button", name="Send the update to the host").click()
    expect(page.locator("#actions tr", has_text="Review Eastvale's")).to_contain_text(
        "Your update")
    # Its residents: the two it places or funds, never the self-funder.
    page.goto(_authority_path(page) + "/residents")
    expect(page.get_by_role("link", name="Jack Eastvale-Placed")).to_be_visible()
    expect(page.get_by_text("Kit Self-Funding")).to_have_count(0)
    page.get_by_role("link", name="Ivy Eastvale-Placed").click()
    page.get_by_role("button", name="Record a review").click()
    _fill_date(page, "Date of the review", date.today())
    page.get_by_label("Outcome of the review").fill("Settled; bruising explained by a fall in May")
    page.get_by_role("group", name="Are the person's needs met at this service?").get_by_label("Yes").check()
    page.get_by_role("group", name="Deprivation of Liberty Safeguards (DoLS)").get_by_label("Authorised").check()
    page.get_by_role("group", name="Were the person and their family told about the concern?").get_by_label("Yes").check()
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_text("Review of Ivy Eastvale-Placed saved.")).to_be_visible()


def _eastvale_row(page: Page, case_url: str):
    page.goto(case_url)
    page.get_by_role("navigation", name="Sections of this case").get_by_role(
        "link", name="Residents and placing authorities").click()
    return page.locator("#coverage tr", has_text="Eastvale Borough Council")


def _sweep(settings) -> None:
    from redis import Redis
    from rq import Queue

    Queue(settings["RQ_QUEUE"], connection=Redis.from_url(settings["REDIS_URL"])).enqueue("app.jobs.worker.sweep")
    _burst(settings)


def test_import_alert_acknowledge_review_coverage_chase_and_escalate(browser, live_server_pg, tmp_path):
    host = _sign_in(browser, live_server_pg, HOST_LEAD)
    _import_residents(host)
    case_url = _open_case(host)
    case_path = re.sub(r"^.*?/authorities/\d+", "", case_url)
    _alert(host, case_url)
    _give_eastvale_an_action(host, case_url)

    eastvale = _sign_in(browser, live_server_pg, EASTVALE_LEAD)
    _eastvale_does_its_part(eastvale, case_path)

    host.goto(case_url + "/risks-and-actions")
    expect(host.locator("#actions tr", has_text="Review Eastvale's")).to_contain_text(
        "Update from the owner")
    expect(host.locator("#actions tr", has_text="Review Eastvale's")).to_contain_text("Two of three plans reviewed")
    row = _eastvale_row(host, case_url)
    # The demo world had Eastvale residents here already; one of them all is reviewed.
    for shown in ("Acknowledged", "Erin Link (erin.link@eastvale.example)", re.compile(r"\b1 of \d")):
        expect(row).to_contain_text(shown)

    # Northmoor and Southdown were alerted when the case opened and never acknowledged.
    database = f"{TEST_DATABASE}_e2e"
    redis = RedisServer(tmp_path).start()
    owner = create_engine(url(OWNER_ROLE, database))
    try:
        settings = _worker_settings(database, redis, tmp_path)
        _sweep(settings)
        host.goto(case_url)
        notice = host.locator("#unacknowledged")
        expect(notice).to_contain_text("Northmoor City Council")
        expect(notice).to_contain_text("chased")
        expect(notice).not_to_contain_text("Eastvale")
        expect(notice).not_to_contain_text("escalated")
        # Three working days pass after the chase: the next sweep escalates.
        with owner.begin() as conn:
            conn.execute(text("update case_share set chased_at = chased_at - interval '5 days' "
                              "where chased_at is not null"))
        _sweep(settings)
        host.goto(case_url)
        expect(host.locator("#unacknowledged")).to_contain_text("escalated to the lead officer")
        with owner.connect() as conn:
            sent = conn.execute(text(
                "select split_part(idempotency_key, ':', 1), template, recipient from outbox_message "
                "where idempotency_key like 'placing-%' order by id")).all()
        steps = {(step, template) for step, template, _ in sent}
        assert {("placing-chase", "placing_alert"), ("placing-escalation", "deadline_overdue")} <= steps
        assert all(recipient != "erin.link@eastvale.example" for _, _, recipient in sent)
    finally:
        owner.dispose()
        redis.stop()
