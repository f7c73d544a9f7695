"""The Improvement Plan: the provider drafts items and submits versions, the first submission
sets the case's milestone, the host returns or accepts, placing authorities only read."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.cases.models import Case
from app.extensions import db
from app.plans.models import ImprovementPlan, PlanVersion
from app.tenants.scoping import Scope, scoped_as
from tests import provider_records
from tests.integration.test_row_level_security import app_engine, session_as  # noqa: F401
from tests.support.clients import csrf_token, sign_in

ITEM = {"area": "safe", "action": "Retrain night staff in moving and handling",
        "lead": "Deputy manager", "target_on": ["27", "3", "2027"], "evidence_required": "Training records", "rag": "amber"}


def _plan_path(world, rest=""):
    return f"/provider/cases/{world.case_a}/plan{rest}"


def _staff_plan(world):
    return f"/authorities/{world.host_a}/cases/{world.case_a}/plan"


def _post(client, path, data, token_from=None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from or path)})


def _provider(app, world, who="provider_a_manager"):
    return sign_in(app.test_client(), world.users[who], provider=True)


def _add_item(client, world, **changes):
    return _post(client, _plan_path(world, "/items/new"), {**ITEM, **changes})


def _submit(client, world):
    return _post(client, _plan_path(world, "/submit"), {}, token_from=_plan_path(world))


def _case(app, world):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        case = db.session.get(Case, world.case_a)
        plan = db.session.scalar(select(ImprovementPlan))
        versions = db.session.scalars(select(PlanVersion).order_by(PlanVersion.number)).all()
        return (case.plan_first_submitted_at, plan.status.value if plan else None,
                [(v.number, v.outcome.value, [i["action"] for i in v.items]) for v in versions])


def test_the_plan_from_draft_to_returned_to_accepted(app, world):
    provider_records.build(app, world)
    provider = _provider(app, world)
    # A missing field is refused with the error summary, and what was typed is kept.
    refused = _add_item(provider, world, lead="", action="Keep this action")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "govuk-error-summary" in body
    assert "Enter the lead" in body and "Keep this action" in body and 'value="27"' in body
    assert _add_item(provider, world).status_code == 302
    assert _submit(provider, world).status_code == 302
    first_submitted, status, versions = _case(app, world)
    assert first_submitted is not None and status == "submitted"
    assert versions == [(1, "submitted", [ITEM["action"]])]
    # While submitted the provider cannot change the plan.
    assert _add_item(provider, world).status_code == 409
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    assert ITEM["action"] in host.get(_staff_plan(world)).get_data(as_text=True)
    no_comment = _post(host, _staff_plan(world) + "/review", {"outcome": "returned"},
                       token_from=_staff_plan(world))
    assert no_comment.status_code == 400
    assert "Enter comments to say what must change" in no_comment.get_data(as_text=True)
    returned = _post(host, _staff_plan(world) + "/review",
                     {"outcome": "returned", "comment": "TARGET-TOO-LATE"},
                     token_from=_staff_plan(world))
    assert returned.status_code == 302
    page = provider.get(_plan_path(world)).get_data(as_text=True)
    assert "TARGET-TOO-LATE" in page and "Returned" in page
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        item_id = db.session.execute(text("select id from plan_item")).scalar()
    assert _post(provider, _plan_path(world, f"/items/{item_id}"),
                 {**ITEM, "action": "Retrain all staff"}).status_code == 302
    assert _submit(provider, world).status_code == 302
    again, status, versions = _case(app, world)
    # The milestone is the first submission's; every version is kept as it was.
    assert again == first_submitted and status == "submitted"
    assert versions == [(1, "returned", [ITEM["action"]]), (2, "submitted", ["Retrain all staff"])]
    assert _post(host, _staff_plan(world) + "/review", {"outcome": "accepted"},
                 token_from=_staff_plan(world)).status_code == 302
    assert _case(app, world)[1] == "accepted"
    assert _add_item(provider, world).status_code == 409


def test_a_plan_with_no_items_cannot_be_submitted(app, world):
    provider_records.build(app, world)
    provider = _provider(app, world)
    provider.get(_plan_path(world))
    _submit(provider, world)
    page = provider.get(_plan_path(world)).get_data(as_text=True)
    assert "Add at least one item before you submit the plan" in page
    assert _case(app, world)[0] is None


def _submitted(app, world):
    provider_records.build(app, world)
    provider = _provider(app, world)
    _add_item(provider, world)
    _submit(provider, world)
    return provider


def test_placing_authorities_only_read_the_plan(app, world):
    _submitted(app, world)
    shared = sign_in(app.test_client(), world.users["placing_shared_lead"])
    page = shared.get(f"/authorities/{world.placing_shared}/cases/{world.case_a}/plan")
    assert page.status_code == 200 and ITEM["action"] in page.get_data(as_text=True)
    assert "Save review" not in page.get_data(as_text=True)
    review = _post(shared, f"/authorities/{world.placing_shared}/cases/{world.case_a}/plan/review",
                   {"outcome": "accepted"},
                   token_from=f"/authorities/{world.placing_shared}/cases/{world.case_a}/plan")
    assert review.status_code == 403
    assert _case(app, world)[1] == "submitted"


@pytest.mark.parametrize("who", ["placing_unshared_lead", "host_b_lead"])
def test_other_authorities_find_no_plan(app, world, who):
    _submitted(app, world)
    # CSRF would refuse the POST before the access decision this test is about.
    app.config["WTF_CSRF_ENABLED"] = False
    client = sign_in(app.test_client(), world.users[who])
    authority = world.placing_unshared if who.startswith("placing") else world.host_b
    for method, path in (("get", ""), ("post", "/review")):
        response = getattr(client, method)(
            f"/authorities/{authority}/cases/{world.case_a}/plan{path}",
            data={"outcome": "accepted"})
        assert response.status_code in (403, 404), (who, path)
        assert ITEM["action"] not in response.get_data(as_text=True)


def test_another_provider_and_an_untold_provider_find_nothing(app, world):
    _submitted(app, world)
    other = _provider(app, world, "provider_b_manager")
    token = csrf_token(other, "/provider/account/password")
    for path in ("", "/items/new", "/items/1"):
        response = other.get(_plan_path(world, path))
        assert response.status_code == 404 and ITEM["action"] not in response.get_data(as_text=True)
    for path in ("/items/new", "/items/1", "/items/1/remove", "/submit"):
        assert other.post(_plan_path(world, path),
                          data={**ITEM, "csrf_token": token}).status_code == 404
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        db.session.get(Case, world.case_a).provider_informed_at = None
        db.session.commit()
    assert _provider(app, world).get(_plan_path(world)).status_code == 404


def test_rls_keeps_items_fixed_once_submitted_and_hides_the_plan(app, world, app_engine):  # noqa: F811
    from sqlalchemy.exc import ProgrammingError

    _submitted(app, world)
    with session_as(app_engine, Scope(provider_id=world.provider_a)) as session:
        assert session.execute(text("update plan_item set lead = 'x'")).rowcount == 0
        assert session.execute(text("delete from plan_item")).rowcount == 0
        # The provider can neither accept its own plan nor review its own version.
        with pytest.raises(ProgrammingError, match="row-level security"):
            session.execute(text("update improvement_plan set status = 'accepted'"))
        session.rollback()
        with pytest.raises(ProgrammingError, match="row-level security"):
            session.execute(text("update plan_version set outcome = 'accepted'"))
        session.rollback()
        plan_id = session.execute(text("select id from improvement_plan")).scalar()
        with pytest.raises(ProgrammingError, match="row-level security"):
            session.execute(text(
                "insert into plan_item (tenant_id, case_id, provider_id, plan_id, area, action,"
                " lead, target_on, evidence_required, rag) values (:t, :c, :p, :plan, 'safe',"
                " 'a', 'b', '2027-01-01', 'c', 'red')"),
                {"t": world.host_a, "c": world.case_a, "p": world.provider_a, "plan": plan_id})
    for outsider in (Scope(provider_id=world.provider_b), Scope(tenant_id=world.placing_unshared),
                     Scope(tenant_id=world.host_b)):
        with session_as(app_engine, outsider) as session:
            for table in ("improvement_plan", "plan_item", "plan_version"):
                assert session.execute(text(f"select count(*) from {table}")).scalar() == 0
    with session_as(app_engine, Scope(tenant_id=world.placing_shared)) as session:
        assert session.execute(text("select count(*) from plan_item")).scalar() == 1
        assert session.execute(text("update improvement_plan set status = 'accepted'")).rowcount == 0
