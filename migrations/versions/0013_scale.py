"""Scale: an index to read one authority's audit chain in order.

``flask verify-audit`` walks each chain by id, and the case history and the anchors read a
chain in id order: (tenant_id, id) lets PostgreSQL do that from the index instead of sorting
every event of the authority.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-01

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_event_tenant_id_id', 'audit_event', ['tenant_id', 'id'])


def downgrade():
    op.drop_index('ix_audit_event_tenant_id_id', table_name='audit_event')
