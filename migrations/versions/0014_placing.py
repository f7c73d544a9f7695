"""The register of people using the service: room or address, funding, and a joint funder
who reads the resident as its placing authority does.

Revision ID: 0014
Revises: 0011
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
POLICIES = {"resident": (RESIDENT_READ, RESIDENT_WRITE)}
FUNDING = ("local_authority", "icb_continuing_health_care", "joint", "section_117",
           "self_funded", "other")

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0011'
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
    if op.get_bind().dialect.name == "postgresql":
        _replace_resident_policies(RESIDENT_READ)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        _replace_resident_policies(PREVIOUS_READ)
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
