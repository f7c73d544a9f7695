"""A generated world with 30 placing authorities at one location (a national review counted
30): crawling every page, partial and download reachable from the case as each authority
proves, by page content and status code, that each placing authority sees exactly its own
residents (a jointly funded one: both funders), its own link person and tasks, nothing of the
others', and that an authority without a share sees nothing of the case."""

from __future__ import annotations

import re
from collections import deque
from datetime import date

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.placing.models import CaseShare, ShareAcknowledgement
from app.placing.tasks import DelegatedTask
from app.residents.models import Funding
from app.tenants.models import Authority, Role
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import sign_in
from tests.support.word import all_text, open_docx
from tests.web.test_emergency import PLAN

PLACERS = 30
RESIDENT = re.compile(r"R(\d\d)([abjs]) Marker")
LINK = re.compile(r"Link(\d\d) Person")
TASK = re.compile(r"Task for (\d\d)")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SKIP = ("sign-out", "/logo/image")


class World:
    pass


def _build() -> World:
    world = World()
    host = factories.authority("Thirty Host Council")
    world.host = host.id
    world.host_lead = factories.member(host, Role.LEAD_OFFICER, email="lead@thirty-host.example").email
    location = factories.location(factories.provider("Thirty Care Ltd"), host)
    case = factories.case(location, reference="T-0001", title="Thirty authorities")
    world.case = case.id
    factories.meeting(case)
    world.placers, world.leads = [], {}
    placers = [factories.authority(f"Placer {n:02d} Council") for n in range(PLACERS)]
    for n, placer in enumerate(placers):
        world.placers.append(placer.id)
        world.leads[placer.id] = factories.member(placer, Role.LEAD_OFFICER, email=f"lead@placer{n:02d}.example").email
        for suffix in "ab":
            factories.resident(location, placer, given_name=f"R{n:02d}{suffix}", family_name="Marker")
    factories.resident(location, placers[0], given_name="R00j", family_name="Marker",
                       joint_funder_id=placers[1].id, funding=Funding.JOINT)
    factories.resident(location, None, given_name="R99s", family_name="Marker")  # a self-funder
    # Every placer but the last is alerted; each acknowledges, and is asked a task.
    for n, placer in enumerate(placers[:-1]):
        share = factories.share(case, placer)
        with scoped_as(db.session, Scope(tenant_id=placer.id)):
            db.session.add(ShareAcknowledgement(tenant_id=placer.id, share_id=share.id,
                                                host_authority_id=host.id, link_person_name=f"Link{n:02d} Person"))
            db.session.flush()
        with scoped_as(db.session, Scope(tenant_id=host.id)):
            db.session.add(DelegatedTask(tenant_id=host.id, case_id=case.id, host_authority_id=host.id,
                                         placing_authority_id=placer.id, assignee_authority_id=placer.id,
                                         description=f"Task for {n:02d}: review your residents",
                                         due_on=date(2030, 1, 1)))
            db.session.flush()
    world.unshared = placers[-1].id
    db.session.commit()
    return world


def _own(world, authority_id: int) -> set[str]:
    n = world.placers.index(authority_id)
    own = {f"{n:02d}a", f"{n:02d}b"}
    return own | ({"00j"} if n in (0, 1) else set())


def _text(response) -> str:
    if response.mimetype == DOCX:
        return all_text(open_docx(response.data))
    return response.get_data(as_text=True)


def _links(html: str, prefix: str) -> set[str]:
    found = set()
    for href in re.findall(r'href="([^"#]+)', html):
        if href.startswith(prefix) and not any(skip in href for skip in SKIP):
            found.add(href.replace("&amp;", "&"))
    return found


def _crawl(client, authority_id: int, case_id: int) -> dict[str, tuple[int, str]]:
    """GET every page reachable from the case (and the residents list) under the authority,
    each also as an HTMX partial; return each address's status and text."""
    prefix = f"/authorities/{authority_id}/"
    start = [f"{prefix}cases/{case_id}", f"{prefix}residents"]
    seen: dict[str, tuple[int, str]] = {}
    queue = deque(start)
    while queue and len(seen) < 80:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path)
        text = _text(response)
        seen[path] = (response.status_code, text)
        if f"/cases/{case_id}" in path and response.mimetype == "text/html":
            partial = client.get(path, headers={"HX-Request": "true"})
            seen[path + " (partial)"] = (partial.status_code, _text(partial))
        if response.mimetype == "text/html" and (f"/cases/{case_id}" in path or path in start):
            queue.extend(_links(text, prefix) - set(seen))
    return seen


@pytest.fixture
def thirty(app):
    with app.app_context():
        world = _build()
    host = sign_in(app.test_client(), world.host_lead)
    token_page = f"/authorities/{world.host}/cases/{world.case}/emergency"
    from tests.support.clients import csrf_token

    response = host.post(f"/authorities/{world.host}/cases/{world.case}/emergency-plans",
                         data={**PLAN, "csrf_token": csrf_token(host, token_page)})
    assert response.status_code == 302  # a move per resident: their names on the emergency page
    return world


def test_each_placing_authority_sees_exactly_its_own_residents_on_every_page(app, thirty):
    world = thirty
    for authority_id in world.placers[:-1]:
        client = sign_in(app.test_client(), world.leads[authority_id])
        pages = _crawl(client, authority_id, world.case)
        n = f"{world.placers.index(authority_id):02d}"
        assert any("/emergency" in path for path in pages) and any("/tasks" in path for path in pages)
        assert any(path.endswith("agenda.docx") for path in pages), sorted(pages)
        residents, links, tasks = set(), set(), set()
        for path, (status, text) in pages.items():
            assert status in (200, 302), (authority_id, path, status)
            residents |= {number + kind for number, kind in RESIDENT.findall(text)}
            links |= set(LINK.findall(text))
            tasks |= set(TASK.findall(text))
            assert "Placing authorities: coverage" not in text, path
        assert residents == _own(world, authority_id), (authority_id, residents)
        assert links <= {n} and tasks == {n}, (authority_id, links, tasks)


def test_the_host_sees_every_resident_and_an_unshared_authority_nothing_of_the_case(app, thirty):
    world = thirty
    host = sign_in(app.test_client(), world.host_lead)
    pages = _crawl(host, world.host, world.case)
    coverage = pages[f"/authorities/{world.host}/cases/{world.case}/placing-authorities"][1]
    assert all(f"Placer {n:02d} Council" in coverage for n in range(PLACERS))
    assert "Not yet acknowledged" not in pages[f"/authorities/{world.host}/cases/{world.case}"][1]
    seen = {number + kind for _status, text in pages.values() for number, kind in RESIDENT.findall(text)}
    assert seen == {f"{n:02d}{k}" for n in range(PLACERS) for k in "ab"} | {"00j", "99s"}
    outsider = sign_in(app.test_client(), world.leads[world.unshared])
    case_paths = {path.split(" ")[0].replace(f"/authorities/{world.host}/", f"/authorities/{world.unshared}/", 1)
                  for path in pages if f"/cases/{world.case}" in path}
    assert len(case_paths) > 10
    for path in sorted(case_paths):
        response = outsider.get(path)
        assert response.status_code in (403, 404), (path, response.status_code)
        text = _text(response)
        assert "T-0001" not in text and not RESIDENT.search(text) and not TASK.search(text), path
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.unshared, reads_residents=True)):
        assert db.session.scalars(select(Case)).all() == []
        assert db.session.scalars(select(CaseShare)).all() == []
        assert db.session.scalars(select(DelegatedTask)).all() == []
        assert db.session.get(Authority, world.unshared) is not None
