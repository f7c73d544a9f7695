"""The demo world: every role in every authority, and a living dashboard of cases."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from app.cases import services
from app.cases.clocks import ClockStatus
from app.cases.models import Case, Stage
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
            rows = services.dashboard(host.id, services.DashboardFilter())
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
    assert references == {"WX-2026-002", "WX-2026-004", "WX-2026-006", "WX-2026-008"}
