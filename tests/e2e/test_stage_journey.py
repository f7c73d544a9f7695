"""A host takes a concern from its first intelligence to closed, in Chromium, through every
stage: the DASS decision, the initial, findings, update and final meetings, an emergency plan,
the closure letters and the contract review; the Word agenda and minutes are downloaded and
read back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import Page, expect

from app.cases.clocks import LONDON

pytestmark = pytest.mark.browser

YESTERDAY = date.today() - timedelta(days=1)
LEAD = "lead.officer@wexbridge.example"
DASS = "dass@wexbridge.example"


def _sign_in(browser, live_server, email) -> Page:
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/sign-in")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(live_server.demo_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Acting for")).to_be_visible()
    return page


def _fill_date(scope, legend: str, day: date) -> None:
    """Fill the GOV.UK date input whose fieldset has the legend ``legend``."""
    group = scope.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _section(page: Page, case_url: str, name: str) -> None:
    """Open a section of the case through its sub-navigation."""
    page.goto(case_url)
    link = page.get_by_role("navigation", name="Sections of this case").get_by_role("link", name=name)
    link.click()
    expect(link).to_have_attribute("aria-current", "page")


def _docx_text(download) -> str:
    data = Path(download.path()).read_bytes()
    document = Document(BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _hold_meeting(page: Page, case_url: str, kind_label: str, final: bool = False) -> str:
    page.goto(f"{case_url}/meetings")
    page.get_by_role("button", name="Schedule a meeting").click()
    page.get_by_label(kind_label, exact=True).check()
    _fill_date(page, "Date", YESTERDAY)
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Venue").fill("County Hall, Wexbridge")
    page.get_by_role("button", name="Schedule meeting").click()
    meeting_url = page.url
    page.get_by_role("link", name="Record as held").click()
    _fill_date(page, "Date held", YESTERDAY)
    page.get_by_label("Time it started").fill("10:05")
    if final:
        page.get_by_label("Close: satisfactory improvements", exact=False).check()
        page.get_by_label("Why the improvements are sustainable").fill(
            "Three months of clean audits and families report lasting change")
    page.get_by_role("button", name="Record meeting as held").click()
    expect(page.get_by_text(f"{YESTERDAY.day} {YESTERDAY:%B %Y} at 10:05am")).to_be_visible()
    return meeting_url


def _move(page: Page, case_url: str, button: str) -> None:
    page.goto(case_url)
    form = page.locator("form", has=page.get_by_role("button", name=button))
    form.get_by_label("Reason for the move").fill("Agreed at the meeting")
    form.get_by_role("button", name=button).click()
    expect(page.get_by_text("The case moved to")).to_be_visible()


def _assure_quality(page: Page, case_url: str) -> None:
    """What closing needs from stage 5: an independent scrutiny activity and follow-up feedback
    (here taken by telephone)."""
    page.goto(case_url)
    page.get_by_role("link", name="Quality assurance: feedback").click()
    page.get_by_text("Record an activity").click()
    form = page.locator("form", has=page.get_by_role("button", name="Record the activity"))
    form.get_by_label("Healthwatch visit").check()
    form.get_by_label("Day").fill("2")
    form.get_by_label("Month").fill("11")
    form.get_by_label("Year").fill("2026")
    form.get_by_label("Carried out by").fill("Healthwatch")
    form.get_by_label("Findings", exact=True).fill("Residents say nights are calmer")
    form.get_by_role("button", name="Record the activity").click()
    expect(page.get_by_text("Activity recorded.")).to_be_visible()
    page.get_by_role("link", name="Record feedback taken by telephone").click()
    page.get_by_role("group", name="Who answered").get_by_label("Resident").check()
    page.get_by_role("group", name="Phase").get_by_label("Follow-up").check()
    page.get_by_label("Who made the call").fill("QA officer")
    page.get_by_label("The person agreed that we may use their answers").check()
    for question in ("Do you feel safe at the home?", "Are the staff kind and caring?",
                     "Are your needs met?", "Is the home well run?", "Has anything changed recently?"):
        page.get_by_role("group", name=question).get_by_label("Good", exact=True).check()
    page.get_by_role("group", name="Did they say something has happened").get_by_label(
        "No", exact=True).check()
    page.get_by_role("button", name="Record the call").click()
    expect(page.get_by_text("Telephone feedback recorded.")).to_be_visible()


def _open_case_with_intelligence(lead: Page) -> str:
    lead.get_by_role("link", name="Cases").first.click()
    lead.get_by_role("button", name="Open a case").click()
    lead.get_by_label("Provider").select_option(label="Harbour Lights Care Ltd")
    lead.get_by_label("Title").fill("Journey: falls and medication")
    lead.get_by_role("button", name="Open case").click()
    expect(lead.get_by_role("heading", name="Journey: falls and medication")).to_be_visible()
    case_url = lead.url.split("#")[0]
    # In place with HTMX: the button swaps the form into the intelligence section.
    lead.get_by_role("button", name="Add intelligence").click()
    lead.get_by_label("Section 42 enquiries").check()
    _fill_date(lead, "Date received", YESTERDAY)
    lead.get_by_label("Number of reports").fill("5")
    lead.get_by_label("Summary", exact=True).fill("Five S42 enquiries about falls at night")
    lead.get_by_role("button", name="Add intelligence").click()
    # Wait for the in-place answer before leaving the page, or the POST would be cut off.
    expect(lead.locator("#intelligence")).to_contain_text("Five S42 enquiries about falls at night")
    lead.goto(case_url)
    expect(lead.get_by_text("Five S42 enquiries about falls at night")).to_be_visible()
    _section(lead, case_url, "Decision")
    lead.get_by_role("button", name="Record the threshold assessment").click()
    lead.get_by_label("Threshold assessment").fill("A pattern of falls meets the threshold")
    lead.get_by_label("Recommendation to the DASS").fill("Proceed")
    lead.get_by_role("button", name="Save assessment").click()
    return case_url


def _dass_decides(dass: Page, case_url: str) -> None:
    dass.goto(f"{case_url}/assessment-and-decision")
    dass.get_by_role("button", name="Record the DASS decision").click()
    dass.get_by_label("Proceed under the provider concerns process").check()
    dass.get_by_label("Reason for the decision").fill("Threshold met: several partners report falls")
    dass.get_by_label("Lead Officer").select_option(label="Leo Wexbridge")
    dass.get_by_label("Chair of meetings").select_option(label="Charles Wexbridge")
    dass.get_by_role("button", name="Record decision").click()
    expect(dass.get_by_text("2. Initial meeting").first).to_be_visible()


def _check_word_documents(lead: Page, meeting_url: str) -> None:
    lead.goto(meeting_url)
    lead.get_by_role("link", name="Record or change the minutes and decisions").click()
    lead.get_by_label("Minutes, part one (without the provider)").fill("Partners agreed the themes")
    lead.get_by_label("Minutes, part two (with the provider)").fill("The provider accepted the concerns")
    lead.get_by_role("button", name="Save minutes").click()
    lead.goto(meeting_url)
    with lead.expect_download() as agenda:
        lead.get_by_role("link", name="Download the agenda (Word document)").click()
    agenda_text = _docx_text(agenda.value)
    assert "Wexbridge County Council" in agenda_text and "Initial meeting" in agenda_text
    assert "Harbour Lights Care Ltd" in agenda_text
    with lead.expect_download() as minutes:
        lead.get_by_role("link", name="Download the minutes (Word document)").click()
    minutes_text = _docx_text(minutes.value)
    assert "Partners agreed the themes" in minutes_text
    assert "The provider accepted the concerns" in minutes_text


def _emergency_plan(lead: Page, case_url: str) -> None:
    lead.goto(case_url)
    lead.get_by_role("link", name="Restrictions, emergency plans and residents' moves").click()
    lead.get_by_text("Invoke an emergency plan").click()
    lead.get_by_label("Temporary closure").check()
    lead.get_by_label("Why the plan is invoked").fill("Flooding on the ground floor")
    _fill_date(lead, "Date of the urgent meeting", date.today())
    lead.get_by_label("Time of the urgent meeting").fill("16:30")
    lead.get_by_label("Where", exact=True).fill("Online")
    lead.get_by_role("button", name="Invoke the emergency plan").click()
    expect(lead.get_by_text("Temporary closure plan invoked")).to_be_visible()
    first_move = lead.locator("form", has=lead.get_by_role("button", name="Save move")).first
    first_move.get_by_label("Status of", exact=False).select_option(label="Moved")
    first_move.get_by_label("Moving to").fill("Elm House, Saltmouth")
    _fill_date(first_move, "Date moved", date.today())
    first_move.get_by_role("button", name="Save move").click()
    expect(lead.get_by_text("saved.", exact=False)).to_be_visible()


def _clock(page: Page, case_url: str, key: str, status: str) -> None:
    """Check the state of one clock on the case page."""
    page.goto(case_url)
    expect(page.locator(f"#clock-{key}")).to_contain_text(status)


def _now_in_london() -> datetime:
    # A few minutes ago, so that a time typed now is never in the future.
    return datetime.now(LONDON) - timedelta(minutes=5)


def _tell_the_provider(lead: Page, case_url: str) -> None:
    lead.goto(case_url)
    lead.get_by_role("button", name="Record that the provider was told").click()
    moment = _now_in_london()
    _fill_date(lead, "Date the provider was told", moment.date())
    lead.get_by_label("Time", exact=True).fill(moment.strftime("%H:%M"))
    lead.get_by_label("Telephone").check()
    lead.get_by_role("button", name="Record that the provider was told").click()
    expect(lead.get_by_text("The provider can now see this case")).to_be_visible()


def _plan_received(lead: Page, case_url: str) -> None:
    lead.goto(case_url)
    lead.get_by_role("link", name="Record the Improvement Plan as received").click()
    moment = _now_in_london()
    _fill_date(lead, "Date the Improvement Plan was received", moment.date())
    lead.get_by_label("Time", exact=True).fill(moment.strftime("%H:%M"))
    lead.get_by_label("Email").check()
    lead.get_by_role("button", name="Record the Improvement Plan as received").click()
    expect(lead.get_by_text("Improvement Plan recorded as received")).to_be_visible()


def _final_meeting(page: Page, case_url: str, decision: str, held: datetime) -> None:
    _section(page, case_url, "Meetings")
    page.get_by_role("button", name="Schedule a meeting").click()
    page.get_by_label("Final (closing) meeting", exact=True).check()
    _fill_date(page, "Date", held.date())
    page.get_by_label("Start time").fill(held.strftime("%H:%M"))
    page.get_by_label("Venue").fill("County Hall, Wexbridge")
    page.get_by_role("button", name="Schedule meeting").click()
    page.get_by_role("link", name="Record as held").click()
    _fill_date(page, "Date held", held.date())
    page.get_by_label("Time it started").fill(held.strftime("%H:%M"))
    page.get_by_label(decision, exact=False).check()
    if decision.startswith("Close"):
        page.get_by_label("Why the improvements are sustainable").fill(
            "Three months of clean audits and families report lasting change")
    page.get_by_role("button", name="Record meeting as held").click()
    expect(page.get_by_text("Held", exact=False).first).to_be_visible()


def test_a_case_from_first_intelligence_to_the_contract_review(browser, live_server_pg):
    """On PostgreSQL as the app role: every stage, both final meeting decisions, and each
    clock's state on the way."""
    live_server = live_server_pg
    lead = _sign_in(browser, live_server, LEAD)
    dass = _sign_in(browser, live_server, DASS)
    case_url = _open_case_with_intelligence(lead)
    # The demo's nine cases came from the same counter: this is the tenth of the year.
    expect(lead.locator("body")).to_contain_text(f"WX-{date.today().year}-0010")
    _dass_decides(dass, case_url)
    _clock(lead, case_url, "inform_provider", "Due")
    _tell_the_provider(lead, case_url)
    _clock(lead, case_url, "inform_provider", "Met on time")

    initial = _hold_meeting(lead, case_url, "Initial meeting")
    _check_word_documents(lead, initial)
    _clock(lead, case_url, "initial_meeting", "Met on time")
    _move(lead, case_url, "Move to the findings meeting")
    _hold_meeting(lead, case_url, "Findings meeting")
    _clock(lead, case_url, "improvement_plan", "Due")
    _clock(lead, case_url, "contract_review", "Not started")
    _plan_received(lead, case_url)
    _clock(lead, case_url, "improvement_plan", "Met on time")
    _clock(lead, case_url, "contract_review", "Due")
    _move(lead, case_url, "Move to update meetings")
    _hold_meeting(lead, case_url, "Update meeting")
    _emergency_plan(lead, case_url)
    _move(lead, case_url, "Move to quality assurance")
    _assure_quality(lead, case_url)
    _move(lead, case_url, "Move to closing")

    # The first final meeting decides to continue: back to quality assurance, no closure clock.
    _final_meeting(lead, case_url, "Continue: return to quality assurance", _now_in_london() - timedelta(hours=2))
    _clock(lead, case_url, "closure_notice", "Not started")
    _move(lead, case_url, "Return to quality assurance")
    _move(lead, case_url, "Move to closing")
    # The next one decides to close: the 24-hour closure notice clock starts from it.
    _final_meeting(lead, case_url, "Close: satisfactory improvements", _now_in_london() - timedelta(minutes=30))
    _clock(lead, case_url, "closure_notice", "Due")

    # The emergency plan is still active: closing needs the reason it may close anyway.
    lead.goto(case_url)
    form = lead.locator("form", has=lead.get_by_role("button", name="Close the case"))
    expect(lead.get_by_text("An emergency plan is still active")).to_be_visible()
    form.get_by_label("Reason for the move").fill("Agreed at the final meeting")
    form.get_by_label("Why the case can close with these still open").fill(
        "The temporary closure continues under contract monitoring")
    form.get_by_role("button", name="Close the case").click()
    expect(lead.get_by_text("This case is closed").first).to_be_visible()
    _section(lead, case_url, "Meetings")
    expect(lead.get_by_role("heading", name="Meetings", level=1)).to_be_visible()
    expect(lead.get_by_role("button", name="Schedule a meeting")).to_have_count(0)
    _section(lead, case_url, "Risks and actions")
    expect(lead.locator("#risks-heading")).to_be_visible()
    expect(lead.get_by_role("button", name="Add a risk")).to_have_count(0)

    # Closed, but owing the closure notice: on the dashboard under "After closing".
    lead.get_by_role("link", name="Cases").first.click()
    expect(lead.locator("#after-closing-table")).to_contain_text("Journey: falls and medication")

    lead.goto(case_url)
    lead.get_by_role("link", name="Closure letters and the contract monitoring review").click()
    lead.get_by_label("Manager at Harbour Lights Care Ltd", exact=False).check()
    lead.get_by_label("CQC email address").fill("inspector@cqc.example")
    lead.get_by_role("button", name="Send the closure letters").click()
    expect(lead.get_by_text("closure letters are on their way")).to_be_visible()
    _clock(lead, case_url, "closure_notice", "Met on time")

    lead.get_by_role("link", name="Closure letters and the contract monitoring review").click()
    _fill_date(lead, "Date of the review", date.today())
    lead.get_by_label("Outcome").fill("Improvements sustained")
    lead.get_by_role("button", name="Record the review").click()
    expect(lead.get_by_text("Contract monitoring review recorded")).to_be_visible()
    _clock(lead, case_url, "contract_review", "Met on time")
    lead.get_by_role("link", name="Cases").first.click()
    expect(lead.locator("#after-closing-table")).to_have_count(0)

    lead.goto(f"{case_url}/history")
    for stage in ("2. Initial meeting", "3. Findings meeting", "4. Update meetings",
                  "5. Quality assurance", "6. Closing", "Closed"):
        expect(lead.locator("table").first).to_contain_text(stage)


