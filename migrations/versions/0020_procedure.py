"""Each host's own procedure: clocks on, off or agreed at the meeting, its words, who makes the
stage 1 decision, whether the initial meeting has a part without the provider, and numbered
versions of the procedure that each case runs under.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

from app.tenants import rls

OWNER = "tenant_id = app_tenant()"
# The versions are the host's alone (ProcedureVersion: the default owner rule).
POLICIES = {"procedure_version": (OWNER, OWNER)}

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

# SQLite rebuilds ``cases`` to add a foreign key, and refuses while 0015's trigger names the
# table: the trigger is dropped for the rebuild and written again, unchanged.
SQLITE_MILESTONE_TRIGGER = """
CREATE TRIGGER plan_version_first_submitted AFTER INSERT ON plan_version
BEGIN
  UPDATE cases SET plan_first_submitted_at = NEW.submitted_at
  WHERE id = NEW.case_id AND plan_first_submitted_at IS NULL;
END"""

SETTINGS_COLUMNS = (
    ('clock_modes', sa.JSON(), '{}'),
    ('terms', sa.JSON(), '{}'),
    ('stage_one_decider', sa.String(length=20), 'dass'),
    ('initial_meeting_private_part', sa.Boolean(), '1'),
    ('preset', sa.String(length=40), 'multi_agency'),
    ('notifications', sa.JSON(), '{}'),
)


def upgrade():
    op.create_table('procedure_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_procedure_version_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_procedure_version_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_version')),
    sa.UniqueConstraint('tenant_id', 'number', name=op.f('uq_procedure_version_tenant_id'))
    )
    op.create_index(op.f('ix_procedure_version_tenant_id'), 'procedure_version', ['tenant_id'], unique=False)
    with op.batch_alter_table('procedure_settings') as batch:
        for name, type_, default in SETTINGS_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=False, server_default=default))
        batch.add_column(sa.Column('named_decider_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_procedure_settings_named_decider_id_user_account'),
                                 'user_account', ['named_decider_id'], ['id'])
    # The defaults only fill existing rows; the model sets the value on every new row.
    with op.batch_alter_table('procedure_settings') as batch:
        for name, _type, _default in SETTINGS_COLUMNS:
            batch.alter_column(name, server_default=None)
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER plan_version_first_submitted")
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('procedure_version_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('agreed_dates', sa.JSON(), nullable=True))
        batch.create_foreign_key(op.f('fk_cases_procedure_version_id_procedure_version'),
                                 'procedure_version', ['procedure_version_id'], ['id'])
    if sqlite:
        op.execute(SQLITE_MILESTONE_TRIGGER)
    op.add_column('case_decision', sa.Column('aggravating_factors', sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for table, (read, write) in POLICIES.items():
            for statement in rls.enable_policies(table, read, write):
                op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in POLICIES:
            for statement in rls.drop_policies(table):
                op.execute(statement)
    with op.batch_alter_table('case_decision') as batch:
        batch.drop_column('aggravating_factors')
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER plan_version_first_submitted")
    with op.batch_alter_table('cases') as batch:
        batch.drop_constraint(op.f('fk_cases_procedure_version_id_procedure_version'), type_='foreignkey')
        batch.drop_column('agreed_dates')
        batch.drop_column('procedure_version_id')
    if sqlite:
        op.execute(SQLITE_MILESTONE_TRIGGER)
    with op.batch_alter_table('procedure_settings') as batch:
        batch.drop_constraint(op.f('fk_procedure_settings_named_decider_id_user_account'), type_='foreignkey')
        batch.drop_column('named_decider_id')
        for name, _type, _default in reversed(SETTINGS_COLUMNS):
            batch.drop_column(name)
    op.drop_index(op.f('ix_procedure_version_tenant_id'), table_name='procedure_version')
    op.drop_table('procedure_version')
