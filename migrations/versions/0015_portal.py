"""Provider portal: the provider reads the actions it owns and the part two minutes shared
with it, on a case it was told of (and not kept out of), and records its own updates on the
actions it owns.

Revision ID: 0015
Revises: 0014
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
PLAN_TABLES = ("improvement_plan", "plan_item", "plan_version")


def _reader(table: str) -> str:
    return (f"tenant_id = app_tenant() OR {SHARE.format(table=table)} "
            f"OR (provider_id = app_provider() AND {TOLD_PROVIDER.format(table=table)})")


def _provider(table: str) -> str:
    return f"provider_id = app_provider() AND {TOLD_PROVIDER.format(table=table)}"


PLAN_POLICIES = {
    "improvement_plan": (_reader("improvement_plan"),
                         f"tenant_id = app_tenant() OR ({_provider('improvement_plan')} "
                         "AND status <> 'accepted')"),
    "plan_item": (_reader("plan_item"), (
        f"{_provider('plan_item')} AND EXISTS (SELECT 1 FROM improvement_plan p "
        "WHERE p.id = plan_item.plan_id AND p.status IN ('draft', 'returned'))")),
    "plan_version": (_reader("plan_version"),
                     f"tenant_id = app_tenant() OR ({_provider('plan_version')} "
                     "AND outcome = 'submitted' AND reviewed_at IS NULL)"),
}

# The first submitted version sets the case's milestone (the one host staff can also record by
# hand). A trigger, because the provider may not change the case row: on PostgreSQL the
# function runs as the tables' owner.
PG_MILESTONE_FUNCTION = """
CREATE OR REPLACE FUNCTION plan_first_submitted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  UPDATE cases SET plan_first_submitted_at = NEW.submitted_at
  WHERE id = NEW.case_id AND plan_first_submitted_at IS NULL;
  RETURN NEW;
END
$$"""
PG_MILESTONE_TRIGGER = (
    "CREATE TRIGGER plan_version_first_submitted AFTER INSERT ON plan_version "
    "FOR EACH ROW EXECUTE FUNCTION plan_first_submitted()"
)
SQLITE_MILESTONE_TRIGGER = """
CREATE TRIGGER plan_version_first_submitted AFTER INSERT ON plan_version
BEGIN
  UPDATE cases SET plan_first_submitted_at = NEW.submitted_at
  WHERE id = NEW.case_id AND plan_first_submitted_at IS NULL;
END"""
PLAN_STATUS = sa.Enum('draft', 'submitted', 'returned', 'accepted', name='planstatus',
                      native_enum=False, create_constraint=True, length=20)


def _plan_columns(table: str) -> list:
    return [
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f(f'fk_{table}_case_id_cases')),
        sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f(f'fk_{table}_provider_id_provider')),
        sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f(f'fk_{table}_tenant_id_authority')),
    ]


def _create_plan_tables() -> None:
    op.create_table('improvement_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', PLAN_STATUS, nullable=False),
    sa.Column('versions_submitted', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    *_plan_columns('improvement_plan'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_plan')),
    sa.UniqueConstraint('case_id', name=op.f('uq_improvement_plan_case_id')),
    )
    op.create_table('plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.Enum('safe', 'effective', 'caring', 'responsive', 'well_led', name='planarea', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('lead', sa.String(length=200), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('evidence_required', sa.Text(), nullable=False),
    sa.Column('rag', sa.Enum('red', 'amber', 'green', name='rag', native_enum=False, create_constraint=True, length=10), nullable=False),
    *_plan_columns('plan_item'),
    sa.ForeignKeyConstraint(['plan_id'], ['improvement_plan.id'], name=op.f('fk_plan_item_plan_id_improvement_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_item')),
    )
    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('outcome', PLAN_STATUS, nullable=False),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    *_plan_columns('plan_version'),
    sa.ForeignKeyConstraint(['plan_id'], ['improvement_plan.id'], name=op.f('fk_plan_version_plan_id_improvement_plan')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_plan_version_submitted_by_id_user_account')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_plan_version_reviewed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_plan_version_plan_id')),
    )
    for table, columns in PLAN_INDEXES.items():
        for column in columns:
            op.create_index(op.f(f'ix_{table}_{column}'), table, [column], unique=False)


PLAN_INDEXES = {
    "improvement_plan": ("case_id", "provider_id", "tenant_id"),
    "plan_item": ("case_id", "plan_id", "provider_id", "tenant_id"),
    "plan_version": ("case_id", "plan_id", "provider_id", "tenant_id"),
}


APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "pcp_app")

# The rules as they stood when this revision was written (each model's RLS_READ/RLS_WRITE).
POLICIES = {
    "case_action": (ACTION_READ, OWNER),
    "meeting": (MEETING_READ, OWNER),
    "provider_action_update": (UPDATE_READ, UPDATE_WRITE),
    **PLAN_POLICIES,
}
BEFORE = {
    "case_action": (ACTION_READ_BEFORE, OWNER),
    "meeting": (MEETING_READ_BEFORE, OWNER),
}

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
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
    _create_plan_tables()
    _replace_policies({k: POLICIES[k] for k in BEFORE})
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_MILESTONE_TRIGGER)
    if op.get_bind().dialect.name == "postgresql":
        for table in PLAN_TABLES:
            for statement in rls.enable_policies(table, *PLAN_POLICIES[table]):
                op.execute(statement)
        op.execute(PG_MILESTONE_FUNCTION)
        op.execute(PG_MILESTONE_TRIGGER)
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
    op.execute("DROP TRIGGER IF EXISTS plan_version_first_submitted"
               + (" ON plan_version" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS plan_first_submitted()")
        for table in ("provider_action_update", *PLAN_TABLES):
            for statement in rls.drop_policies(table):
                op.execute(statement)
    for table in reversed(PLAN_TABLES):
        for column in PLAN_INDEXES[table]:
            op.drop_index(op.f(f'ix_{table}_{column}'), table_name=table)
        op.drop_table(table)
    for column in ('action_id', 'case_id', 'provider_id', 'tenant_id'):
        op.drop_index(op.f(f'ix_provider_action_update_{column}'), table_name='provider_action_update')
    op.drop_table('provider_action_update')
