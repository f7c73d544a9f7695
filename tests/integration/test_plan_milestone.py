"""The first submitted version of a plan sets the case's milestone on both databases, once;
a milestone the host recorded by hand is kept."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.auth.models import User
from app.cases.models import Case
from app.extensions import db
from app.plans import operations
from app.plans.models import PlanArea, Rag
from app.tenants.scoping import NOBODY, Scope, scoped_as
from tests.factories import build_world

BY_HAND = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ITEM = {"area": PlanArea.SAFE, "action": "a", "lead": "b", "target_on": date(2027, 1, 1),
        "evidence_required": "c", "rag": Rag.RED}


def _submit_twice(app, recorded_by_hand) -> tuple:
    with app.app_context():
        world = build_world()
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            case = db.session.get(Case, world.case_a)
            case.provider_informed_at = BY_HAND
            case.plan_first_submitted_at = BY_HAND if recorded_by_hand else None
            db.session.commit()
        with scoped_as(db.session, NOBODY):
            manager = db.session.query(User).filter_by(
                email=world.users["provider_a_manager"]).one()
        seen = []
        for _ in range(2):
            with scoped_as(db.session, Scope(provider_id=world.provider_a, user_id=manager.id)):
                case = db.session.get(Case, world.case_a)
                plan = operations.plan_for_provider(case)
                plan.status = plan.status if plan.status.editable else plan.status.RETURNED
                operations.save_item(plan, None, ITEM)
                db.session.flush()
                operations.submit(plan, manager)
                db.session.commit()
            with scoped_as(db.session, Scope(tenant_id=world.host_a)):
                db.session.expire_all()
                seen.append(db.session.get(Case, world.case_a).plan_first_submitted_at)
        return seen


@pytest.mark.parametrize("recorded_by_hand", [False, True])
def test_the_first_submission_sets_the_milestone_once(any_app, recorded_by_hand):
    first, second = _submit_twice(any_app, recorded_by_hand)
    assert first is not None and second == first
    if recorded_by_hand:
        assert first == BY_HAND
    else:
        assert first != BY_HAND
