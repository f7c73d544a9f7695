"""Provider portal: the provider reads the actions it owns and the part two minutes shared
with it, on a case it was told of (and not kept out of).

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-01

"""
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

# The rules as they stood when this revision was written (each model's RLS_READ/RLS_WRITE).
POLICIES = {
    "case_action": (ACTION_READ, OWNER),
    "meeting": (MEETING_READ, OWNER),
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
    _replace_policies(POLICIES)


def downgrade():
    _replace_policies(BEFORE)
