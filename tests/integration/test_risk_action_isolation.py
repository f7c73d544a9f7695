"""PostgreSQL alone (ORM filter off) keeps host A's risks, their score history and its actions
from host B and from the placing authority without a share; the placing authority with a share
reads the risks and only the actions its own authority owns, until the share ends."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.actions.models import Action
from app.cases.models import Case
from app.extensions import db
from app.risks.models import KeyQuestion, Risk, RiskScore
from app.tenants.models import Authority
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.integration.test_row_level_security import app_engine, session_as  # noqa: F401


def _records(app, world) -> dict:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        case = db.session.get(Case, world.case_a)
        risk = factories.risk(case, likelihood=5, impact=5)
        owners = {name: db.session.get(Authority, getattr(world, name))
                  for name in ("host_a", "placing_shared", "placing_unshared")}
        made = {
            "risk": risk.id,
            "score": risk.scores[0].id,
            "placing_shared": factories.action(case, owners["placing_shared"]).id,
            "placing_unshared": factories.action(case, owners["placing_unshared"]).id,
            "host_a": factories.action(case, owners["host_a"]).id,
            "agency": factories.action(case).id,
        }
        db.session.commit()
    return made


def _seen(engine, tenant_id: int) -> tuple[set, set, set, int]:
    with session_as(engine, Scope(tenant_id=tenant_id)) as session:
        return (
            set(session.scalars(select(Risk.id))),
            set(session.scalars(select(RiskScore.id))),
            set(session.scalars(select(Action.id))),
            session.execute(text("select count(*) from risk")).scalar()
            + session.execute(text("select count(*) from case_action")).scalar(),
        )


def test_rls_alone_scopes_risks_scores_and_actions(app, world, app_engine):  # noqa: F811
    made = _records(app, world)
    every_action = {made[k] for k in ("placing_shared", "placing_unshared", "host_a", "agency")}
    expectations = {
        world.host_a: ({made["risk"]}, {made["score"]}, every_action),
        # The summary of the risk, never its history; only the action its authority owns.
        world.placing_shared: ({made["risk"]}, set(), {made["placing_shared"]}),
        # Owning an action is not enough without a live share on the case.
        world.placing_unshared: (set(), set(), set()),
        world.host_b: (set(), set(), set()),
    }
    for tenant, (risks, scores, actions) in expectations.items():
        assert _seen(app_engine, tenant) == (risks, scores, actions, len(risks) + len(actions)), tenant


def test_an_ended_share_hides_the_risks_and_actions_at_once(app, world, app_engine):  # noqa: F811
    _records(app, world)
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        session.execute(text("update case_share set ended_at = now()"))
        session.commit()
    assert _seen(app_engine, world.placing_shared) == (set(), set(), set(), 0)


@pytest.mark.parametrize("outsider", ["placing_shared", "host_b"])
def test_only_the_host_changes_its_risks_and_actions(app, world, app_engine, outsider):  # noqa: F811
    made = _records(app, world)
    with session_as(app_engine, Scope(tenant_id=getattr(world, outsider))) as session:
        for statement in ("update risk set likelihood = 5", "update risk_detail set title = 'hijacked'",
                          "update risk_score set note = 'x'",
                          "update case_action set status = 'done'", "delete from case_action",
                          "delete from risk_score"):
            assert session.execute(text(statement)).rowcount == 0, statement
    with session_as(app_engine, Scope(tenant_id=world.placing_shared)) as session:
        with pytest.raises(DBAPIError, match="row-level security"):
            session.add(Risk(tenant_id=world.host_a, case_id=world.case_a, title="Planted",
                             key_question=KeyQuestion.SAFE, likelihood=1, impact=1))
            session.flush()
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        assert session.get(Risk, made["risk"]).title != "hijacked"
        assert len(list(session.scalars(select(Action.id)))) == 4
