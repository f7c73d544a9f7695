"""Documents: the authority's logo, the location's registered manager, final minutes and
apologies recorded apart from absence.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('authority') as batch:
        batch.add_column(sa.Column('logo_file', sa.String(length=100), nullable=True))
    with op.batch_alter_table('location') as batch:
        batch.add_column(sa.Column('registered_manager', sa.String(length=200), nullable=True))
    with op.batch_alter_table('meeting') as batch:
        batch.add_column(sa.Column('minutes_final', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table('meeting_attendee') as batch:
        batch.add_column(sa.Column('apologies', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    # The defaults only fill existing rows; the models set the value on every new row.
    with op.batch_alter_table('meeting') as batch:
        batch.alter_column('minutes_final', server_default=None)
    with op.batch_alter_table('meeting_attendee') as batch:
        batch.alter_column('apologies', server_default=None)


def downgrade():
    with op.batch_alter_table('meeting_attendee') as batch:
        batch.drop_column('apologies')
    with op.batch_alter_table('meeting') as batch:
        batch.drop_column('minutes_final')
    with op.batch_alter_table('location') as batch:
        batch.drop_column('registered_manager')
    with op.batch_alter_table('authority') as batch:
        batch.drop_column('logo_file')
