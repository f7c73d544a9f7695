"""Evidence files against Improvement Plan items: the provider adds them, the host reviews each.
The provider's right of reply on the findings shared with it (points and the host's
responses), with its window a procedure setting that the told provider may read. Notices the
provider gives its host (cannot improve, service failure, leaving the market). The host's
comments on each item of a returned plan version. The provider's first response (messages with
an optional file each), append-only.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01

"""
import os

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
TOLD_REPLY = TOLD_PROVIDER.replace("evidence_file", "reply_point")
REPLY_READ = f"tenant_id = app_tenant() OR (provider_id = app_provider() AND {TOLD_REPLY})"
REPLY_WRITE = (
    f"tenant_id = app_tenant() OR (provider_id = app_provider() AND {TOLD_REPLY} "
    "AND raised_by_id = app_user() AND responded_at IS NULL AND EXISTS (SELECT 1 FROM meeting m "
    "WHERE m.id = reply_point.meeting_id AND m.case_id = reply_point.case_id))"
)
SETTINGS_READ = (
    "tenant_id = app_tenant() OR EXISTS (SELECT 1 FROM cases c "
    "WHERE c.tenant_id = procedure_settings.tenant_id AND c.provider_id = app_provider() "
    "AND c.provider_informed_at IS NOT NULL AND NOT c.provider_kept_out)"
)
OWNER = "tenant_id = app_tenant()"
TOLD_NOTICE = TOLD_PROVIDER.replace("evidence_file", "provider_notice")
NOTICE_READ = f"tenant_id = app_tenant() OR (provider_id = app_provider() AND {TOLD_NOTICE})"
NOTICE_WRITE = (f"tenant_id = app_tenant() OR (provider_id = app_provider() AND {TOLD_NOTICE} "
                "AND given_by_id = app_user() AND seen_at IS NULL)")
POLICIES = {
    "evidence_file": (READ, WRITE),
    "reply_point": (REPLY_READ, REPLY_WRITE),
    "procedure_settings": (SETTINGS_READ, OWNER),
    "provider_notice": (NOTICE_READ, NOTICE_WRITE),
}
NOTICE_INDEXES = ("case_id", "provider_id", "tenant_id")
TOLD_RESPONSE = TOLD_PROVIDER.replace("evidence_file", "first_response")
POLICIES["first_response"] = (
    f"tenant_id = app_tenant() OR (provider_id = app_provider() AND {TOLD_RESPONSE})",
    f"provider_id = app_provider() AND {TOLD_RESPONSE} AND sent_by_id = app_user()",
)
REPLY_INDEXES = ("case_id", "meeting_id", "provider_id", "tenant_id")
INDEXES = ("case_id", "item_id", "plan_id", "provider_id", "tenant_id")

APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "pcp_app")

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
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
    _create_reply_points()
    _create_notices()
    _create_first_responses()
    with op.batch_alter_table('plan_version') as batch:
        batch.add_column(sa.Column('item_comments', sa.JSON(), nullable=False,
                                   server_default='{}'))
    with op.batch_alter_table('procedure_settings') as batch:
        batch.add_column(sa.Column('right_of_reply_working_days', sa.Integer(), nullable=False,
                                   server_default='5'))
    if op.get_bind().dialect.name == "postgresql":
        for table in ("evidence_file", "reply_point", "provider_notice"):
            for statement in rls.enable_policies(table, *POLICIES[table]):
                op.execute(statement)
        _replace_policies("procedure_settings", SETTINGS_READ, OWNER)
        # Append-only: a response once sent is kept as it was.
        for statement in rls.enable_policies("first_response", *POLICIES["first_response"],
                                             append_only=True):
            op.execute(statement)
        op.execute(rls.revoke_changes("first_response", APP_ROLE))


def _replace_policies(table: str, read: str, write: str) -> None:
    for statement in rls.drop_policies(table):
        op.execute(statement)
    for statement in rls.enable_policies(table, read, write):
        op.execute(statement)


def _create_first_responses() -> None:
    op.create_table('first_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=True),
    sa.Column('storage_key', sa.String(length=60), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_first_response_case_id_cases')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_first_response_provider_id_provider')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['user_account.id'], name=op.f('fk_first_response_sent_by_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_first_response_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_first_response')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_first_response_storage_key')),
    )
    for column in NOTICE_INDEXES:
        op.create_index(op.f(f'ix_first_response_{column}'), 'first_response', [column], unique=False)


def _create_notices() -> None:
    op.create_table('provider_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('cannot_improve', 'service_failure', 'leaving_market', name='noticekind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('given_by_id', sa.Integer(), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seen_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_provider_notice_case_id_cases')),
    sa.ForeignKeyConstraint(['given_by_id'], ['user_account.id'], name=op.f('fk_provider_notice_given_by_id_user_account')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_provider_notice_provider_id_provider')),
    sa.ForeignKeyConstraint(['seen_by_id'], ['user_account.id'], name=op.f('fk_provider_notice_seen_by_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_provider_notice_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_notice')),
    )
    for column in NOTICE_INDEXES:
        op.create_index(op.f(f'ix_provider_notice_{column}'), 'provider_notice', [column], unique=False)


def _create_reply_points() -> None:
    op.create_table('reply_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('point', sa.Text(), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_reply_point_case_id_cases')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_reply_point_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_reply_point_provider_id_provider')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['user_account.id'], name=op.f('fk_reply_point_raised_by_id_user_account')),
    sa.ForeignKeyConstraint(['responded_by_id'], ['user_account.id'], name=op.f('fk_reply_point_responded_by_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_reply_point_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_point')),
    )
    for column in REPLY_INDEXES:
        op.create_index(op.f(f'ix_reply_point_{column}'), 'reply_point', [column], unique=False)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _replace_policies("procedure_settings", OWNER, OWNER)
        for table in ("evidence_file", "reply_point", "provider_notice", "first_response"):
            for statement in rls.drop_policies(table):
                op.execute(statement)
    with op.batch_alter_table('procedure_settings') as batch:
        batch.drop_column('right_of_reply_working_days')
    with op.batch_alter_table('plan_version') as batch:
        batch.drop_column('item_comments')
    for column in REPLY_INDEXES:
        op.drop_index(op.f(f'ix_reply_point_{column}'), table_name='reply_point')
    op.drop_table('reply_point')
    for column in NOTICE_INDEXES:
        op.drop_index(op.f(f'ix_provider_notice_{column}'), table_name='provider_notice')
    op.drop_table('provider_notice')
    for column in NOTICE_INDEXES:
        op.drop_index(op.f(f'ix_first_response_{column}'), table_name='first_response')
    op.drop_table('first_response')
    for column in INDEXES:
        op.drop_index(op.f(f'ix_evidence_file_{column}'), table_name='evidence_file')
    op.drop_table('evidence_file')
