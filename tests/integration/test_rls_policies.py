"""The database's row-level security policies state the same rules as the models."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import text

from app.tenants.scoping import SCOPED_MODELS

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def _latest_policies() -> dict:
    """Return the POLICIES of the newest migration that states them."""
    policies = {}
    for path in sorted(MIGRATIONS.glob("*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        policies.update(getattr(module, "POLICIES", {}))
    return policies


def test_every_scoped_model_has_its_rules_in_a_migration():
    policies = _latest_policies()
    for model in SCOPED_MODELS:
        assert policies.get(model.__tablename__) == (model.RLS_READ, model.RLS_WRITE), model


def test_every_scoped_table_has_rls_enabled_with_policies(owner_engine):
    with owner_engine.connect() as conn:
        enabled = set(conn.execute(text("select relname from pg_class where relrowsecurity")).scalars())
        policies = set(conn.execute(text("select tablename || ':' || cmd from pg_policies")).scalars())
    for model in SCOPED_MODELS:
        table = model.__tablename__
        assert table in enabled, table
        assert {f"{table}:SELECT", f"{table}:INSERT"} <= policies, table
        if model.APPEND_ONLY:
            assert f"{table}:UPDATE" not in policies and f"{table}:DELETE" not in policies
        else:
            assert {f"{table}:UPDATE", f"{table}:DELETE"} <= policies, table
