"""Meetings, attendees and drafts under PostgreSQL row-level security alone (ORM filter off).

Host A's meetings and attendees are read by host A and by the placing authority with a live
share, and by nobody else; a draft is read by the one person who typed it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from app.auth.models import User
from app.cases.drafts import Draft
from app.cases.models import Case
from app.extensions import db
from app.meetings.models import Meeting, MeetingAttendee
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.integration.test_row_level_security import session_as
from tests.support.services import APP_ROLE, url


@pytest.fixture
def rows(app, world):
    """A meeting of host A's case with an attendee, and a draft of host A's lead officer."""
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.email == world.users["host_a_lead"]))
        dass = db.session.scalar(select(User).where(User.email == world.users["host_a_dass"]))
        with scoped_as(db.session, Scope(tenant_id=world.host_a, user_id=lead.id)):
            meeting = factories.meeting(db.session.get(Case, world.case_a))
            db.session.add(MeetingAttendee(tenant_id=world.host_a, meeting_id=meeting.id,
                                           case_id=world.case_a, name="DS Kay Mills",
                                           organisation="Sussex Police"))
            db.session.add(Draft(tenant_id=world.host_a, user_id=lead.id,
                                 field_key=f"meeting:{meeting.id}:minutes_part_one",
                                 text="unsaved minutes"))
            db.session.commit()
            return {"meeting": meeting.id, "lead": lead.id, "dass": dass.id}


@pytest.fixture
def app_engine(pg_database, world):
    engine = create_engine(url(APP_ROLE, pg_database))
    yield engine
    engine.dispose()


def _visible(session) -> dict:
    return {
        "meetings": set(session.scalars(select(Meeting.id))),
        "attendees": set(session.scalars(select(MeetingAttendee.name))),
        "drafts": set(session.scalars(select(Draft.text))),
        "sql": session.execute(text(
            "select (select count(*) from meeting), (select count(*) from meeting_attendee), "
            "(select count(*) from draft)")).one(),
    }


@pytest.mark.parametrize("outsider", ["host_b", "placing_unshared"])
def test_authorities_without_a_share_see_no_meeting_attendee_or_draft(app_engine, world, rows, outsider):
    with session_as(app_engine, Scope(tenant_id=getattr(world, outsider))) as session:
        seen = _visible(session)
        assert session.get(Meeting, rows["meeting"]) is None
    assert seen == {"meetings": set(), "attendees": set(), "drafts": set(), "sql": (0, 0, 0)}


def test_the_shared_placing_authority_sees_the_meeting_but_no_draft(app_engine, world, rows):
    with session_as(app_engine, Scope(tenant_id=world.placing_shared)) as session:
        seen = _visible(session)
    assert seen["meetings"] == {rows["meeting"]} and seen["attendees"] == {"DS Kay Mills"}
    assert seen["drafts"] == set() and seen["sql"] == (1, 1, 0)


def test_a_draft_is_private_to_the_person_who_typed_it(app_engine, world, rows):
    with session_as(app_engine, Scope(tenant_id=world.host_a, user_id=rows["lead"])) as session:
        assert _visible(session)["drafts"] == {"unsaved minutes"}
    with session_as(app_engine, Scope(tenant_id=world.host_a, user_id=rows["dass"])) as session:
        seen = _visible(session)
    assert seen["meetings"] == {rows["meeting"]} and seen["drafts"] == set()
    # Same person, other authority: still nothing.
    with session_as(app_engine, Scope(tenant_id=world.host_b, user_id=rows["lead"])) as session:
        assert _visible(session)["drafts"] == set()


def test_a_shared_placing_authority_cannot_change_the_hosts_meeting(app_engine, world, rows):
    with session_as(app_engine, Scope(tenant_id=world.placing_shared)) as session:
        changed = session.execute(text("update meeting set venue = 'forged'"))
        forged = session.execute(text("update meeting_part set minutes = 'forged'"))
        removed = session.execute(text("delete from meeting_attendee"))
        assert changed.rowcount == forged.rowcount == removed.rowcount == 0


@pytest.mark.parametrize("outsider", ["host_b", "placing_shared"])
def test_nobody_else_can_add_attendees_to_the_hosts_meeting(app_engine, world, rows, outsider):
    with session_as(app_engine, Scope(tenant_id=getattr(world, outsider))) as session:
        with pytest.raises(DBAPIError, match="row-level security"):
            session.add(MeetingAttendee(tenant_id=world.host_a, meeting_id=rows["meeting"],
                                        case_id=world.case_a, name="Intruder"))
            session.flush()
