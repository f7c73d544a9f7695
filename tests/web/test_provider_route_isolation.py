"""Every provider page of a case, file and download, tried over the route map: a provider user
of another provider, and the provider itself before it was told, get nothing back and change
nothing.

The routes come from ``app.url_map`` (every provider-realm route with a ``case_id``), so a new
provider page is covered the day it is added.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import text

from app.cases.models import Case
from app.extensions import db
from app.storage import make_storage
from app.tenants.scoping import Scope, scoped_as
from tests import provider_records
from tests.support.clients import csrf_token, sign_in
from tests.web.test_route_access import _access_rule, _routes

MARKER = "PROVIDER-A-ONLY-91c2"
STREAMED_UPLOADS = {"provider_evidence.upload_evidence", "provider_first_response.send_response"}
CONTENT = b"%PDF-1.7\n" + MARKER.encode() * 100
ITEM = {"area": "safe", "action": f"Action {MARKER}", "lead": "Deputy manager",
        "target_on": ["27", "3", "2027"], "evidence_required": "Training records", "rag": "amber"}


def _provider_case_routes(app):
    return [(rule, method) for rule, method in _routes(app)
            if "case_id" in rule.arguments and _access_rule(app, rule.endpoint) == "provider"]


@pytest.fixture
def provider_a_evidence(app, world, tmp_path):
    """Provider A's plan on host A's case, with an item and an evidence file; return the ids."""
    app.config.update(FILE_STORAGE="local", FILE_STORAGE_DIR=str(tmp_path / "files"))
    made = provider_records.build(app, world)
    client = sign_in(app.test_client(), world.users["provider_a_manager"], provider=True)
    base = f"/provider/cases/{world.case_a}/plan"
    client.post(f"{base}/items/new",
                data={**ITEM, "csrf_token": csrf_token(client, f"{base}/items/new")})
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        item_id = db.session.execute(text("select id from plan_item")).scalar()
    path = f"{base}/items/{item_id}/evidence"
    assert client.post(path, data={"csrf_token": csrf_token(client, path),
                                   "file": (io.BytesIO(CONTENT), f"{MARKER}.pdf")},
                       content_type="multipart/form-data").status_code == 302
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        evidence_id = db.session.execute(text("select id from evidence_file")).scalar()
    return {**made, "item_id": item_id, "evidence_id": evidence_id}


def _url(rule, world, ids) -> str:
    values = {"case_id": world.case_a, "item_id": ids["item_id"],
              "evidence_id": ids["evidence_id"], "action_id": ids["provider_action"],
              "meeting_id": ids["shared_meeting"], "membership_id": 1, "point_id": 1,
              "response_id": 1}
    missing = set(rule.arguments) - set(values)
    assert not missing, f"teach this test a value for {missing} in {rule.rule}"
    return rule.build({k: values[k] for k in rule.arguments})[1]


def _state(app, owner_engine):
    with owner_engine.connect() as conn:
        rows = conn.execute(text(
            "select (select count(*) from plan_item), (select count(*) from evidence_file), "
            "(select count(*) from plan_version), (select count(*) from provider_action_update), "
            "(select count(*) from reply_point), (select count(*) from provider_notice), "
            "(select count(*) from first_response), "
            "(select string_agg(status, ',') from improvement_plan)")).one()
    return tuple(rows), make_storage(app.config).keys()


def _try_every_route(app, client, world, ids):
    app.config["WTF_CSRF_ENABLED"] = False
    routes = _provider_case_routes(app)
    assert any(rule.endpoint == "provider_evidence.download_evidence" for rule, _ in routes)
    leaks = []
    for rule, method in routes:
        path = _url(rule, world, ids)
        data = dict(ITEM)
        if method == "POST" and rule.endpoint in STREAMED_UPLOADS:
            data = {"message": "m", "file": (io.BytesIO(CONTENT), "mine.pdf")}
        response = client.open(path, method=method, data=data)
        body = response.get_data()
        if response.status_code not in (403, 404) or MARKER.encode() in body:
            leaks.append((method, path, response.status_code))
    return leaks


def test_another_provider_gets_nothing_on_any_page_file_or_download(
        app, world, provider_a_evidence, owner_engine):
    before = _state(app, owner_engine)
    other = sign_in(app.test_client(), world.users["provider_b_manager"], provider=True)
    assert _try_every_route(app, other, world, provider_a_evidence) == []
    assert _state(app, owner_engine) == before


def test_the_provider_gets_nothing_of_its_own_case_before_it_was_told(
        app, world, provider_a_evidence, owner_engine):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        db.session.get(Case, world.case_a).provider_informed_at = None
        db.session.commit()
    before = _state(app, owner_engine)
    own = sign_in(app.test_client(), world.users["provider_a_manager"], provider=True)
    assert _try_every_route(app, own, world, provider_a_evidence) == []
    assert _state(app, owner_engine) == before


def test_the_provider_itself_reaches_its_evidence(app, world, provider_a_evidence):
    own = sign_in(app.test_client(), world.users["provider_a_manager"], provider=True)
    response = own.get(f"/provider/cases/{world.case_a}/plan/evidence/"
                       f"{provider_a_evidence['evidence_id']}")
    assert response.status_code == 200 and response.get_data() == CONTENT


@pytest.mark.parametrize("who", ["host_b_lead", "placing_unshared_lead"])
def test_other_authorities_cannot_download_or_review_the_evidence(
        app, world, provider_a_evidence, who):
    app.config["WTF_CSRF_ENABLED"] = False
    client = sign_in(app.test_client(), world.users[who])
    authority = world.host_b if who == "host_b_lead" else world.placing_unshared
    base = (f"/authorities/{authority}/cases/{world.case_a}/plan/evidence")
    evidence_id = provider_a_evidence["evidence_id"]
    for method, path in (("GET", base), ("GET", f"{base}/{evidence_id}"),
                         ("POST", f"{base}/{evidence_id}/review")):
        response = client.open(path, method=method,
                               data={f"evidence-{evidence_id}-outcome": "accepted"})
        assert response.status_code in (403, 404), (who, path)
        assert MARKER.encode() not in response.get_data()


def test_a_placing_authority_with_a_share_reads_but_cannot_review(
        app, world, provider_a_evidence, owner_engine):
    app.config["WTF_CSRF_ENABLED"] = False
    client = sign_in(app.test_client(), world.users["placing_shared_lead"])
    base = f"/authorities/{world.placing_shared}/cases/{world.case_a}/plan/evidence"
    evidence_id = provider_a_evidence["evidence_id"]
    page = client.get(base).get_data(as_text=True)
    assert f"{MARKER}.pdf" in page and "Save review" not in page
    response = client.post(f"{base}/{evidence_id}/review",
                           data={f"evidence-{evidence_id}-outcome": "accepted"})
    assert response.status_code == 403
    with owner_engine.connect() as conn:
        assert conn.execute(text("select status from evidence_file")).scalar() == "waiting"
