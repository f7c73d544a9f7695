"""Shareable parts under PostgreSQL row-level security alone: raw SQL as the app role, no ORM.

A placing authority with a live share and the provider told of its case read a part of the
minutes only while the host has marked that part shareable with them, and never a risk's words;
a placing authority reads the risk summary (key question and the score its RAG comes from).
A meeting's decisions, drawn from both parts, are a placing authority's only while both parts
are shared with it, and never the provider's; how the host reached a case's milestones is the
host's alone, though both read the case. The columns that used to hold all these are gone
from the rows they can read, so no view or template that forgets a filter can show them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from app.cases.models import Case
from app.extensions import db
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.integration.test_row_level_security import session_as
from tests.support.services import APP_ROLE, url

HELD = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PART_ONE, PART_TWO = "PART-ONE-MINUTES", "PART-TWO-MINUTES"
AGENDA_ONE, AGENDA_TWO = "PART-ONE-AGENDA", "PART-TWO-AGENDA"
DESCRIPTION, MITIGATION = "RISK-DESCRIPTION", "RISK-MITIGATION"
DECISIONS = "MEETING-DECISIONS"
TOLD_HOW, REVIEW_OUTCOME = "TOLD-BY-TELEPHONE", "CONTRACT-REVIEW-OUTCOME"


@pytest.fixture
def app_engine(pg_database, world):
    engine = create_engine(url(APP_ROLE, pg_database))
    yield engine
    engine.dispose()


@pytest.fixture
def made(app, world):
    """A held meeting of host A's case with nothing shared, and a risk with its words; the
    provider has been told of the case."""
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        case = db.session.get(Case, world.case_a)
        case.provider_informed_at = HELD
        case.provider_informed_how = TOLD_HOW
        case.contract_review_outcome = REVIEW_OUTCOME
        meeting = factories.meeting(case, held_at=HELD, minutes_part_one=PART_ONE,
                                    minutes_part_two=PART_TWO, agenda_part_one=AGENDA_ONE,
                                    agenda_part_two=AGENDA_TWO, decisions=DECISIONS)
        risk = factories.risk(case, likelihood=4, impact=4, description=DESCRIPTION,
                              mitigation=MITIGATION)
        db.session.commit()
        return {"meeting": meeting.id, "risk": risk.id}


def _readers(world) -> dict[str, Scope]:
    return {
        "placing": Scope(tenant_id=world.placing_shared, reads_residents=True),
        "provider": Scope(provider_id=world.provider_a),
        "host": Scope(tenant_id=world.host_a),
    }


def _texts(app_engine, scope: Scope) -> set[str]:
    """Every text of the meeting's parts and outcome, the risk's words and the case's host-only
    detail that the scope can select."""
    with session_as(app_engine, scope) as session:
        rows = session.execute(text(
            "select agenda, minutes from meeting_part "
            "union all select decisions, sustainability_rationale from meeting_outcome "
            "union all select description, mitigation from risk_detail "
            "union all select provider_informed_how, contract_review_outcome from case_detail")).all()
    return {value for row in rows for value in row if value}


def _parts(app_engine, scope: Scope) -> set[int]:
    with session_as(app_engine, scope) as session:
        return set(session.scalars(text("select number from meeting_part")))


def _share(app_engine, world, **flags) -> None:
    """Mark parts shareable as the host does (``part=(placing, provider)``)."""
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        for number, (placing, provider) in flags.items():
            session.execute(text(
                "update meeting_part set shared_with_placing = :placing, "
                "shared_with_provider = :provider where number = :number"),
                {"placing": placing, "provider": provider, "number": {"one": 1, "two": 2}[number]})
        session.commit()


def test_the_rows_others_read_no_longer_hold_the_parts(app_engine, made):
    with app_engine.connect() as conn:
        columns = set(conn.scalars(text(
            "select table_name || '.' || column_name from information_schema.columns "
            "where table_name in ('meeting', 'risk', 'cases')")))
    held = {column for column in columns
            if any(word in column for word in ("agenda", "minutes_part", "shared_with", "decisions",
                                               "sustainability", "description", "mitigation",
                                               "owner", "_how", "backdate", "review_outcome"))
            or column == "risk.title"}
    assert held == set()


def test_nothing_shared_means_nothing_read_but_the_risk_summary(app_engine, world, made):
    readers = _readers(world)
    assert _texts(app_engine, readers["host"]) == {PART_ONE, PART_TWO, AGENDA_ONE, AGENDA_TWO,
                                                    DECISIONS, DESCRIPTION, MITIGATION, TOLD_HOW,
                                                    REVIEW_OUTCOME}
    for name in ("placing", "provider"):
        assert _texts(app_engine, readers[name]) == set(), name
    with session_as(app_engine, readers["placing"]) as session:
        summary = session.execute(text("select key_question, likelihood * impact from risk")).all()
        meetings = set(session.scalars(text("select id from meeting")))
        cases = set(session.scalars(text("select id from cases")))
    assert summary == [("safe", 16)] and meetings == {made["meeting"]} and cases == {world.case_a}
    with session_as(app_engine, readers["provider"]) as session:
        assert session.execute(text("select count(*) from risk")).scalar() == 0
        assert set(session.scalars(text("select id from cases"))) == {world.case_a}
        # The provider reads a meeting only once its part two is shared with it.
        assert session.execute(text("select count(*) from meeting")).scalar() == 0


def test_each_part_is_read_only_by_those_it_is_shared_with(app_engine, world, made):
    readers = _readers(world)
    _share(app_engine, world, one=(True, False), two=(False, True))
    assert _texts(app_engine, readers["placing"]) == {PART_ONE, AGENDA_ONE}
    assert _texts(app_engine, readers["provider"]) == {PART_TWO, AGENDA_TWO}
    with session_as(app_engine, readers["provider"]) as session:
        assert set(session.scalars(text("select id from meeting"))) == {made["meeting"]}
    _share(app_engine, world, one=(False, False), two=(True, True))
    assert _parts(app_engine, readers["placing"]) == {2}
    assert _parts(app_engine, readers["provider"]) == {2}


def test_decisions_are_read_by_a_placing_authority_only_with_both_parts(app_engine, world, made):
    readers = _readers(world)
    _share(app_engine, world, one=(False, False), two=(True, True))
    assert DECISIONS not in _texts(app_engine, readers["placing"])
    _share(app_engine, world, one=(True, False), two=(True, True))
    placing = _texts(app_engine, readers["placing"])
    assert DECISIONS in placing
    # The provider never reads them, and a risk's words stay the host's whatever is shared.
    assert DECISIONS not in _texts(app_engine, readers["provider"])
    assert not {DESCRIPTION, MITIGATION} & placing


def test_part_one_is_never_the_providers(app_engine, world, made):
    with pytest.raises(IntegrityError, match="part_one_not_provider"):
        _share(app_engine, world, one=(True, True))
    _share(app_engine, world, one=(True, False), two=(True, False))
    assert _parts(app_engine, _readers(world)["provider"]) == set()


def test_an_ended_share_stops_the_parts_at_once(app_engine, world, made):
    _share(app_engine, world, one=(True, False), two=(True, True))
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        session.execute(text("update case_share set ended_at = now() "
                             "where placing_authority_id = :placing"),
                        {"placing": world.placing_shared})
        session.commit()
    placing = _readers(world)["placing"]
    assert _texts(app_engine, placing) == set()
    with session_as(app_engine, placing) as session:
        assert session.execute(text("select count(*) from risk")).scalar() == 0
        assert session.execute(text("select count(*) from meeting")).scalar() == 0
        # Its own share row stays readable: it knows it was alerted, and when that ended.
        assert session.execute(text("select count(*) from case_share "
                                    "where ended_at is not null")).scalar() == 1


def test_others_cannot_write_the_parts(app_engine, world, made):
    for scope in (_readers(world)["placing"], _readers(world)["provider"]):
        with session_as(app_engine, scope) as session:
            for statement in ("update meeting_part set minutes = 'forged'",
                              "update meeting_outcome set decisions = 'forged'",
                              "update risk_detail set description = 'forged'",
                              "update case_detail set provider_informed_how = 'forged'",
                              "delete from meeting_part", "delete from risk_detail"):
                assert session.execute(text(statement)).rowcount == 0, statement
