"""In-place (HTMX) forms by keyboard, in Chromium: after every change, cancel or error, focus
lands on something meaningful (never <body>), what happened is said in the page's one live
region outside the swapped part, and an error puts "Error: " in the page title. Also: every
date error in an error summary leads to the day input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

LEAD = "lead.officer@wexbridge.example"
TOMORROW = date.today() + timedelta(days=1)
LIVE = "#app-live-region"


@pytest.fixture
def lead(page: Page, live_server) -> Page:
    page.goto("/sign-in")
    page.locator('input[name="email"]').fill(LEAD)
    page.locator('input[name="password"]').fill(live_server.demo_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Acting for")).to_be_visible()
    return page


def _open_case(page: Page, title: str) -> str:
    page.get_by_role("link", name="Cases").first.click()
    page.get_by_role("button", name="Open a case").click()
    page.get_by_label("Provider").select_option(label="Harbour Lights Care Ltd")
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Open case").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    return page.url.split("#")[0]


def _open_section(page: Page, case_url: str, name: str) -> None:
    """Open a section of the case through its sub-navigation, by keyboard."""
    link = page.get_by_role("navigation", name="Sections of this case").get_by_role("link", name=name)
    _press(link)
    expect(link).to_have_attribute("aria-current", "page")
    assert page.url.startswith(case_url)


def _press(locator) -> None:
    """Operate a link or button by keyboard: focus it and press Enter."""
    locator.focus()
    locator.press("Enter")


def _type(page: Page, label: str, text: str, scope=None) -> None:
    field = (scope or page).get_by_label(label, exact=True)
    field.focus()
    page.keyboard.type(text)


def _expect_focus_on(page: Page, selector: str) -> None:
    expect(page.locator(selector)).to_be_focused()


def _expect_live(page: Page, text: str) -> None:
    region = page.locator(LIVE)
    expect(region).to_have_text(text)
    # One region, always on the page and outside every part that HTMX swaps.
    assert page.locator(LIVE).count() == 1
    assert page.evaluate(
        "() => document.querySelector('#app-live-region').closest('section') === null")
    assert page.evaluate("() => document.querySelector('#app-live-region').getAttribute('role')") == "status"


def _expect_error_state(page: Page) -> None:
    expect(page.locator("#main-content .govuk-error-summary")).to_be_focused()
    assert page.title().startswith("Error: "), page.title()


def _expect_no_error_title(page: Page) -> None:
    assert not page.title().startswith("Error: "), page.title()


def test_risk_forms_move_focus_and_announce(lead: Page):
    case_url = _open_case(lead, "Focus: risks in place")
    _open_section(lead, case_url, "Risks and actions")
    assert not lead.title().startswith("Error: ")

    _press(lead.get_by_role("button", name="Add a risk"))
    expect(lead.get_by_role("heading", name="Add a risk")).to_be_focused()

    _press(lead.locator("#risks").get_by_role("button", name="Add risk"))
    _expect_error_state(lead)

    _type(lead, "Risk", "Falls on the stairs at night")
    lead.get_by_label("Safe", exact=True).check()
    lead.locator('input[name="risk-likelihood"][value="3"]').check()
    lead.locator('input[name="risk-impact"][value="4"]').check()
    _press(lead.locator("#risks").get_by_role("button", name="Add risk"))
    _expect_focus_on(lead, "#risks-heading")
    _expect_live(lead, "Risk added: Falls on the stairs at night")
    _expect_no_error_title(lead)

    _press(lead.locator("#risks").get_by_role("link", name="Rescore"))
    expect(lead.locator("#risks h3[tabindex='-1']")).to_be_focused()
    _press(lead.locator("#risks").get_by_role("link", name="Cancel"))
    _expect_focus_on(lead, "#risks-heading")
    expect(lead.locator("#risks form")).to_have_count(0)


def test_action_forms_move_focus_and_announce(lead: Page):
    case_url = _open_case(lead, "Focus: actions in place")
    _open_section(lead, case_url, "Risks and actions")

    _press(lead.get_by_role("button", name="Add an action"))
    expect(lead.get_by_role("heading", name="Add an action")).to_be_focused()
    _press(lead.locator("#actions").get_by_role("button", name="Add action"))
    _expect_error_state(lead)

    _type(lead, "Action", "Audit the night medication round")
    lead.get_by_label("Owner", exact=True).select_option(index=1)
    group = lead.get_by_role("group", name="Due date")
    group.get_by_label("Day").fill(str(TOMORROW.day))
    group.get_by_label("Month").fill(str(TOMORROW.month))
    group.get_by_label("Year").fill(str(TOMORROW.year))
    _press(lead.locator("#actions").get_by_role("button", name="Add action"))
    _expect_focus_on(lead, "#actions-heading")
    _expect_live(lead, "Action added")
    _expect_no_error_title(lead)

    _press(lead.locator("#actions").get_by_role("link", name="Update status").first)
    expect(lead.locator("#actions h3[tabindex='-1']")).to_be_focused()
    _press(lead.locator("#actions").get_by_role("link", name="Cancel"))
    _expect_focus_on(lead, "#actions-heading")


def test_intelligence_form_moves_focus_and_announces(lead: Page):
    _open_case(lead, "Focus: intelligence in place")
    _press(lead.get_by_role("button", name="Add intelligence"))
    expect(lead.locator("#add-intelligence-heading")).to_be_focused()
    _press(lead.locator("#intelligence").get_by_role("button", name="Add intelligence"))
    _expect_error_state(lead)

    lead.get_by_label("Section 42 enquiries").check()
    group = lead.get_by_role("group", name="Date received")
    group.get_by_label("Day").fill("1")
    group.get_by_label("Month").fill("3")
    group.get_by_label("Year").fill("2026")
    _type(lead, "Number of reports", "2")
    _type(lead, "Summary", "Two S42 enquiries about the stairs")
    _press(lead.locator("#intelligence").get_by_role("button", name="Add intelligence"))
    # Said once, by the live region: the banner shows it, but is no alert and is not focused.
    _expect_focus_on(lead, "#intelligence-heading")
    _expect_live(lead, "Intelligence added.")
    banner = lead.locator("#intelligence .govuk-notification-banner")
    expect(banner).to_contain_text("Intelligence added.")
    expect(banner).not_to_have_attribute("role", "alert")
    assert lead.locator("#intelligence [role='alert']").count() == 0
    _expect_no_error_title(lead)


def test_attendee_forms_move_focus_and_announce(lead: Page):
    case_url = _open_case(lead, "Focus: attendees in place")
    _open_section(lead, case_url, "Meetings")
    lead.get_by_role("button", name="Schedule a meeting").click()
    lead.get_by_label("Initial meeting", exact=True).check()
    group = lead.get_by_role("group", name="Date")
    group.get_by_label("Day").fill(str(TOMORROW.day))
    group.get_by_label("Month").fill(str(TOMORROW.month))
    group.get_by_label("Year").fill(str(TOMORROW.year))
    lead.get_by_label("Start time").fill("10:00")
    lead.get_by_label("Venue").fill("County Hall, Wexbridge")
    lead.get_by_role("button", name="Schedule meeting").click()
    expect(lead.locator("#attendees")).to_be_visible()

    section = lead.locator("#attendees")
    _press(section.get_by_role("button", name="Add person").last)
    _expect_error_state(lead)

    _type(lead, "Full name", "Pat Constable", scope=lead.locator("#attendees"))
    _type(lead, "Organisation", "Sussex Police", scope=lead.locator("#attendees"))
    _press(lead.locator("#attendees").get_by_role("button", name="Add person").last)
    _expect_focus_on(lead, "#attendees-heading")
    _expect_live(lead, "Pat Constable added")
    _expect_no_error_title(lead)

    _press(lead.locator("#attendees").get_by_role("button", name="Remove Pat Constable"))
    _expect_focus_on(lead, "#attendees-heading")
    _expect_live(lead, "Pat Constable removed")
    expect(lead.locator("#attendees")).to_contain_text("Nobody has been invited yet")


def _fill_bad_dates(page: Page) -> int:
    """Type an impossible date (31 February) into every date input on the page."""
    groups = page.locator(".govuk-date-input")
    for n in range(groups.count()):
        group = groups.nth(n)
        group.get_by_label("Day").fill("31")
        group.get_by_label("Month").fill("2")
        group.get_by_label("Year").fill("2026")
    return groups.count()


@pytest.mark.parametrize("path, button", [
    ("/actions/new", "Add action"),
    ("/risks/new", "Add risk"),
    ("/intelligence", "Add intelligence"),
    ("/meetings/new", "Schedule meeting"),
])
def test_each_date_error_link_moves_focus_to_the_day_input(lead: Page, path, button):
    case_url = _open_case(lead, f"Focus: date errors {path}")
    lead.goto(case_url + path)
    assert _fill_bad_dates(lead) >= 1
    lead.locator("main").get_by_role("button", name=button).click()
    summary = lead.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    date_links = summary.locator('a[href$="-day"]')
    assert date_links.count() == lead.locator(".govuk-date-input").count(), summary.inner_html()
    for n in range(date_links.count()):
        link = date_links.nth(n)
        day_id = link.get_attribute("href").removeprefix("#")
        link.click()
        expect(lead.locator(f"[id='{day_id}']")).to_be_focused()
        assert lead.evaluate("() => document.activeElement.tagName") == "INPUT"
