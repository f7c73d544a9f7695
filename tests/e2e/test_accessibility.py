"""Accessibility: every page each kind of demo user can reach has zero axe-core violations.

For one account of every kind, the test signs in through the real form in Chromium, then walks
breadth-first every same-origin link (``a[href]``, GET only) reachable from the home page and
runs axe-core on each page, at the default size and at 320 px wide, where the page must not
scroll sideways outside a labelled scroll region (reflow, WCAG 1.4.10). Pages that differ only by the ids in their address (thirty resident
records, say) are sampled: at most ``PER_SHAPE`` of each, at most ``MAX_PAGES`` in all (a crawl that
stops there with pages left unchecked fails). Every
crawled page must also answer 200: a 500 found here is a bug.

Two things keep the module fast:

- The accounts are crawled concurrently, each worker thread with its own Playwright and
  Chromium (Playwright's sync API is per thread), before the per-account tests assert on what
  their crawl found.
- Each page is first fetched as the signed-in user with the browser context's request API
  (same cookies). The eight Wexbridge roles see mostly the same pages with different menus:
  a page whose HTML, outside the service navigation and CSRF tokens aside, was already checked,
  with a service navigation already checked on some page, reuses that verdict. Only the other
  pages are opened in Chromium and given to axe.
"""

from __future__ import annotations

import hashlib
import queue
import re
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright

from tests.e2e.conftest import TWO_AUTHORITIES_EMAIL, launch_chromium

pytestmark = pytest.mark.browser

MAX_PAGES = 200  # far above what any demo account reaches; reaching it fails the test
PER_SHAPE = 2
CRAWLERS = 2  # worker threads, each with its own Chromium (more do not help on two cores)
SKIP_PATH_PREFIXES = ("/assets/", "/static/")
SKIP_PATH_SUFFIXES = ("/sign-out",)
DOWNLOAD_SUFFIXES = (
    ".docx", ".doc", ".ics", ".pdf", ".csv", ".xlsx", ".zip", ".eml", ".txt", ".json", ".png",
    ".jpg", ".jpeg", ".svg",
)
# Links that htmx turns into a POST (or similar) are not followed.
UNSAFE_LINK_ATTRIBUTES = {"download", "hx-post", "hx-put", "hx-patch", "hx-delete", "data-method"}
AXE = Axe()

# Signed tokens (itsdangerous: payload.timestamp.signature), such as the CSRF token of each
# response; and the service navigation, whose links depend on the user's roles.
SIGNED_TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")
SERVICE_NAVIGATION = re.compile(r'<section[^>]*class="govuk-service-navigation.*?</section>', re.S)

Verdict = list[tuple[str, str, str, str]]  # (rule, impact, target, help)
# Shared by the crawler threads (a race only means axe runs twice on the same page): axe's
# verdicts by the fingerprint of a page outside its service navigation, and the fingerprints of
# the service navigations axe has seen on some page.
VERDICTS: dict[str, Verdict] = {}
NAVIGATIONS_CHECKED: set[str] = set()


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    sign_in: str = "/sign-in"


# In the order the crawlers take them: accounts that see different pages first, so that the
# Wexbridge roles after the lead officer mostly reuse verdicts instead of racing for them.
ACCOUNTS = [
    Account("wexbridge-lead-officer", "lead.officer@wexbridge.example"),
    Account("platform-admin", "admin@platform.example"),
    Account("placing-council-lead-officer", "lead.officer@northmoor.example"),
    Account("provider-manager", "manager@harbourlights.example", "/provider/sign-in"),
    Account("provider-contributor", "contributor@harbourlights.example", "/provider/sign-in"),
    Account("wexbridge-tenant-admin", "tenant.admin@wexbridge.example"),
    Account("wexbridge-viewer", "viewer@wexbridge.example"),
    Account("two-authorities", TWO_AUTHORITIES_EMAIL),
    Account("wexbridge-dass", "dass@wexbridge.example"),
    Account("wexbridge-coordinator", "coordinator@wexbridge.example"),
    Account("wexbridge-chair", "chair@wexbridge.example"),
    Account("wexbridge-contracts", "contracts@wexbridge.example"),
    Account("wexbridge-practitioner", "practitioner@wexbridge.example"),
]


