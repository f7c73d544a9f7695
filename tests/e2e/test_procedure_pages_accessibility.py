"""The board report (with its charts, and with a period refused) and the procedure settings
page have no axe-core violations, at the default size and at 320 px wide."""

from __future__ import annotations

import pytest

from tests.e2e.test_accessibility import check_page, sign_in

pytestmark = pytest.mark.browser


def _problems(page, what: str) -> list[str]:
    return [f"{what}: axe {r} ({i}) at {t}: {h}" for r, i, t, h in check_page(page)]


def test_the_board_report_has_no_axe_violations(page, live_server):
    lead = next(a for a in live_server.accounts
                if a.role == "Lead officer" and a.authority == "Wexbridge County Council")
    sign_in(page, "/sign-in", lead.email, live_server.demo_password)
    page.get_by_role("link", name="Board report").click()
    page.wait_for_load_state("load")
    assert page.locator("svg.app-chart").count() == 4
    problems = _problems(page, page.url)
    page.locator("#end-year").fill("2000")
    with page.expect_navigation():
        page.get_by_role("button", name="Show the report").click()
    assert page.locator(".govuk-error-summary").is_visible()
    problems += _problems(page, page.url + " (period refused)")
    page.get_by_role("link", name="Show the cases where residents").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", name="Host authorities").count() == 1
    problems += _problems(page, page.url + " (placing view)")
    assert not problems, "\n".join(problems)


def test_the_procedure_settings_page_has_no_axe_violations(page, live_server):
    admin = next(a for a in live_server.accounts
                 if a.role == "Authority administrator" and a.authority == "Wexbridge County Council")
    sign_in(page, "/sign-in", admin.email, live_server.demo_password)
    page.get_by_role("link", name="Procedure").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Procedure settings"
    assert not _problems(page, page.url)
