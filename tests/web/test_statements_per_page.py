"""No page sends more statements because an authority has more cases, attendees or shares.

Each test renders a page with a small amount of data, counts the statements, grows the data
ten-fold (or more) and counts again: an N+1 (one query per row) shows as a difference.
"""

from __future__ import annotations

from collections import Counter

from app.actions.models import OwnerKind
from app.cases.models import Case, Stage
from app.extensions import db
from app.meetings.models import MeetingAttendee, MeetingKind
from app.tenants.models import Authority, AuthorityKind, Role
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import sign_in
from tests.support.statements import statements_of

LIMIT = 40  # no page above this many statements (sign-in checks and set_config included)


class Growing:
    """Adds cases (each with a lead officer, a share, a held meeting, a risk and actions) to
    host A, so a page can be measured at two sizes."""

    def __init__(self, app, world):
        self.app, self.world, self.made = app, world, 0
        with app.app_context():
            host_a = db.session.get(Authority, world.host_a)
            self.location_id = factories.location(factories.provider("Growing Care Ltd"), host_a).id
            db.session.commit()

    def add_cases(self, count: int) -> None:
        from app.providers.models import Location

        with self.app.app_context():
            host_a = db.session.get(Authority, self.world.host_a)
            location = db.session.get(Location, self.location_id)
            for _ in range(count):
                n = self.made = self.made + 1
                lead = factories.member(host_a, Role.LEAD_OFFICER, email=f"lead{n}@grow.example")
                placing = factories.authority(f"Placing {n}", kind=AuthorityKind.ICB)
                case = factories.case(location, stage=Stage.FINDINGS, reference=f"GR-{n:04d}",
                                      lead_officer_id=lead.id)
                factories.share(case, placing)
                factories.meeting(case, held_at=case.opened_at)
                factories.risk(case)
                factories.action(case, owner_authority=placing)
            db.session.commit()


def _same_at_two_sizes(app, client, path: str, grow) -> tuple[int, int]:
    client.get(path)  # warm every per-process cache first
    small = statements_of(app, client, path).count
    grow()
    after = statements_of(app, client, path)
    large = after.count
    assert large == small, (f"{path}: {small} statements before, {large} after growing; most sent: "
                            f"{Counter(after.sent).most_common(2)}")
    assert small <= LIMIT, f"{path}: {small} statements"
    return small, large


def test_the_dashboard_sends_as_many_statements_for_110_cases_as_for_10(app, world, client):
    growing = Growing(app, world)
    growing.add_cases(10)
    sign_in(client, world.users["host_a_lead"])
    path = f"/authorities/{world.host_a}/cases"
    small, _ = _same_at_two_sizes(app, client, path, lambda: growing.add_cases(100))
    # Any page, closed cases included, costs what the first page costs.
    assert statements_of(app, client, path + "?closed=1&page=3").count == small


def test_the_intelligence_board_does_not_grow_with_providers_and_cases(app, world, client):
    growing = Growing(app, world)
    growing.add_cases(10)

    def grow():
        growing.add_cases(100)
        with app.app_context():
            host_a = db.session.get(Authority, world.host_a)
            for n in range(60):
                factories.location(factories.provider(f"More Care {n}"), host_a)
            db.session.commit()

    sign_in(client, world.users["host_a_lead"])
    _same_at_two_sizes(app, client, f"/authorities/{world.host_a}/intelligence", grow)


def _case_with_things(app, world, count: int) -> int:
    """Add ``count`` risks, actions, meetings, shares and intelligence items to case A."""
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        case = db.session.get(Case, world.case_a)
        host_a = db.session.get(Authority, world.host_a)
        for n in range(count):
            placing = factories.authority(f"Sharing {n} {case.id}-{count}", kind=AuthorityKind.ICB)
            factories.share(case, placing)
            factories.risk(case)
            factories.action(case, owner_authority=placing)
            factories.action(case, owner_kind=OwnerKind.USER,
                             owner_user_id=factories.member(host_a, Role.PRACTITIONER).id)
            factories.meeting(case, kind=MeetingKind.PROJECT_MANAGEMENT)
        db.session.commit()
        return case.id


def test_the_case_page_does_not_grow_with_what_the_case_holds(app, world, client):
    _case_with_things(app, world, 5)
    sign_in(client, world.users["host_a_lead"])
    path = f"/authorities/{world.host_a}/cases/{world.case_a}"
    _same_at_two_sizes(app, client, path, lambda: _case_with_things(app, world, 60))


def _attendees(app, world, meeting_id: int, count: int) -> None:
    """Add ``count`` staff attendees of host A and ``count`` named people from the placing
    authority the case is shared with."""
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        host_a = db.session.get(Authority, world.host_a)
        placing = db.session.get(Authority, world.placing_shared)
        for n in range(count):
            person = factories.member(host_a, Role.PRACTITIONER)
            db.session.add(MeetingAttendee(tenant_id=host_a.id, meeting_id=meeting_id,
                                           case_id=world.case_a, user_id=person.id,
                                           authority_id=host_a.id, name=person.name))
            db.session.add(MeetingAttendee(tenant_id=host_a.id, meeting_id=meeting_id,
                                           case_id=world.case_a, authority_id=placing.id,
                                           name=f"Officer {n}", email=f"o{n}-{count}@placing.example"))
        db.session.commit()


def test_a_meeting_page_does_not_grow_with_attendees(app, world, client):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        meeting_id = factories.meeting(db.session.get(Case, world.case_a)).id
        db.session.commit()
    _attendees(app, world, meeting_id, 5)
    sign_in(client, world.users["host_a_lead"])
    path = f"/authorities/{world.host_a}/cases/{world.case_a}/meetings/{meeting_id}"
    _same_at_two_sizes(app, client, path, lambda: _attendees(app, world, meeting_id, 60))


def test_a_signed_in_page_pays_five_statements_for_who_is_asking(app, world, client):
    """Every request finds its session and user (one statement), its membership and authority
    (one), and sends the row-level security settings only for the scopes a statement runs
    under (three: nobody, the user, the authority): switching scope sends nothing by itself."""
    sign_in(client, world.users["host_a_lead"])
    path = f"/authorities/{world.host_a}/intelligence"
    client.get(path)
    sent = statements_of(app, client, path).sent
    assert sum("set_config" in statement for statement in sent) <= 3, sent
    assert sum("FROM user_session" in statement for statement in sent) == 1
    assert not any(statement.lstrip().startswith("SELECT user_account") for statement in sent), sent
    assert sum("FROM membership" in statement for statement in sent) == 1
