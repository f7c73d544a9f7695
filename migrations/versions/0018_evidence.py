"""Evidence files against Improvement Plan items: the provider adds them, the host reviews each.

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

from app.tenants import rls

TOLD_PROVIDER = (
    "EXISTS (SELECT 1 FROM cases c WHERE c.id = evidence_file.case_id "
    "AND c.provider_id = app_provider() "
    "AND c.provider_informed_at IS NOT NULL AND NOT c.provider_kept_out)"
)
SHARE = (
    "EXISTS (SELECT 1 FROM case_share s WHERE s.case_id = evidence_file.case_id "
    "AND s.placing_authority_id = app_tenant() AND s.ended_at IS NULL)"
)
# The rules as they stood when this revision was written (EvidenceFile.RLS_READ/RLS_WRITE).
READ = (f"tenant_id = app_tenant() OR {SHARE} "
        f"OR (provider_id = app_provider() AND {TOLD_PROVIDER})")
WRITE = (
    f"tenant_id = app_tenant() OR (provider_id = app_provider() AND {TOLD_PROVIDER} "
    "AND uploaded_by_id = app_user() AND status = 'waiting' AND reviewed_at IS NULL "
    "AND EXISTS (SELECT 1 FROM plan_item i WHERE i.id = evidence_file.item_id "
    "AND i.plan_id = evidence_file.plan_id AND i.case_id = evidence_file.case_id))"
)
POLICIES = {"evidence_file": (READ, WRITE)}
INDEXES = ("case_id", "item_id", "plan_id", "provider_id", "tenant_id")

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('storage_key', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('waiting', 'accepted', 'rejected', name='evidencestatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_evidence_file_case_id_cases')),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], name=op.f('fk_evidence_file_item_id_plan_item')),
    sa.ForeignKeyConstraint(['plan_id'], ['improvement_plan.id'], name=op.f('fk_evidence_file_plan_id_improvement_plan')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_evidence_file_provider_id_provider')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_evidence_file_reviewed_by_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_evidence_file_tenant_id_authority')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_evidence_file_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_file')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_evidence_file_storage_key')),
    )
    for column in INDEXES:
        op.create_index(op.f(f'ix_evidence_file_{column}'), 'evidence_file', [column], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls.enable_policies("evidence_file", READ, WRITE):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls.drop_policies("evidence_file"):
            op.execute(statement)
    for column in INDEXES:
        op.drop_index(op.f(f'ix_evidence_file_{column}'), table_name='evidence_file')
    op.drop_table('evidence_file')