def run_axe(page) -> Verdict:
    return [
        (
            violation["id"],
            violation["impact"],
            " ".join(str(t) for t in node["target"]),
            violation["help"],
        )
        for violation in AXE.run(page).response["violations"]
        for node in violation["nodes"]
    ]


NARROW = {"width": 320, "height": 640}  # WCAG 1.4.10 reflow: 1280 px at 400% zoom
# The elements wider than the viewport that are not inside a labelled, focusable scroll
# region: empty when the page does not scroll sideways (or only inside such regions).
OVERFLOW_OUTSIDE_REGIONS = """async () => {
    // After a resize, let the page react first (js/app.js makes a region that now overflows
    // a tab stop when the browser next lays it out).
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    const inRegion = (el) => el.closest('[role="region"][aria-label][tabindex="0"]') !== null;
    const wide = [...document.body.querySelectorAll('*')].filter((el) =>
        el.getBoundingClientRect().right > width + 1 && !inRegion(el));
    // The innermost ones name the culprit (a long email address, a table).
    const innermost = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
    const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    return [`page ${document.documentElement.scrollWidth} px wide`, ...innermost.slice(0, 3).map(describe)];
}"""


def check_page(page) -> Verdict:
    """axe at the default size, then at 320 px wide: axe again and reflow (no sideways
    scrolling of the page outside a labelled scroll region)."""
    verdict = run_axe(page)
    default_size = page.viewport_size
    page.set_viewport_size(NARROW)
    try:
        overflow = page.evaluate(OVERFLOW_OUTSIDE_REGIONS)
        if overflow:
            verdict.append(("reflow", "serious", ", ".join(overflow[1:]),
                            f"at 320 px the {overflow[0]}: wrap it or scroll it in a labelled region"))
        verdict += [(f"{rule} at 320 px", impact, target, text)
                    for rule, impact, target, text in run_axe(page)]
    finally:
        page.set_viewport_size(default_size)
    return verdict


def axe_violations(page, url: str) -> list[str]:
    return [f"{url}: axe {r} ({i}) at {t}: {h}" for r, i, t, h in run_axe(page)]


def fingerprints(html: str) -> tuple[str, str]:
    """The fingerprints of a page outside its service navigation, and of its navigation."""
    html = SIGNED_TOKEN.sub("", html)
    navigation = "".join(SERVICE_NAVIGATION.findall(html))
    rest = SERVICE_NAVIGATION.sub("", html)
    return (
        hashlib.sha256(rest.encode()).hexdigest(),
        hashlib.sha256(navigation.encode()).hexdigest(),
    )


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href") and not UNSAFE_LINK_ATTRIBUTES & attributes.keys():
            self.hrefs.append(attributes["href"])


