"""PostgreSQL alone (ORM filter off) keeps residents' moves to the host and each resident's
placing authority, and emergency plans to the host and authorities with a share."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.emergency.models import EmergencyPlan, PlanKind, ResidentMove
from app.extensions import db
from app.residents.models import Resident
from app.tenants.scoping import Scope, scoped_as
from tests.integration.test_row_level_security import app_engine, session_as  # noqa: F401


def _plan(app, world):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True)):
        plan = EmergencyPlan(tenant_id=world.host_a, case_id=world.case_a, kind=PlanKind.PLANNED_CLOSURE,
                             reason="Provider is closing the home", invoked_at=datetime.now(UTC))
        db.session.add(plan)
        db.session.flush()
        for resident in db.session.scalars(select(Resident).where(Resident.tenant_id == world.host_a)):
            db.session.add(ResidentMove(tenant_id=world.host_a, plan_id=plan.id, case_id=world.case_a,
                                        resident_id=resident.id,
                                        placing_authority_id=resident.placing_authority_id))
        db.session.commit()


def test_rls_alone_scopes_plans_and_moves(app, world, app_engine):  # noqa: F811
    _plan(app, world)
    expectations = {
        world.host_a: (1, {world.resident_a_self_funder, world.resident_a_placed, world.resident_a_other_placer}),
        world.placing_shared: (1, {world.resident_a_placed}),
        world.placing_unshared: (0, {world.resident_a_other_placer}),
        world.host_b: (0, set()),
    }
    for tenant, (plans, residents) in expectations.items():
        with session_as(app_engine, Scope(tenant_id=tenant, reads_residents=True)) as session:
            assert len(list(session.scalars(select(EmergencyPlan.id)))) == plans, tenant
            assert set(session.scalars(select(ResidentMove.resident_id))) == residents, tenant
