"""Data rules: shares only the host writes (the placing authority's acknowledgement in a row of
its own), residents only for the roles that may read them, and an audit trail keyed by
AUDIT_HMAC_KEY with a head per chain that the app role may only advance.

Existing audit chains are checked against their old (unkeyed) hashes, then re-hashed under the
key and given their heads: a chain already broken stops the upgrade rather than being laundered.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

"""
import hashlib
import hmac
import json
import os
from datetime import UTC

import sqlalchemy as sa
from alembic import op

from app.tenants import rls

APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "pcp_app")
DEV_AUDIT_HMAC_KEY = "development-only-audit-key-not-for-production"
GENESIS = "0" * 64

# The rules as they stood when this revision was written (each model's RLS_READ/RLS_WRITE).
OWNER = "tenant_id = app_tenant()"
RESIDENT_READ = (
    "(tenant_id = app_tenant() OR placing_authority_id = app_tenant()) AND app_reads_residents()"
)
RESIDENT_WRITE = "tenant_id = app_tenant() AND app_reads_residents()"
OWN_OR_PLATFORM = "tenant_id = app_tenant() OR (tenant_id IS NULL AND app_platform_admin())"
POLICIES = {
    "resident": (RESIDENT_READ, RESIDENT_WRITE),
    "resident_move": (RESIDENT_READ, RESIDENT_WRITE),
    "case_share": (
        "tenant_id = app_tenant() OR placing_authority_id = app_tenant()",
        "tenant_id = app_tenant() AND app_hosts_case(case_id)",
    ),
    "share_acknowledgement": (
        "tenant_id = app_tenant() OR host_authority_id = app_tenant()",
        "tenant_id = app_tenant() AND EXISTS (SELECT 1 FROM case_share s "
        "WHERE s.id = share_acknowledgement.share_id AND s.placing_authority_id = app_tenant() "
        "AND s.tenant_id = share_acknowledgement.host_authority_id AND s.ended_at IS NULL)",
    ),
    "audit_head": (OWN_OR_PLATFORM, OWN_OR_PLATFORM),
}
# The rules before this revision, for the downgrade.
PREVIOUS = {
    "resident": ("tenant_id = app_tenant() OR placing_authority_id = app_tenant()", OWNER),
    "resident_move": ("tenant_id = app_tenant() OR placing_authority_id = app_tenant()", OWNER),
    "case_share": (
        "tenant_id = app_tenant() OR placing_authority_id = app_tenant()",
        "tenant_id = app_tenant() OR placing_authority_id = app_tenant()",
    ),
}

READS_RESIDENTS_FUNCTION = (
    "CREATE OR REPLACE FUNCTION app_reads_residents() RETURNS boolean LANGUAGE sql STABLE AS "
    "$$ SELECT coalesce(current_setting('app.reads_residents', true), '') = 'on' $$"
)

# Whether the current tenant hosts a case. Security definer, run as the tables' owner: the
# share's write rule must read the case without the case's own rule, which reads shares.
HOSTS_CASE_FUNCTION = (
    "CREATE OR REPLACE FUNCTION app_hosts_case(case_id integer) RETURNS boolean LANGUAGE sql "
    "STABLE SECURITY DEFINER SET search_path = public, pg_temp AS "
    "$$ SELECT EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id AND c.tenant_id = app_tenant()) $$"
)

# The app role may only move a head onto its chain's newest event, one event at a time (a
# new head must count its whole chain; an advancing one adds one, so no count per event).
HEAD_TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_head_only_advances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  newest text;
  total bigint;
BEGIN
  IF NEW.tenant_id IS NULL THEN
    SELECT e.hash INTO newest FROM audit_event e WHERE e.tenant_id IS NULL ORDER BY e.id DESC LIMIT 1;
  ELSE
    SELECT e.hash INTO newest FROM audit_event e WHERE e.tenant_id = NEW.tenant_id ORDER BY e.id DESC LIMIT 1;
  END IF;
  IF NEW.chain <> coalesce(NEW.tenant_id, 0) OR NEW.head_hash IS DISTINCT FROM newest THEN
    RAISE EXCEPTION 'an audit head must point at its chain''s newest event';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF NEW.chain <> OLD.chain OR NEW.length <> OLD.length + 1 OR NEW.head_hash = OLD.head_hash THEN
      RAISE EXCEPTION 'an audit head only advances, one event at a time';
    END IF;
  ELSE
    SELECT count(*) INTO total FROM audit_event e
     WHERE e.tenant_id IS NOT DISTINCT FROM NEW.tenant_id;
    IF NEW.length <> total THEN
      RAISE EXCEPTION 'an audit head must count its chain''s events';
    END IF;
  END IF;
  RETURN NEW;
