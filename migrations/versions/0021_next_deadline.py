"""Scale: each case's next deadline and after-closing obligation, stored with its key dates.

The dashboard orders cases "overdue first, then soonest due" and pages them in SQL from these
columns instead of computing every clock of every case. They are written with the key dates
(``app/cases/key_dates.py``) on every change a host makes: after upgrading, run
``flask --app wsgi refresh-key-dates`` once to fill them for the cases already there.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on both databases: a batch copy of ``cases`` on SQLite would trip over
    # the triggers that name it (0015's plan_version_first_submitted).
    op.add_column('cases', sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('cases', sa.Column('owes_after_closing', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.create_index('ix_cases_tenant_id_next_due_at', 'cases', ['tenant_id', 'next_due_at'])


def downgrade():
    op.drop_index('ix_cases_tenant_id_next_due_at', table_name='cases')
    op.execute('ALTER TABLE cases DROP COLUMN owes_after_closing')
    op.execute('ALTER TABLE cases DROP COLUMN next_due_at')