def test_tables_fit_a_phone_screen(browser, live_server):
    """At 390 px wide, no page of a case scrolls sideways: tables wrap or scroll inside."""
    lead = _sign_in(browser, live_server, LEAD)
    # The menu folds away at this width: open the cases before narrowing the window.
    lead.get_by_role("link", name="Cases").first.click()
    pages = [lead.url]
    lead.get_by_role("link", name=f"WX-{date.today().year}-0005").click()
    sections = lead.get_by_role("navigation", name="Sections of this case").get_by_role("link")
    pages += [sections.nth(n).get_attribute("href") for n in range(sections.count())]
    assert f"{lead.url}/history".endswith(pages[-1])
    lead.set_viewport_size({"width": 390, "height": 844})
    for url in pages:
        lead.goto(url)
        width = lead.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, (url, width)


def test_a_refused_in_place_change_says_so(browser, live_server):
    lead = _sign_in(browser, live_server, LEAD)
    lead.get_by_role("link", name="Cases").first.click()
    lead.get_by_role("link", name=f"WX-{date.today().year}-0002").click()
    lead.get_by_role("button", name="Add intelligence").click()
    lead.get_by_label("Summary", exact=True).fill("Typed before the page expired")
    # As if the session had expired: every CSRF token on the page is now stale.
    lead.evaluate("""() => {
        document.body.setAttribute('hx-headers', '{"X-CSRFToken": "stale"}');
        document.querySelectorAll('input[name$="csrf_token"]').forEach(i => { i.value = 'stale'; });
    }""")
    lead.get_by_role("button", name="Add intelligence").click()
    expect(lead.get_by_role("alert")).to_contain_text("the page may have expired")
    expect(lead.get_by_label("Summary", exact=True)).to_have_value("Typed before the page expired")