def links_in(html: str, base_url: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return [urldefrag(urljoin(base_url, href)).url for href in parser.hrefs]


def _shape(path: str, query: str) -> str:
    """The address with its ids taken out: pages of one shape share a template."""
    keys = sorted(key for key, _ in parse_qsl(query, keep_blank_values=True))
    return re.sub(r"/\d+(?=/|$)", "/<id>", path) + ("?" + "&".join(keys) if keys else "")


def _followable(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return False
    path = parts.path.lower()
    return not (
        path.startswith(SKIP_PATH_PREFIXES)
        or path.endswith(SKIP_PATH_SUFFIXES)
        or path.endswith(DOWNLOAD_SUFFIXES)
        or "/download" in path
    )


@dataclass
class Report:
    """What one account's crawl found: pages visited, axe violations and bad statuses."""

    visited: list[str] = field(default_factory=list)
    axe_runs: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, url: str, verdict: Verdict) -> None:
        self.problems += [f"{url}: axe {r} ({i}) at {t}: {h}" for r, i, t, h in verdict]

    def failure(self) -> str:
        return "\n".join([f"{len(self.problems)} problem(s):", *self.problems])


def show(page, url: str, response) -> None:
    """Open in Chromium the page just fetched, as it was fetched (the server renders it once)."""
    def this_page(address: str) -> bool:  # not a glob: "?" in a query is no wildcard
        return address == url

    page.route(this_page, lambda route: route.fulfill(response=response))
    try:
        page.goto(url, wait_until="load")
    finally:
        page.unroute(this_page)


def crawl(page, origin: str) -> Report:
    """Visit, breadth-first, the pages reachable by GET links from the page shown (home)."""
    report = Report()
    start = page.url
    # The home page the sign-in led to: checked as the browser shows it.
    report.visited.append(start)
    report.axe_runs += 1
    report.add(start, check_page(page))
    queue_ = deque(links_in(page.content(), start))
    seen, shapes, checked = {start, *queue_}, Counter(), {start}
    while queue_ and len(report.visited) < MAX_PAGES:
        url = queue_.popleft()
        if not _followable(url, origin):
            continue
        parts = urlsplit(url)
        shape = _shape(parts.path, parts.query)
        if shapes[shape] >= PER_SHAPE:
            continue
        shapes[shape] += 1

        response = page.context.request.get(url)
        if response.status != 200:
            report.problems.append(f"{url}: answered {response.status}, not 200")
        content_type = response.headers.get("content-type", "")
        disposition = response.headers.get("content-disposition", "")
        if "text/html" not in content_type or "attachment" in disposition:
            continue  # a download
        final = urldefrag(response.url).url
        if final in checked:  # a redirect to a page already checked ("/" to home)
            continue
        checked.update({url, final})
        html = response.text()
        report.visited.append(final)

        document, navigation = fingerprints(html)
        if document not in VERDICTS or navigation not in NAVIGATIONS_CHECKED:
            show(page, final, response)
            report.axe_runs += 1
            VERDICTS[document] = check_page(page)
            NAVIGATIONS_CHECKED.add(navigation)
        report.add(final, VERDICTS[document])

        for link in links_in(html, final):
            if link not in seen:
                seen.add(link)
                queue_.append(link)
    # A crawl that ran out of room has not checked everything: say so, and fail.
    unchecked = [url for url in queue_ if _followable(url, origin)
                 and shapes[_shape(urlsplit(url).path, urlsplit(url).query)] < PER_SHAPE]
    if unchecked:
        report.problems.append(
            f"the crawl stopped at MAX_PAGES={MAX_PAGES} with {len(unchecked)} pages not checked, "
            f"first {unchecked[0]}: raise MAX_PAGES")
    return report


def sign_in(page, path: str, email: str, password: str) -> None:
    """Sign in through the real form, and land on the home page it leads to."""
    page.goto(path)
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(password)
    with page.expect_navigation(wait_until="load") as navigation:
        page.get_by_role("button", name="Sign in").click()
    assert "/sign-in" not in urlsplit(page.url).path, (
        f"{email} could not sign in at {path}; the page says: "
        f"{page.locator('main').inner_text()[:300]}"
    )
    assert navigation.value.status == 200, f"{page.url} answered {navigation.value.status}"


def _crawler(jobs: queue.Queue, results: dict, origin: str, password: str) -> None:
    """One worker: its own Playwright and Chromium; crawl accounts until none are left."""
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context = browser.new_context(base_url=origin)
                context.set_default_timeout(15_000)
                while True:
                    try:
                        account = jobs.get_nowait()
                    except queue.Empty:
                        return
                    context.clear_cookies()
                    page = context.new_page()
                    try:
                        sign_in(page, account.sign_in, account.email, password)
                        results[account.id] = (page.url, crawl(page, origin))
                    except Exception as error:  # reported by that account's test
                        results[account.id] = error
                    finally:
                        page.close()
            finally:
                browser.close()
    except Exception as error:  # Chromium did not start: the accounts left fail with this
        results.setdefault("_crawler", error)


@pytest.fixture(scope="module")
def crawls(live_server_pg) -> dict:
    """Sign in as every account and crawl from its home page, several accounts at a time, on
    PostgreSQL as the app role (row-level security on)."""
    jobs: queue.Queue = queue.Queue()
    for account in ACCOUNTS:
        jobs.put(account)
    results: dict = {}
    threads = [
        threading.Thread(
            target=_crawler,
            args=(jobs, results, live_server_pg.url, live_server_pg.demo_password),
            name=f"crawler-{n}",
            daemon=True,
        )
        for n in range(CRAWLERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads), "a crawler is still running"
    return results


# Accounts whose crawl must reach every section of a case they may open (the case workspace,
# app/case_workspace.py): the host's and, through its share, a placing authority's.
SECTION_CRAWLERS = {"wexbridge-lead-officer": True, "placing-council-lead-officer": False}


def section_shapes(app, host: bool) -> set[str]:
    """The shapes of the addresses of a case's sections, as the app's registry gives them."""
    from app.cases.models import Case
    from app.cases.sections import case_readers

    with app.test_request_context():
        return {_shape(urlsplit(section.url(Case(id=1), 1)).path, "")
                for section in app.extensions["case_sections"]
                if host or section.may_open is case_readers}


@pytest.mark.parametrize("account", ACCOUNTS, ids=[a.id for a in ACCOUNTS])
def test_every_page_reachable_from_home_has_no_axe_violations(crawls, account, live_server_pg):
    result = crawls.get(account.id, crawls.get("_crawler"))
    assert result is not None, f"{account.email} was never crawled"
    if isinstance(result, BaseException):
        raise result
    home, report = result
    print(f"{account.email}: {len(report.visited)} pages from {home}, axe run on {report.axe_runs}")
    print("\n".join(report.visited))

    assert len(report.visited) > 1 or account.id.startswith("provider"), (
        f"the crawl from {home} found no links: {report.visited}"
    )
    assert not report.problems, (
        f"{account.email} from {home}, {len(report.visited)} pages\n{report.failure()}"
    )
    if account.id in SECTION_CRAWLERS:
        visited = {_shape(urlsplit(url).path, "") for url in report.visited}
        missing = section_shapes(live_server_pg.app, SECTION_CRAWLERS[account.id]) - visited
        assert not missing, f"{account.email}: the crawl never reached the sections {missing}"


@pytest.mark.parametrize("path", ["/sign-in", "/provider/sign-in"])
def test_sign_in_pages_and_their_error_summary_have_no_axe_violations(page, path):
    response = page.goto(path)
    assert response.status == 200
    problems = axe_violations(page, page.url)

    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible(), "submitting the empty form shows no error summary"
    assert summary.get_by_role("link").count() >= 1
    problems += axe_violations(page, page.url + " (empty form sent)")

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "path",
    ["/no-such-page", "/invitations/not-a-real-token", "/provider/invitations/not-a-real-token"],
)
def test_not_found_pages_have_no_axe_violations(page, path):
    response = page.goto(path)
    assert response.status == 404
    problems = axe_violations(page, page.url)
    assert not problems, "\n".join(problems)


def _invite(page, users_path: str, name: str, email: str) -> list[str]:
    page.goto(users_path + "/invite")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Viewer").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send invitation").click()
    assert "Invitation created" in page.locator("h1").inner_text()
    return axe_violations(page, page.url + " (invitation created)")


