"""Who may write an evidence file, decided by the database alone (the app role on PostgreSQL,
ORM filter off): the provider adds files to its own plan's items as itself and never reviews
them; another provider, and a placing authority, write nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.auth.models import User
from app.cases.models import Case
from app.extensions import db
from app.tenants.scoping import Scope, scoped_as
from tests.integration.test_row_level_security import app_engine, session_as  # noqa: F401
from tests.integration.test_visibility_equivalence import NOW, _plan_rows, _provider_rows

INSERT = ("insert into evidence_file (tenant_id, case_id, provider_id, plan_id, item_id, "
          "original_name, storage_key, kind, content_type, size, sha256, uploaded_by_id, "
          "uploaded_at, status, review_comment) select i.tenant_id, i.case_id, :provider, "
          "i.plan_id, i.id, 'x.pdf', :key, 'pdf', 'application/pdf', 1, :sha, :user, now(), "
          ":status, '' from plan_item i where i.case_id = :case")


@pytest.fixture
def people(app, world):
    with app.app_context():
        users = {key: db.session.scalar(select(User.id).where(User.email == email))
                 for key, email in world.users.items()}
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            case = db.session.get(Case, world.case_a)
            case.provider_informed_at = NOW  # the provider writes its plan once it was told
            db.session.flush()
        _plan_rows(case, users["host_a_lead"], users["provider_a_manager"])
        _provider_rows(world.case_a, world.host_a, world.provider_a, users["provider_a_manager"])
        db.session.commit()
    return users


def _insert(session, world, people, *, provider, user, status="waiting"):
    return session.execute(text(INSERT), {
        "provider": provider, "user": user, "status": status, "case": world.case_a,
        "key": f"evidence/{'1' * 32}", "sha": "0" * 64})


def test_the_provider_adds_a_file_as_itself(app_engine, world, people):  # noqa: F811
    scope = Scope(provider_id=world.provider_a, user_id=people["provider_a_manager"])
    with session_as(app_engine, scope) as session:
        assert _insert(session, world, people, provider=world.provider_a,
                       user=people["provider_a_manager"]).rowcount == 1


@pytest.mark.parametrize("case", ["accepted status", "someone else as uploader",
                                  "another provider", "placing authority"])
def test_nobody_else_adds_a_file_and_none_arrives_reviewed(app_engine, world, people, case):  # noqa: F811
    provider, user, status = world.provider_a, people["provider_a_manager"], "waiting"
    scope = Scope(provider_id=world.provider_a, user_id=user)
    if case == "accepted status":
        status = "accepted"
    elif case == "someone else as uploader":
        user = people["provider_b_manager"]
    elif case == "another provider":
        provider, user = world.provider_b, people["provider_b_manager"]
        scope = Scope(provider_id=provider, user_id=user)
    else:
        scope = Scope(tenant_id=world.placing_shared, user_id=people["placing_shared_lead"])
    with session_as(app_engine, scope) as session:
        try:
            inserted = _insert(session, world, people, provider=provider, user=user,
                               status=status).rowcount
        except DBAPIError as refused:
            assert "row-level security" in str(refused)
            inserted = 0
        assert inserted == 0


@pytest.mark.parametrize("change", [
    "update evidence_file set status = 'accepted', reviewed_at = now()",
    "update evidence_file set review_comment = 'fine'",
    "update evidence_file set item_id = item_id",
    "delete from evidence_file",
])
def test_the_provider_never_reviews_or_removes_a_file(app_engine, world, people, change):  # noqa: F811
    scope = Scope(provider_id=world.provider_a, user_id=people["provider_a_manager"])
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        # Reviewed first, so that the provider's own row is no longer one it may write.
        session.execute(text("update evidence_file set status = 'rejected', reviewed_at = now()"))
        session.commit()
    with session_as(app_engine, scope) as session:
        assert session.execute(text("select count(*) from evidence_file")).scalar() == 1
        try:
            changed = session.execute(text(change)).rowcount
        except DBAPIError as refused:
            assert "row-level security" in str(refused)
            changed = 0
        assert changed == 0


def test_the_host_reviews_and_a_placing_authority_cannot(app_engine, world, people):  # noqa: F811
    review = "update evidence_file set status = 'accepted', reviewed_at = now()"
    with session_as(app_engine, Scope(tenant_id=world.placing_shared)) as session:
        assert session.execute(text("select count(*) from evidence_file")).scalar() == 1
        assert session.execute(text(review)).rowcount == 0
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        assert session.execute(text(review)).rowcount == 1
