"""SQL for PostgreSQL row-level security, used by the migrations.

The rules themselves live next to each model (``RLS_READ``/``RLS_WRITE`` in the model class);
a migration copies them into ``CREATE POLICY`` statements, and
``tests/integration/test_rls_policies.py`` checks the database still states what the models do.
"""

from __future__ import annotations

SETTING_FUNCTIONS = {
    "app_tenant": "SELECT nullif(current_setting('app.tenant_id', true), '')::int",
    "app_user": "SELECT nullif(current_setting('app.user_id', true), '')::int",
    "app_provider": "SELECT nullif(current_setting('app.provider_id', true), '')::int",
    "app_platform_admin": (
        "SELECT coalesce(current_setting('app.platform_admin', true), '') = 'on'"
    ),
}

RETURNS = {"app_platform_admin": "boolean"}


def create_setting_functions() -> list[str]:
    """Return the statements creating the functions that the policies call."""
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS {RETURNS.get(name, 'integer')} "
        f"LANGUAGE sql STABLE AS $$ {body} $$"
        for name, body in SETTING_FUNCTIONS.items()
    ]


def enable_policies(table: str, read: str, write: str, append_only: bool = False) -> list[str]:
    """Return the statements that turn on RLS for a table with a read and a write rule."""
    statements = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({read})",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK ({write})",
    ]
    if not append_only:
        statements += [
            f"CREATE POLICY {table}_update ON {table} FOR UPDATE USING ({write}) WITH CHECK ({write})",
            f"CREATE POLICY {table}_delete ON {table} FOR DELETE USING ({write})",
        ]
    return statements


def grant_app_role(role: str) -> str:
    """Return a block granting the app role DML on every table, if that role exists."""
    return f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
    EXECUTE 'GRANT USAGE ON SCHEMA public TO {role}';
    EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}';
    EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}';
    EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}';
    EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}';
  END IF;
END
$$"""


def revoke_changes(table: str, role: str) -> str:
    """Return a block making a table append-only for the app role."""
    return f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
    EXECUTE 'REVOKE UPDATE, DELETE ON {table} FROM {role}';
  END IF;
END
$$"""


def drop_policies(table: str) -> list[str]:
    """Return the statements that remove a table's policies (before dropping tables)."""
    return [
        f"DROP POLICY IF EXISTS {table}_{action} ON {table}"
        for action in ("read", "insert", "update", "delete")
    ]