def test_invitation_pages_have_no_axe_violations(page, live_server):
    from tests.support.mail import mailed_link

    accounts = live_server.accounts
    admin = next(a for a in accounts if a.role == "Authority administrator")
    invitee = next(a for a in accounts if a.role == "Lead officer" and a.authority != admin.authority)
    bystander = next(a for a in accounts if a.role == "Viewer" and a.authority == admin.authority)
    password = live_server.demo_password
    mail = live_server.app.config["MAIL_FOLDER"]

    sign_in(page, "/sign-in", admin.email, password)
    users_path = urlsplit(page.url).path.rstrip("/") + "/users"
    problems = _invite(page, users_path, "Axe Newcomer", "axe.newcomer@example.org")
    problems += _invite(page, users_path, "Existing Lead", invitee.email)
    page.goto(users_path)
    assert page.get_by_role("button", name="Revoke the invitation to axe.newcomer@example.org").count() == 1
    problems += axe_violations(page, page.url + " (pending invitations)")

    page.context.clear_cookies()
    page.goto(mailed_link(mail, "axe.newcomer@example.org", "/invitations/"))
    with page.expect_navigation():
        page.get_by_role("button", name="Save password and continue").click()
    assert page.locator(".govuk-error-summary").is_visible()
    problems += axe_violations(page, page.url + " (create account, empty form sent)")

    existing_link = mailed_link(mail, invitee.email, "/invitations/")
    page.goto(existing_link)
    assert "Sign in to accept" in page.locator("h1").inner_text()
    problems += axe_violations(page, page.url + " (sign in first)")

    sign_in(page, "/sign-in", bystander.email, password)
    assert page.goto(existing_link).status == 403
    problems += axe_violations(page, page.url + " (someone else's invitation)")

    page.context.clear_cookies()
    sign_in(page, "/sign-in", invitee.email, password)
    page.goto(existing_link)
    assert page.get_by_role("button", name="Accept invitation").count() == 1
    problems += axe_violations(page, page.url + " (accept)")
    assert not problems, "\n".join(problems)


