"""The demo world: every role in every authority, and a living dashboard of cases."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from app.cases import services
from app.cases.clocks import LONDON, ClockStatus
from app.cases.models import Case, Stage
from app.db import utcnow
from app.demo.seed import seed_demo
from app.extensions import db
from app.tenants.models import Authority, Role
from app.tenants.scoping import Scope, scoped_as


def _seed(app):
    with app.app_context():
        return seed_demo("demo-password-2026")


def test_the_demo_has_an_account_for_every_role_in_every_authority(sqlite_app):
    accounts = _seed(sqlite_app)
    by_authority = Counter(account.authority for account in accounts)
    with sqlite_app.app_context():
        names = list(db.session.scalars(select(Authority.name)))
    assert len(names) == 4
    for name in names:
        assert by_authority[name] == len(Role)
    assert _seed(sqlite_app) is None  # a second run changes nothing


def test_the_demo_has_cases_at_every_stage_and_some_overdue(sqlite_app):
    _seed(sqlite_app)
    with sqlite_app.app_context():
        host = db.session.scalar(select(Authority).where(Authority.code == "E10000901"))
        with scoped_as(db.session, Scope(tenant_id=host.id)):
            cases = list(db.session.scalars(select(Case)))
            assert {case.stage for case in cases} == set(Stage)
            rows = services.dashboard(host.id, services.DashboardFilter()).cases.items
            overdue = [row for row in rows if row.next_clock and row.next_clock.status is ClockStatus.OVERDUE]
            due = [row for row in rows if row.next_clock and row.next_clock.status is ClockStatus.RUNNING]
            assert overdue and due
            assert rows[0].next_clock.status is ClockStatus.OVERDUE


def test_a_placing_authority_sees_only_the_cases_shared_with_it(sqlite_app):
    _seed(sqlite_app)
    with sqlite_app.app_context():
        northmoor = db.session.scalar(select(Authority).where(Authority.code == "E06000901"))
        with scoped_as(db.session, Scope(tenant_id=northmoor.id)):
            references = set(db.session.scalars(select(Case.reference)))
    year = utcnow().astimezone(LONDON).year
    assert references == {f"WX-{year}-{n:04d}" for n in (2, 4, 6, 8)}


def test_demo_references_follow_the_scheme_and_a_new_case_follows_on(sqlite_app):
    """The demo's references come from the same per-authority, per-year counter as cases
    opened through the form, so the next case takes the next number."""
    _seed(sqlite_app)
    with sqlite_app.app_context():
        from app.auth.models import User
        from app.cases.operations import Actor, open_case

        host = db.session.scalar(select(Authority).where(Authority.code == "E10000901"))
        year = utcnow().astimezone(LONDON).year
        with scoped_as(db.session, Scope(tenant_id=host.id)):
            references = sorted(db.session.scalars(select(Case.reference)))
            assert references == [f"WX-{year}-{n:04d}" for n in range(1, 10)]
            lead = db.session.scalar(select(User).where(User.email.like("lead%@wexbridge.example")))
            some = db.session.scalar(select(Case).limit(1))
            case = open_case(Actor(lead, host.id, frozenset({Role.LEAD_OFFICER})),
                             provider_id=some.provider_id, location_id=None, title="New", summary="")
            assert case.reference == f"WX-{year}-0010"