END
$$"""
HEAD_TRIGGER = (
    "CREATE TRIGGER audit_head_only_advances BEFORE INSERT OR UPDATE ON audit_head "
    "FOR EACH ROW EXECUTE FUNCTION audit_head_only_advances()"
)


def _revoke_delete(table: str) -> str:
    return f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    EXECUTE 'REVOKE DELETE, TRUNCATE ON {table} FROM {APP_ROLE}';
  END IF;
END
$$"""


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(READS_RESIDENTS_FUNCTION)
        op.execute(HOSTS_CASE_FUNCTION)
    op.create_table('share_acknowledgement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('share_id', sa.Integer(), nullable=False),
    sa.Column('host_authority_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('link_person_name', sa.String(length=200), nullable=False),
    sa.Column('link_person_email', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['user_account.id'], name=op.f('fk_share_acknowledgement_acknowledged_by_id_user_account')),
    sa.ForeignKeyConstraint(['host_authority_id'], ['authority.id'], name=op.f('fk_share_acknowledgement_host_authority_id_authority')),
    sa.ForeignKeyConstraint(['share_id'], ['case_share.id'], name=op.f('fk_share_acknowledgement_share_id_case_share')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_share_acknowledgement_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_acknowledgement')),
    sa.UniqueConstraint('share_id', name=op.f('uq_share_acknowledgement_share_id'))
    )
    op.create_index(op.f('ix_share_acknowledgement_host_authority_id'), 'share_acknowledgement', ['host_authority_id'], unique=False)
    op.create_index(op.f('ix_share_acknowledgement_tenant_id'), 'share_acknowledgement', ['tenant_id'], unique=False)
    # What placing authorities acknowledged so far moves into rows they own.
    op.execute(
        "INSERT INTO share_acknowledgement (share_id, host_authority_id, acknowledged_at, "
        "acknowledged_by_id, link_person_name, link_person_email, tenant_id, created_at) "
        "SELECT id, tenant_id, acknowledged_at, acknowledged_by_id, '', '', placing_authority_id, "
        "acknowledged_at FROM case_share WHERE acknowledged_at IS NOT NULL"
    )
    with op.batch_alter_table('case_share') as batch:
        batch.drop_constraint('fk_case_share_acknowledged_by_id_user_account', type_='foreignkey')
        batch.drop_column('acknowledged_by_id')
        batch.drop_column('acknowledged_at')
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('chain', sa.Integer(), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_audit_head_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head')),
    sa.UniqueConstraint('chain', name=op.f('uq_audit_head_chain'))
    )
    op.create_index(op.f('ix_audit_head_tenant_id'), 'audit_head', ['tenant_id'], unique=False)
    _rechain(_keyed, check=_plain, heads=True)
    if postgresql:
        _replace_policies(POLICIES)
        op.execute(HEAD_TRIGGER_FUNCTION)
        op.execute(HEAD_TRIGGER)
        # The new tables got the app role's rights from 0001's default privileges.
        op.execute(_revoke_delete("audit_head"))


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("DROP TRIGGER IF EXISTS audit_head_only_advances ON audit_head")
        op.execute("DROP FUNCTION IF EXISTS audit_head_only_advances()")
        for table in ("share_acknowledgement", "audit_head"):
            for statement in rls.drop_policies(table):
                op.execute(statement)
        _replace_policies(PREVIOUS)
    _rechain(_plain, check=_keyed, heads=False)
    op.drop_index(op.f('ix_audit_head_tenant_id'), table_name='audit_head')
    op.drop_table('audit_head')
    with op.batch_alter_table('case_share') as batch:
        batch.add_column(sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('acknowledged_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_case_share_acknowledged_by_id_user_account', 'user_account',
                                 ['acknowledged_by_id'], ['id'])
    op.execute(
        "UPDATE case_share SET acknowledged_at = (SELECT a.acknowledged_at FROM "
        "share_acknowledgement a WHERE a.share_id = case_share.id), acknowledged_by_id = ("
        "SELECT a.acknowledged_by_id FROM share_acknowledgement a WHERE a.share_id = case_share.id)"
    )
    op.drop_index(op.f('ix_share_acknowledgement_tenant_id'), table_name='share_acknowledgement')
    op.drop_index(op.f('ix_share_acknowledgement_host_authority_id'), table_name='share_acknowledgement')
    op.drop_table('share_acknowledgement')
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS app_reads_residents()")
        op.execute("DROP FUNCTION IF EXISTS app_hosts_case(integer)")


def _replace_policies(policies: dict) -> None:
    for table, (read, write) in policies.items():
        for statement in rls.drop_policies(table):
            op.execute(statement)
        for statement in rls.enable_policies(table, read, write):
            op.execute(statement)


# The audit chain, frozen as it stood at this revision (app/audit/services.py).

EVENTS = sa.table(
    "audit_event",
    sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
    sa.column("actor_user_id", sa.Integer), sa.column("actor_authority_id", sa.Integer),
    sa.column("action", sa.String), sa.column("object_type", sa.String),
    sa.column("object_id", sa.Integer), sa.column("case_id", sa.Integer),
    sa.column("old_values", sa.JSON), sa.column("new_values", sa.JSON),
    sa.column("reason", sa.Text), sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("prev_hash", sa.String), sa.column("hash", sa.String),
)
HEADS = sa.table(
    "audit_head",
    sa.column("tenant_id", sa.Integer), sa.column("chain", sa.Integer),
    sa.column("length", sa.Integer), sa.column("head_hash", sa.String),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def _encoded(row, prev: str) -> bytes:
    created = row.created_at
    if created.tzinfo is not None:
        created = created.astimezone(UTC).replace(tzinfo=None)
    content = {
        "tenant_id": row.tenant_id, "actor_user_id": row.actor_user_id,
        "actor_authority_id": row.actor_authority_id, "action": row.action,
        "object_type": row.object_type, "object_id": row.object_id, "case_id": row.case_id,
        "old": row.old_values, "new": row.new_values, "reason": row.reason,
        "created_at": created.isoformat(timespec="microseconds"), "prev": prev,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


def _plain(row, prev: str) -> str:
    return hashlib.sha256(_encoded(row, prev)).hexdigest()


def _keyed(row, prev: str) -> str:
    return hmac.new(_audit_key(), _encoded(row, prev), hashlib.sha256).hexdigest()


def _audit_key() -> bytes:
    from flask import current_app

    key = current_app.config.get("AUDIT_HMAC_KEY") if current_app else None
    return (key or os.environ.get("AUDIT_HMAC_KEY") or DEV_AUDIT_HMAC_KEY).encode()


def _rechain(hasher, *, check, heads: bool) -> None:
    """Re-hash every chain with ``hasher`` after proving it intact under ``check``."""
    from datetime import datetime

    bind = op.get_bind()
    rows = bind.execute(sa.select(EVENTS).order_by(EVENTS.c.id)).all()
    chains: dict = {}
    for row in rows:
        chains.setdefault(row.tenant_id, []).append(row)
    for tenant_id, events in chains.items():
        previous_old, previous_new = GENESIS, GENESIS
        for row in events:
            if row.prev_hash != previous_old or check(row, previous_old) != row.hash:
                raise RuntimeError(f"audit chain of authority {tenant_id} is broken at event "
                                   f"{row.id}: run flask verify-audit before migrating")
            new_hash = hasher(row, previous_new)
            bind.execute(EVENTS.update().where(EVENTS.c.id == row.id)
                         .values(prev_hash=previous_new, hash=new_hash))
            previous_old, previous_new = row.hash, new_hash
        if heads:
            bind.execute(HEADS.insert().values(tenant_id=tenant_id, chain=tenant_id or 0,
                                               length=len(events), head_hash=previous_new,
                                               updated_at=datetime.now(UTC)))