def test_the_reflow_check_finds_what_scrolls_the_page_sideways(page):
    """The crawl's reflow check: a wide element outside a labelled scroll region is found;
    the same inside one (role="region", aria-label, tabindex="0") is not."""
    page.set_viewport_size(NARROW)
    wide = '<div style="width: 600px">wide</div>'
    page.set_content(f'<main>{wide}</main>')
    found = page.evaluate(OVERFLOW_OUTSIDE_REGIONS)
    assert found and found[0].startswith("page 6") and found[1:] == ["div"], found
    page.set_content(f'<main><div role="region" aria-label="Wide" tabindex="0" '
                     f'style="overflow-x: auto">{wide}</div></main>')
    assert page.evaluate(OVERFLOW_OUTSIDE_REGIONS) == []
    page.set_content('<main><div role="region" style="overflow-x: visible">'
                     f'{wide}</div></main>')
    assert page.evaluate(OVERFLOW_OUTSIDE_REGIONS)


def test_a_table_region_is_a_tab_stop_only_while_its_table_is_wider(page, live_server):
    """A table's scroll region (layouts/_table.html) is a tab stop, so that a keyboard user can
    scroll it, only while the table overflows it: the list of cases fits at the default size
    (and at 320 px, its cells wrap), so its region becomes a stop only on a narrower screen
    still, and stops being one when the table fits again."""
    sign_in(page, "/sign-in", "lead.officer@wexbridge.example", live_server.demo_password)
    page.get_by_role("link", name="Cases").first.click()
    region = page.get_by_role("region", name=re.compile(r"cases, overdue first$"))
    expect(region.get_by_role("table")).to_be_visible()
    overflows = "(region) => region.scrollWidth > region.clientWidth"
    no_tab_stop = "() => !document.querySelector('.app-table-scroll[tabindex]')"
    default_size = page.viewport_size

    assert not region.evaluate(overflows)
    page.wait_for_function(no_tab_stop)

    page.set_viewport_size({"width": 200, "height": 640})
    expect(region).to_have_attribute("tabindex", "0")
    assert region.evaluate(overflows)
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.app-table-scroll').scrollLeft > 0")

    page.set_viewport_size(default_size)
    page.wait_for_function(no_tab_stop)
