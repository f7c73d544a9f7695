"""The register of people using the service: room or address, funding, and a joint funder
who reads the resident as its placing authority does.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

from app.tenants import rls

# The resident rules as they stand at this revision (Resident.RLS_READ/RLS_WRITE), and before.
RESIDENT_READ = (
    "(tenant_id = app_tenant() OR placing_authority_id = app_tenant() "
    "OR joint_funder_id = app_tenant()) AND app_reads_residents()"
)
PREVIOUS_READ = (
    "(tenant_id = app_tenant() OR placing_authority_id = app_tenant()) AND app_reads_residents()"
)
RESIDENT_WRITE = "tenant_id = app_tenant() AND app_reads_residents()"
REVIEW_READ = (
    "(tenant_id = app_tenant() OR host_authority_id = app_tenant()) AND app_reads_residents()"
)
REVIEW_WRITE = (
    "tenant_id = app_tenant() AND app_reads_residents() AND EXISTS (SELECT 1 FROM resident r "
    "WHERE r.id = resident_review.resident_id AND r.tenant_id = resident_review.host_authority_id "
    "AND (r.placing_authority_id = app_tenant() OR r.joint_funder_id = app_tenant()))"
)
POLICIES = {"resident": (RESIDENT_READ, RESIDENT_WRITE), "resident_review": (REVIEW_READ, REVIEW_WRITE)}
FUNDING = ("local_authority", "icb_continuing_health_care", "joint", "section_117",
           "self_funded", "other")

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('resident') as batch:
        batch.add_column(sa.Column('joint_funder_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('funding', sa.Enum(*FUNDING, name='funding', native_enum=False,
                                                      create_constraint=True, length=30),
                                   nullable=True))
        batch.add_column(sa.Column('room', sa.String(length=200), nullable=False,
                                   server_default=''))
        batch.create_foreign_key(op.f('fk_resident_joint_funder_id_authority'), 'authority',
                                 ['joint_funder_id'], ['id'])
        batch.create_index(op.f('ix_resident_joint_funder_id'), ['joint_funder_id'], unique=False)
    # The default only fills existing rows; the model sets the value on every new row.
    with op.batch_alter_table('resident') as batch:
        batch.alter_column('room', server_default=None)
    op.create_table('resident_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('host_authority_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('needs_met', sa.String(length=10), nullable=False),
    sa.Column('mental_capacity', sa.Text(), nullable=False),
    sa.Column('best_interests', sa.Text(), nullable=False),
    sa.Column('dols_status', sa.String(length=20), nullable=False),
    sa.Column('advocacy', sa.Text(), nullable=False),
    sa.Column('person_and_family_told', sa.String(length=10), nullable=False),
    sa.Column('wishes', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['host_authority_id'], ['authority.id'], name=op.f('fk_resident_review_host_authority_id_authority')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_resident_review_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_resident_review_resident_id_resident')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_resident_review_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_review'))
    )
    op.create_index(op.f('ix_resident_review_host_authority_id'), 'resident_review', ['host_authority_id'], unique=False)
    op.create_index(op.f('ix_resident_review_resident_id'), 'resident_review', ['resident_id'], unique=False)
    op.create_index(op.f('ix_resident_review_tenant_id'), 'resident_review', ['tenant_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _replace_resident_policies(RESIDENT_READ)
        for statement in rls.enable_policies('resident_review', REVIEW_READ, REVIEW_WRITE):
            op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        for statement in rls.drop_policies('resident_review'):
            op.execute(statement)
        _replace_resident_policies(PREVIOUS_READ)
    op.drop_index(op.f('ix_resident_review_tenant_id'), table_name='resident_review')
    op.drop_index(op.f('ix_resident_review_resident_id'), table_name='resident_review')
    op.drop_index(op.f('ix_resident_review_host_authority_id'), table_name='resident_review')
    op.drop_table('resident_review')
    with op.batch_alter_table('resident') as batch:
        if not postgresql:
            # SQLite copies the table with its CHECK constraints; PostgreSQL drops it with the column.
            batch.drop_constraint(op.f('ck_resident_funding'), type_='check')
        batch.drop_index(op.f('ix_resident_joint_funder_id'))
        batch.drop_constraint(op.f('fk_resident_joint_funder_id_authority'), type_='foreignkey')
        batch.drop_column('room')
        batch.drop_column('funding')
        batch.drop_column('joint_funder_id')


def _replace_resident_policies(read: str) -> None:
    for statement in rls.drop_policies('resident'):
        op.execute(statement)
    for statement in rls.enable_policies('resident', read, RESIDENT_WRITE):
        op.execute(statement)
