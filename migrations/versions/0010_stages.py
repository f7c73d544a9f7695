"""Stage process as a council team meets it: per-authority case references from a locked
counter, the provider told before it sees a case (and kept out while police or a coroner
advise), how the Improvement Plan arrived, and the host's key dates for placing authorities.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

from app.tenants import rls

OWNER = "tenant_id = app_tenant()"
CASES_READ = (
    "tenant_id = app_tenant() OR (provider_id = app_provider() "
    "AND provider_informed_at IS NOT NULL AND NOT provider_kept_out) OR EXISTS ("
    "SELECT 1 FROM case_share s WHERE s.case_id = cases.id "
    "AND s.placing_authority_id = app_tenant() AND s.ended_at IS NULL)"
)
CASES_READ_BEFORE = (
    "tenant_id = app_tenant() OR provider_id = app_provider() OR EXISTS ("
    "SELECT 1 FROM case_share s WHERE s.case_id = cases.id "
    "AND s.placing_authority_id = app_tenant() AND s.ended_at IS NULL)"
)

# The rules as they stood when this revision was written (each model's RLS_READ/RLS_WRITE).
POLICIES = {
    "cases": (CASES_READ, OWNER),
    "case_reference_counter": (OWNER, OWNER),
    "provider_exclusion": (OWNER, OWNER),
}
NEW_TABLES = ("case_reference_counter", "provider_exclusion")

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _replace_cases_policies(read: str) -> None:
    for statement in rls.drop_policies("cases"):
        op.execute(statement)
    for statement in rls.enable_policies("cases", read, OWNER):
        op.execute(statement)


def upgrade():
    op.add_column('authority', sa.Column('reference_prefix', sa.String(length=10), nullable=True))
    op.create_table('case_reference_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_case_reference_counter_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_reference_counter')),
    sa.UniqueConstraint('tenant_id', 'year', name=op.f('uq_case_reference_counter_tenant_id'))
    )
    op.create_index(op.f('ix_case_reference_counter_tenant_id'), 'case_reference_counter', ['tenant_id'], unique=False)
    op.create_table('provider_exclusion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('decision', 'initial_meeting', 'findings', 'update_meetings', 'quality_assurance', 'closing', 'closed', name='exclusion_stage', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('advised_by', sa.String(length=200), nullable=False),
    sa.Column('agreed_by_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lifted_reason', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreed_by_id'], ['user_account.id'], name=op.f('fk_provider_exclusion_agreed_by_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_provider_exclusion_case_id_cases')),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['user_account.id'], name=op.f('fk_provider_exclusion_lifted_by_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_provider_exclusion_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_exclusion'))
    )
    op.create_index(op.f('ix_provider_exclusion_case_id'), 'provider_exclusion', ['case_id'], unique=False)
    op.create_index(op.f('ix_provider_exclusion_tenant_id'), 'provider_exclusion', ['tenant_id'], unique=False)
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('provider_informed_how', sa.String(length=100), nullable=False, server_default=''))
        batch.add_column(sa.Column('provider_informed_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('provider_informed_backdate_reason', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('provider_kept_out', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('plan_received_how', sa.String(length=100), nullable=False, server_default=''))
        batch.add_column(sa.Column('key_dates', sa.JSON(), nullable=True))
        batch.create_foreign_key(op.f('fk_cases_provider_informed_by_id_user_account'), 'user_account', ['provider_informed_by_id'], ['id'])
        batch.drop_constraint('uq_cases_reference', type_='unique')
        batch.create_unique_constraint(op.f('uq_cases_tenant_id'), ['tenant_id', 'reference'])
    with op.batch_alter_table('cases') as batch:
        for column in ('provider_informed_how', 'provider_informed_backdate_reason',
                       'provider_kept_out', 'plan_received_how'):
            batch.alter_column(column, server_default=None)
    if op.get_bind().dialect.name == "postgresql":
        _replace_cases_policies(CASES_READ)
        for table in NEW_TABLES:
            read, write = POLICIES[table]
            for statement in rls.enable_policies(table, read, write):
                op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TABLES:
            for statement in rls.drop_policies(table):
                op.execute(statement)
        _replace_cases_policies(CASES_READ_BEFORE)
    with op.batch_alter_table('cases') as batch:
        batch.drop_constraint('uq_cases_tenant_id', type_='unique')
        batch.create_unique_constraint('uq_cases_reference', ['reference'])
        batch.drop_constraint('fk_cases_provider_informed_by_id_user_account', type_='foreignkey')
        batch.drop_column('key_dates')
        batch.drop_column('plan_received_how')
        batch.drop_column('provider_kept_out')
        batch.drop_column('provider_informed_backdate_reason')
        batch.drop_column('provider_informed_by_id')
        batch.drop_column('provider_informed_how')
    op.drop_index(op.f('ix_provider_exclusion_tenant_id'), table_name='provider_exclusion')
    op.drop_index(op.f('ix_provider_exclusion_case_id'), table_name='provider_exclusion')
    op.drop_table('provider_exclusion')
    op.drop_index(op.f('ix_case_reference_counter_tenant_id'), table_name='case_reference_counter')
    op.drop_table('case_reference_counter')
    op.drop_column('authority', 'reference_prefix')
