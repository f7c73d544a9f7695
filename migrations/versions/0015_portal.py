"""Provider portal: the provider reads the actions it owns and the part two minutes shared
with it, on a case it was told of (and not kept out of), and records its own updates on the
actions it owns.

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-01

"""
import os

import sqlalchemy as sa
from alembic import op

from app.tenants import rls

OWNER = "tenant_id = app_tenant()"
SHARE = (
    "EXISTS (SELECT 1 FROM case_share s WHERE s.case_id = {table}.case_id "
    "AND s.placing_authority_id = app_tenant() AND s.ended_at IS NULL)"
)
TOLD_PROVIDER = (
    "EXISTS (SELECT 1 FROM cases c WHERE c.id = {table}.case_id "
    "AND c.provider_id = app_provider() "
    "AND c.provider_informed_at IS NOT NULL AND NOT c.provider_kept_out)"
)
ACTION_READ_BEFORE = (
    f"tenant_id = app_tenant() OR (owner_authority_id = app_tenant() AND "
    f"{SHARE.format(table='case_action')})"
)
ACTION_READ = (
    f"{ACTION_READ_BEFORE} "
    f"OR (owner_kind = 'provider' AND {TOLD_PROVIDER.format(table='case_action')})"
)
MEETING_READ_BEFORE = f"tenant_id = app_tenant() OR {SHARE.format(table='meeting')}"
MEETING_READ = (
    f"{MEETING_READ_BEFORE} "
    f"OR (part_two_shared_with_provider AND {TOLD_PROVIDER.format(table='meeting')})"
)

UPDATE_READ = (
    "tenant_id = app_tenant() OR (provider_id = app_provider() "
    f"AND {TOLD_PROVIDER.format(table='provider_action_update')})"
)
UPDATE_WRITE = (
    "provider_id = app_provider() AND user_id = app_user() AND EXISTS ("
    "SELECT 1 FROM case_action a WHERE a.id = provider_action_update.action_id "
    "AND a.case_id = provider_action_update.case_id "
    "AND a.tenant_id = provider_action_update.tenant_id AND a.owner_kind = 'provider')"
)
APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "pcp_app")

# The rules as they stood when this revision was written (each model's RLS_READ/RLS_WRITE).
POLICIES = {
    "case_action": (ACTION_READ, OWNER),
    "meeting": (MEETING_READ, OWNER),
    "provider_action_update": (UPDATE_READ, UPDATE_WRITE),
}
BEFORE = {
    "case_action": (ACTION_READ_BEFORE, OWNER),
    "meeting": (MEETING_READ_BEFORE, OWNER),
}

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0011'
branch_labels = None
depends_on = None


def _replace_policies(policies: dict) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, (read, write) in policies.items():
        for statement in rls.drop_policies(table):
            op.execute(statement)
        for statement in rls.enable_policies(table, read, write):
            op.execute(statement)


def upgrade():
    op.create_table('provider_action_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'in_progress', 'done', 'cancelled', name='actionstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['case_action.id'], name=op.f('fk_provider_action_update_action_id_case_action')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_provider_action_update_case_id_cases')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_provider_action_update_provider_id_provider')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_provider_action_update_tenant_id_authority')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_provider_action_update_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_action_update'))
    )
    for column in ('action_id', 'case_id', 'provider_id', 'tenant_id'):
        op.create_index(op.f(f'ix_provider_action_update_{column}'), 'provider_action_update',
                        [column], unique=False)
    _replace_policies({k: POLICIES[k] for k in BEFORE})
    if op.get_bind().dialect.name == "postgresql":
        read, write = POLICIES["provider_action_update"]
        # Append-only: every update the provider sends is kept.
        for statement in rls.enable_policies("provider_action_update", read, write,
                                             append_only=True):
            op.execute(statement)
        # No new grant: the default privileges of 0001 cover new tables, and granting on every
        # table again would undo the revocations of the audit tables (0003, 0006).
        op.execute(rls.revoke_changes("provider_action_update", APP_ROLE))


def downgrade():
    _replace_policies(BEFORE)
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls.drop_policies("provider_action_update"):
            op.execute(statement)
    for column in ('action_id', 'case_id', 'provider_id', 'tenant_id'):
        op.drop_index(op.f(f'ix_provider_action_update_{column}'), table_name='provider_action_update')
    op.drop_table('provider_action_update')
