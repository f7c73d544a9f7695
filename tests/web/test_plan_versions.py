"""The difference between two versions of a plan, item by item, for the host, a placing
authority with a share and the provider; the plan as a Word document."""

from __future__ import annotations

from sqlalchemy import text

from app.documents import DOCX_TYPE
from tests import provider_records
from tests.support.clients import sign_in
from tests.support.word import all_text, open_docx
from tests.web.test_improvement_plans import (
    ITEM,
    _add_item,
    _plan_path,
    _post,
    _provider,
    _staff_plan,
    _submit,
)


def _two_versions(app, world, owner_engine):
    """Version 1 with two items; returned; version 2 with one changed, one removed, one new."""
    provider_records.build(app, world)
    provider = _provider(app, world)
    _add_item(provider, world, action="KEEP-AS-IS")
    _add_item(provider, world, action="RETRAIN-NIGHT-STAFF", lead="Deputy manager")
    _add_item(provider, world, action="DROP-THIS-ITEM", area="well_led")
    _submit(provider, world)
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    _post(host, _staff_plan(world) + "/review", {"outcome": "returned", "comment": "Fix it"},
          token_from=_staff_plan(world))
    with owner_engine.connect() as conn:
        ids = dict(conn.execute(text("select action, id from plan_item")).all())
    _post(provider, _plan_path(world, f"/items/{ids['RETRAIN-NIGHT-STAFF']}"),
          {**ITEM, "action": "RETRAIN-NIGHT-STAFF", "lead": "Registered manager", "rag": "green"})
    _post(provider, _plan_path(world, f"/items/{ids['DROP-THIS-ITEM']}/remove"), {},
          token_from=_plan_path(world))
    _add_item(provider, world, action="NEW-AUDIT-ITEM")
    _submit(provider, world)
    return provider, host


def _changes(page: str) -> dict[str, str]:
    import re

    return {action: change for change, action in re.findall(
        r'plan-change--(\w+)">\s*<caption[^>]*>([A-Z-]+)', page)}


def test_each_side_sees_what_changed_between_two_versions(app, world, owner_engine):
    provider, host = _two_versions(app, world, owner_engine)
    shared = sign_in(app.test_client(), world.users["placing_shared_lead"])
    for client, path in (
        (host, _staff_plan(world) + "/versions"),
        (shared, f"/authorities/{world.placing_shared}/cases/{world.case_a}/plan/versions"),
        (provider, _plan_path(world, "/versions")),
    ):
        page = client.get(path).get_data(as_text=True)
        assert _changes(page) == {"NEW-AUDIT-ITEM": "added", "KEEP-AS-IS": "same",
                                  "RETRAIN-NIGHT-STAFF": "changed", "DROP-THIS-ITEM": "removed"}
        assert "<del>Deputy manager</del>" in page and "<ins>Registered manager</ins>" in page
        assert "<del>Amber</del>" in page and "<ins>Green</ins>" in page
    # Asked the other way round, the same change reads backwards.
    page = host.get(_staff_plan(world) + "/versions?from=2&to=1").get_data(as_text=True)
    assert _changes(page)["NEW-AUDIT-ITEM"] == "removed"
    assert "<del>Registered manager</del>" in page


def test_one_version_has_nothing_to_compare(app, world):
    provider_records.build(app, world)
    provider = _provider(app, world)
    _add_item(provider, world)
    _submit(provider, world)
    page = provider.get(_plan_path(world, "/versions")).get_data(as_text=True)
    assert "Only one version has been submitted" in page


def test_the_plan_downloads_as_a_word_document(app, world, owner_engine):
    provider, host = _two_versions(app, world, owner_engine)
    for client, path in ((host, _staff_plan(world) + "/plan.docx"),
                         (provider, _plan_path(world, "/plan.docx"))):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == DOCX_TYPE
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "improvement-plan-version-2.docx" in response.headers["Content-Disposition"]
        text_of = all_text(open_docx(response.get_data()))
        assert "NEW-AUDIT-ITEM" in text_of and "Registered manager" in text_of
        assert "DROP-THIS-ITEM" not in text_of and "Safe" in text_of
    other = _provider(app, world, "provider_b_manager")
    for path in ("/plan.docx", "/versions"):
        response = other.get(_plan_path(world, path))
        assert response.status_code == 404 and b"NEW-AUDIT-ITEM" not in response.get_data()


def test_the_host_returns_a_plan_with_a_comment_on_one_item(app, world, owner_engine):
    provider_records.build(app, world)
    provider = _provider(app, world)
    _add_item(provider, world, action="FINE-AS-IT-IS")
    _add_item(provider, world, action="TARGET-TOO-LATE-ITEM")
    _submit(provider, world)
    with owner_engine.connect() as conn:
        ids = dict(conn.execute(text("select action, id from plan_item")).all())
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    page = host.get(_staff_plan(world)).get_data(as_text=True)
    late = ids["TARGET-TOO-LATE-ITEM"]
    assert f'name="item_{late}_comment"' in page and "Comment on: TARGET-TOO-LATE-ITEM" in page
    too_long = _post(host, _staff_plan(world) + "/review",
                     {"outcome": "returned", f"item_{late}_comment": "x" * 4001},
                     token_from=_staff_plan(world))
    assert too_long.status_code == 400
    assert f'href="#item_{late}_comment"' in too_long.get_data(as_text=True)
    returned = _post(host, _staff_plan(world) + "/review",
                     {"outcome": "returned", f"item_{late}_comment": "BRING-IT-FORWARD"},
                     token_from=_staff_plan(world))
    assert returned.status_code == 302
    with owner_engine.connect() as conn:
        kept = conn.execute(text("select item_comments from plan_version")).scalar()
    assert kept == {str(late): "BRING-IT-FORWARD"}
    mine = provider.get(_plan_path(world)).get_data(as_text=True)
    assert "<strong>TARGET-TOO-LATE-ITEM</strong>: BRING-IT-FORWARD" in mine
