"""The board report (issue 15 item 9) against a world built with known answers: four cases of
host A whose dates, stages, deadlines, risks, themes, shares and decisions are set by hand, and
the figures each should give for April 2025 to March 2026."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.cases import key_dates
from app.cases.models import Decision, DecisionOutcome, Stage, StageChange
from app.extensions import db
from app.meetings.models import MeetingKind
from app.providers.models import Location
from app.reports.figures import Period, board_figures, placing_figures
from app.risks.models import KeyQuestion
from app.tenants.models import Authority
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import sign_in

PERIOD = Period(date(2025, 4, 1), date(2026, 3, 31))
NOW = datetime(2026, 3, 25, 10, tzinfo=UTC)


def at(y, m, d, hour=10) -> datetime:
    return datetime(y, m, d, hour, tzinfo=UTC)


def _case(location, *, opened, stages, decided=None, outcome=DecisionOutcome.PROCEED, **extra):
    case = factories.case(location, stage=stages[-1][0], opened_at=opened, **extra)
    for (stage, moved_at), before in zip(stages, [None, *[s for s, _ in stages]], strict=False):
        db.session.add(StageChange(tenant_id=case.tenant_id, case_id=case.id, from_stage=before,
                                   to_stage=stage, moved_at=moved_at))
    if decided is not None:
        db.session.add(Decision(tenant_id=case.tenant_id, case_id=case.id, threshold_assessment="Met",
                                outcome=outcome, decided_at=decided))
    db.session.flush()
    return case


def _build(world) -> None:
    host = db.session.get(Authority, world.host_a)
    shared = db.session.get(Authority, world.placing_shared)
    unshared = db.session.get(Authority, world.placing_unshared)
    location = db.session.scalar(select(Location).where(Location.host_authority_id == host.id))
    # C0: opened before the period; its stay at stage 2 ends inside it (41 days).
    c0 = _case(location, opened=at(2025, 1, 10), themes="Ignored: opened before",
               stages=[(Stage.DECISION, at(2025, 1, 10)), (Stage.INITIAL_MEETING, at(2025, 3, 1)),
                       (Stage.FINDINGS, at(2025, 4, 11))])
    factories.risk(c0, created_at=at(2024, 12, 1))
    factories.share(c0, unshared, alerted_at=at(2024, 12, 1))
    # C1: the whole process, closed in September. Told on time; initial meeting late;
    # findings meeting on time; plan late; contract review never done (owed after closing).
    c1 = _case(location, opened=at(2025, 5, 1), decided=at(2025, 5, 2), themes="Falls, Medication",
               closed_at=at(2025, 9, 10), provider_informed_at=at(2025, 5, 2, 12),
               plan_first_submitted_at=at(2025, 6, 3),
               stages=[(Stage.DECISION, at(2025, 5, 1)), (Stage.INITIAL_MEETING, at(2025, 5, 2)),
                       (Stage.FINDINGS, at(2025, 5, 12)), (Stage.QUALITY_ASSURANCE, at(2025, 6, 11)),
                       (Stage.CLOSING, at(2025, 9, 1)), (Stage.CLOSED, at(2025, 9, 10))])
    factories.meeting(c1, MeetingKind.INITIAL, scheduled_for=at(2025, 5, 20), held_at=at(2025, 5, 20))
    factories.meeting(c1, MeetingKind.FINDINGS, scheduled_for=at(2025, 5, 30), held_at=at(2025, 5, 30))
    factories.risk(c1, created_at=at(2025, 6, 1))
    factories.risk(c1, created_at=at(2025, 6, 1))
    factories.share(c1, shared, alerted_at=at(2025, 5, 5))
    # C2: handled through other channels at stage 1, two days after opening.
    _case(location, opened=at(2025, 10, 1), decided=at(2025, 10, 3), themes="falls",
          outcome=DecisionOutcome.OTHER_CHANNELS, closed_at=at(2025, 10, 3),
          stages=[(Stage.DECISION, at(2025, 10, 1)), (Stage.CLOSED, at(2025, 10, 3))])
    # C3: decided on Friday 20 March 2026, provider not told (late by the 25th), initial
    # meeting due on the 27th (open).
    c3 = _case(location, opened=at(2026, 2, 1), decided=at(2026, 3, 20), themes="Staffing\nFalls",
               stages=[(Stage.DECISION, at(2026, 2, 1)), (Stage.INITIAL_MEETING, at(2026, 3, 20))])
    factories.risk(c3, key_question=KeyQuestion.WELL_LED, created_at=at(2026, 2, 15))
    factories.share(c3, shared, alerted_at=at(2026, 2, 10))
    factories.share(c3, unshared, alerted_at=at(2026, 3, 1))
    # What the host stores for placing authorities, as every audited change does.
    for case in (c0, c1, c3):
        key_dates.refresh(case)
    db.session.commit()


@pytest.fixture
def known_world(app, world):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        _build(world)
    return world


def _figures(app, world):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        return board_figures(world.host_a, PERIOD, NOW)


def test_cases_opened_and_closed(app, known_world):
    figures = _figures(app, known_world)
    assert (figures.opened, figures.closed) == (3, 2)


def test_time_in_each_stage(app, known_world):
    rows = {row.stage: row for row in _figures(app, known_world).stage_times}
    assert (rows[Stage.DECISION].stays, rows[Stage.DECISION].median_days,
            rows[Stage.DECISION].longest_days) == (3, 2, 47)
    assert (rows[Stage.INITIAL_MEETING].stays, rows[Stage.INITIAL_MEETING].median_days,
            rows[Stage.INITIAL_MEETING].longest_days) == (2, 25.5, 41)
    assert (rows[Stage.FINDINGS].stays, rows[Stage.FINDINGS].median_days) == (1, 30)
    assert (rows[Stage.QUALITY_ASSURANCE].stays, rows[Stage.QUALITY_ASSURANCE].median_days) == (1, 82)
    assert (rows[Stage.CLOSING].stays, rows[Stage.CLOSING].median_days) == (1, 9)
    assert (rows[Stage.UPDATE_MEETINGS].stays, rows[Stage.UPDATE_MEETINGS].median_days) == (0, None)
    assert {stage: row.still_in for stage, row in rows.items() if row.still_in} == {
        Stage.FINDINGS: 1, Stage.INITIAL_MEETING: 1}


def test_deadlines_met_late_and_open(app, known_world):
    rows = {row.key: (row.met, row.late, row.open) for row in _figures(app, known_world).compliance}
    assert rows == {
        "inform_provider": (1, 1, 0),
        "initial_meeting": (0, 1, 1),
        "findings_meeting": (1, 0, 0),
        "improvement_plan": (0, 1, 0),
        "contract_review": (0, 1, 0),
    }


def test_key_questions_themes_placing_authorities_and_outcomes(app, known_world):
    figures = _figures(app, known_world)
    assert dict(figures.key_questions) == {"Safe": 2, "Effective": 0, "Caring": 0,
                                           "Responsive": 0, "Well-led": 1}
    assert figures.themes == [("Falls", 3), ("Medication", 1), ("Staffing", 1)]
    with app.app_context():
        names = {a.id: a.name for a in db.session.scalars(select(Authority))}
    assert figures.placing_authorities == [(names[known_world.placing_shared], 2),
                                           (names[known_world.placing_unshared], 1)]
    assert dict(figures.outcomes) == {
        "Decided to proceed": 2, "Decided to handle through other channels": 1,
        "Closed after improvements were sustained": 1, "Closed at stage 1": 1}


def test_another_hosts_cases_are_not_counted(app, known_world):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=known_world.host_b)):
        figures = board_figures(known_world.host_b, PERIOD, NOW)
    assert (figures.opened, figures.closed, figures.themes, figures.placing_authorities) == (0, 0, [], [])


QUERY = "start=1&start=4&start=2025&end=31&end=3&end=2026"


def test_the_page_shows_charts_and_tables_and_the_csv_the_same_figures(app, known_world):
    viewer = sign_in(app.test_client(), known_world.users["host_a_viewer"])
    base = f"/authorities/{known_world.host_a}/board-report"
    page = viewer.get(f"{base}?{QUERY}").get_data(as_text=True)
    assert page.count("<svg") == 4 and 'role="img"' in page
    assert "1 April 2025 to 31 March 2026" in page
    assert "Median days in each stage" in page and ">25.5<" in page
    response = viewer.get(f"{base}.csv?{QUERY}")
    assert response.status_code == 200, response.get_data(as_text=True)[-3000:]
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert ["cases", "opened", "count", "3"] in rows
    # The page counts at the time now (after the period): C3's initial meeting is late by now.
    assert ["deadlines", "Hold the initial meeting", "late", "2"] in rows
    assert ["themes", "Falls", "cases", "3"] in rows


def test_a_period_that_ends_before_it_starts_is_refused_and_kept(app, known_world):
    viewer = sign_in(app.test_client(), known_world.users["host_a_viewer"])
    bad = "start=1&start=4&start=2026&end=31&end=3&end=2026"
    page = viewer.get(f"/authorities/{known_world.host_a}/board-report?{bad}").get_data(as_text=True)
    assert "govuk-error-summary" in page and "The last day must be on or after the first day" in page
    assert 'value="2026"' in page


def test_the_board_report_is_for_staff_of_the_authority(app, known_world):
    other = sign_in(app.test_client(), known_world.users["host_b_lead"])
    assert other.get(f"/authorities/{known_world.host_a}/board-report").status_code in (403, 404)


def test_a_placing_authority_sees_the_cases_where_its_residents_live(app, known_world):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=known_world.placing_shared)):
        figures = placing_figures(known_world.placing_shared, PERIOD, NOW)
        host_name = db.session.get(Authority, known_world.host_a).name
    assert (figures.opened, figures.closed) == (2, 1)  # C1 and C3; C1 closed
    assert figures.stage_times == []  # the host's stage history is the host's
    assert {row.key: (row.met, row.late, row.open) for row in figures.compliance} == {
        "inform_provider": (1, 1, 0), "initial_meeting": (0, 1, 1), "findings_meeting": (1, 0, 0),
        "improvement_plan": (0, 1, 0), "contract_review": (0, 1, 0)}
    assert dict(figures.key_questions)["Safe"] == 2 and dict(figures.key_questions)["Well-led"] == 1
    assert figures.themes == [("Falls", 2), ("Medication", 1), ("Staffing", 1)]
    assert figures.placing_authorities == [(host_name, 2)]
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=known_world.placing_unshared)):
        other = placing_figures(known_world.placing_unshared, PERIOD, NOW)
    assert (other.opened, other.closed, other.themes) == (1, 0, [("Falls", 1), ("Staffing", 1)])


def test_the_placing_view_of_the_page_passes_through_the_address(app, known_world):
    placing = sign_in(app.test_client(), known_world.users["placing_shared_lead"])
    base = f"/authorities/{known_world.placing_shared}/board-report"
    page = placing.get(f"{base}?view=placing&{QUERY}").get_data(as_text=True)
    assert "Host authorities leading the cases" in page and "Time in each stage" not in page
    assert 'name="view" value="placing"' in page
    rows = list(csv.reader(io.StringIO(placing.get(f"{base}.csv?view=placing&{QUERY}").get_data(as_text=True))))
    assert ["cases", "opened", "count", "2"] in rows
