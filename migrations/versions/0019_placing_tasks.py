"""Out-of-area arrangements, second part: each authority's alert contact (read by any
authority, written by its own), the history of alerts with the level of information sharing,
the sweep's chase and escalation of an unacknowledged share, and delegated tasks between a
host and a placing authority.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01

"""
import os

import sqlalchemy as sa
from alembic import op

from app.tenants import rls

OWNER = "tenant_id = app_tenant()"
CONTACT_READ = "app_tenant() IS NOT NULL"
ALERT_READ = (
    "tenant_id = app_tenant() OR EXISTS (SELECT 1 FROM case_share s WHERE s.case_id = "
    "placing_alert.case_id AND s.placing_authority_id = app_tenant() AND s.ended_at IS NULL)"
)
# A task is read and written by its two parties: the host always, the placing authority while
# its share of the case is live.
TASK_RULE = (
    "host_authority_id = app_tenant() OR (placing_authority_id = app_tenant() AND EXISTS ("
    "SELECT 1 FROM case_share s WHERE s.case_id = delegated_task.case_id "
    "AND s.placing_authority_id = app_tenant() AND s.tenant_id = delegated_task.host_authority_id "
    "AND s.ended_at IS NULL))"
)
UPDATE_READ = "tenant_id = app_tenant() OR host_authority_id = app_tenant()"
UPDATE_WRITE = (
    "tenant_id = app_tenant() AND EXISTS (SELECT 1 FROM case_action a "
    "WHERE a.id = placing_action_update.action_id AND a.case_id = placing_action_update.case_id "
    "AND a.tenant_id = placing_action_update.host_authority_id AND a.owner_kind = 'authority' "
    "AND a.owner_authority_id = app_tenant())"
)
APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "pcp_app")
POLICIES = {
    "alert_contact": (CONTACT_READ, OWNER),
    "placing_alert": (ALERT_READ, OWNER),
    "delegated_task": (TASK_RULE, TASK_RULE),
    "placing_action_update": (UPDATE_READ, UPDATE_WRITE),
}
APPEND_ONLY = {"placing_action_update"}

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def _tenant(table: str) -> list:
    return [
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f(f'fk_{table}_tenant_id_authority')),
    ]


def upgrade():
    with op.batch_alter_table('procedure_settings') as batch:
        batch.add_column(sa.Column('placing_chase_working_days', sa.Integer(), nullable=False,
                                   server_default='2'))
    with op.batch_alter_table('procedure_settings') as batch:
        batch.alter_column('placing_chase_working_days', server_default=None)
    with op.batch_alter_table('case_share') as batch:
        batch.add_column(sa.Column('chased_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('alert_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    *_tenant('alert_contact'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_alert_contact_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_contact')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_alert_contact_tenant_id')),
    )
    op.create_index(op.f('ix_alert_contact_tenant_id'), 'alert_contact', ['tenant_id'], unique=False)
    op.create_table('placing_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('alerted', 'restriction', 'emergency_plan', 'closed', name='alertkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('sharing_level', sa.Enum('service_wide', 'need_to_know', name='sharinglevel', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('sharing_reason', sa.Text(), nullable=False),
    sa.Column('concern', sa.Text(), nullable=False),
    sa.Column('planned', sa.Text(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    *_tenant('placing_alert'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_placing_alert_case_id_cases')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['user_account.id'], name=op.f('fk_placing_alert_sent_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placing_alert')),
    )
    op.create_index(op.f('ix_placing_alert_case_id'), 'placing_alert', ['case_id'], unique=False)
    op.create_index(op.f('ix_placing_alert_tenant_id'), 'placing_alert', ['tenant_id'], unique=False)
    _create_tasks()
    _create_action_updates()
    if op.get_bind().dialect.name == "postgresql":
        for table, (read, write) in POLICIES.items():
            for statement in rls.enable_policies(table, read, write, append_only=table in APPEND_ONLY):
                op.execute(statement)
        op.execute(rls.revoke_changes("placing_action_update", APP_ROLE))


def _create_action_updates() -> None:
    op.create_table('placing_action_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('host_authority_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'in_progress', 'done', 'cancelled', name='actionstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    *_tenant('placing_action_update'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_placing_action_update_case_id_cases')),
    sa.ForeignKeyConstraint(['action_id'], ['case_action.id'], name=op.f('fk_placing_action_update_action_id_case_action')),
    sa.ForeignKeyConstraint(['host_authority_id'], ['authority.id'], name=op.f('fk_placing_action_update_host_authority_id_authority')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_placing_action_update_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placing_action_update')),
    )
    for column in ('action_id', 'case_id', 'host_authority_id', 'tenant_id'):
        op.create_index(op.f(f'ix_placing_action_update_{column}'), 'placing_action_update', [column], unique=False)


def _create_tasks() -> None:
    op.create_table('delegated_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('host_authority_id', sa.Integer(), nullable=False),
    sa.Column('placing_authority_id', sa.Integer(), nullable=False),
    sa.Column('assignee_authority_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', 'cancelled', name='taskstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    *_tenant('delegated_task'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_delegated_task_case_id_cases')),
    sa.ForeignKeyConstraint(['host_authority_id'], ['authority.id'], name=op.f('fk_delegated_task_host_authority_id_authority')),
    sa.ForeignKeyConstraint(['placing_authority_id'], ['authority.id'], name=op.f('fk_delegated_task_placing_authority_id_authority')),
    sa.ForeignKeyConstraint(['assignee_authority_id'], ['authority.id'], name=op.f('fk_delegated_task_assignee_authority_id_authority')),
    sa.ForeignKeyConstraint(['asked_by_id'], ['user_account.id'], name=op.f('fk_delegated_task_asked_by_id_user_account')),
    sa.ForeignKeyConstraint(['completed_by_id'], ['user_account.id'], name=op.f('fk_delegated_task_completed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegated_task')),
    )
    for column in ('case_id', 'host_authority_id', 'placing_authority_id', 'tenant_id'):
        op.create_index(op.f(f'ix_delegated_task_{column}'), 'delegated_task', [column], unique=False)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in POLICIES:
            for statement in rls.drop_policies(table):
                op.execute(statement)
    for column in ('action_id', 'case_id', 'host_authority_id', 'tenant_id'):
        op.drop_index(op.f(f'ix_placing_action_update_{column}'), table_name='placing_action_update')
    op.drop_table('placing_action_update')
    for column in ('case_id', 'host_authority_id', 'placing_authority_id', 'tenant_id'):
        op.drop_index(op.f(f'ix_delegated_task_{column}'), table_name='delegated_task')
    op.drop_table('delegated_task')
    op.drop_index(op.f('ix_placing_alert_tenant_id'), table_name='placing_alert')
    op.drop_index(op.f('ix_placing_alert_case_id'), table_name='placing_alert')
    op.drop_table('placing_alert')
    op.drop_index(op.f('ix_alert_contact_tenant_id'), table_name='alert_contact')
    op.drop_table('alert_contact')
    with op.batch_alter_table('case_share') as batch:
        batch.drop_column('escalated_at')
        batch.drop_column('chased_at')
    with op.batch_alter_table('procedure_settings') as batch:
        batch.drop_column('placing_chase_working_days')
