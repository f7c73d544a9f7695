"""Quality assurance (stage 5): QA and communication strategies, feedback invitations and
responses, independent scrutiny, escalations and "you said, we did"; the public form's
per-address throttle.

Every new case-child table is the host's alone (owner-only policies): respondents' answers
and contact details are never read by placing authorities or providers.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

from app.tenants import rls

OWNER = "tenant_id = app_tenant()"
SCOPED_TABLES = ("feedback_invitation", "feedback_response", "qa_activity", "qa_strategy",
                 "communication_update", "qa_escalation", "you_said_we_did")
# The rules as they stand at this revision (each model's RLS_READ/RLS_WRITE).
POLICIES = {table: (OWNER, OWNER) for table in SCOPED_TABLES}

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_throttle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_throttle')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_feedback_throttle_key_hash'))
    )
    op.create_table('communication_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('audience', sa.String(length=300), nullable=False),
    sa.Column('how', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('before_emergency_decision', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_communication_update_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_communication_update_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_communication_update_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_communication_update'))
    )
    op.create_index(op.f('ix_communication_update_case_id'), 'communication_update', ['case_id'], unique=False)
    op.create_index(op.f('ix_communication_update_tenant_id'), 'communication_update', ['tenant_id'], unique=False)
    op.create_table('feedback_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('respondent_kind', sa.Enum('resident', 'family', 'friend', 'carer', 'advocate', name='respondentkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('phase', sa.Enum('baseline', 'follow_up', name='phase', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('delivery', sa.Enum('email', 'letter', name='delivery', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_feedback_invitation_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_feedback_invitation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_feedback_invitation_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_invitation')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_feedback_invitation_code_hash')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_feedback_invitation_token_hash'))
    )
    op.create_index(op.f('ix_feedback_invitation_case_id'), 'feedback_invitation', ['case_id'], unique=False)
    op.create_index(op.f('ix_feedback_invitation_tenant_id'), 'feedback_invitation', ['tenant_id'], unique=False)
    op.create_table('qa_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('healthwatch_visit', 'plan_validation', 'partner_review', 'staff_qa_visit', 'residents_meeting', name='activitykind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('carried_out_by', sa.String(length=300), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('before_and_after', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_qa_activity_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_qa_activity_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_qa_activity_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_activity'))
    )
    op.create_index(op.f('ix_qa_activity_case_id'), 'qa_activity', ['case_id'], unique=False)
    op.create_index(op.f('ix_qa_activity_tenant_id'), 'qa_activity', ['tenant_id'], unique=False)
    op.create_table('qa_escalation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('escalated_on', sa.Date(), nullable=False),
    sa.Column('group_name', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_qa_escalation_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_qa_escalation_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_qa_escalation_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_escalation'))
    )
    op.create_index(op.f('ix_qa_escalation_case_id'), 'qa_escalation', ['case_id'], unique=False)
    op.create_index(op.f('ix_qa_escalation_tenant_id'), 'qa_escalation', ['tenant_id'], unique=False)
    op.create_table('qa_strategy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('outcomes_wanted', sa.Text(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('baseline', sa.Text(), nullable=False),
    sa.Column('communication_scope', sa.Enum('service_wide', 'need_to_know', name='communicationscope', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('communication_reason', sa.Text(), nullable=False),
    sa.Column('who_tells_whom', sa.Text(), nullable=False),
    sa.Column('agreed_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_qa_strategy_case_id_cases')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_qa_strategy_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_strategy')),
    sa.UniqueConstraint('case_id', name=op.f('uq_qa_strategy_case_id'))
    )
    op.create_index(op.f('ix_qa_strategy_tenant_id'), 'qa_strategy', ['tenant_id'], unique=False)
    op.create_table('you_said_we_did',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('public_code', sa.String(length=40), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_you_said_we_did_case_id_cases')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_you_said_we_did_published_by_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_you_said_we_did_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_you_said_we_did')),
    sa.UniqueConstraint('public_code', name=op.f('uq_you_said_we_did_public_code'))
    )
    op.create_index(op.f('ix_you_said_we_did_case_id'), 'you_said_we_did', ['case_id'], unique=False)
    op.create_index(op.f('ix_you_said_we_did_tenant_id'), 'you_said_we_did', ['tenant_id'], unique=False)
    op.create_table('feedback_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('online', 'telephone', 'provider', name='feedbacksource', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('phase', sa.Enum('baseline', 'follow_up', name='phase', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('respondent_kind', sa.Enum('resident', 'family', 'friend', 'carer', 'advocate', name='respondentkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('respondent_name', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('something_happened', sa.Boolean(), nullable=False),
    sa.Column('something_happened_detail', sa.Text(), nullable=False),
    sa.Column('helped_by', sa.JSON(), nullable=False),
    sa.Column('caller_role', sa.String(length=200), nullable=False),
    sa.Column('earlier_response_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('disclosure_marked_by_id', sa.Integer(), nullable=True),
    sa.Column('disclosure_reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disclosure_triaged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disclosure_triaged_by_id', sa.Integer(), nullable=True),
    sa.Column('disclosure_triage_note', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_feedback_response_case_id_cases')),
    sa.ForeignKeyConstraint(['disclosure_marked_by_id'], ['user_account.id'], name=op.f('fk_feedback_response_disclosure_marked_by_id_user_account')),
    sa.ForeignKeyConstraint(['disclosure_triaged_by_id'], ['user_account.id'], name=op.f('fk_feedback_response_disclosure_triaged_by_id_user_account')),
    sa.ForeignKeyConstraint(['earlier_response_id'], ['feedback_response.id'], name=op.f('fk_feedback_response_earlier_response_id_feedback_response')),
    sa.ForeignKeyConstraint(['invitation_id'], ['feedback_invitation.id'], name=op.f('fk_feedback_response_invitation_id_feedback_invitation')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_feedback_response_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_feedback_response_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_response')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_feedback_response_invitation_id'))
    )
    op.create_index(op.f('ix_feedback_response_case_id'), 'feedback_response', ['case_id'], unique=False)
    op.create_index(op.f('ix_feedback_response_tenant_id'), 'feedback_response', ['tenant_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # No new grant: the default privileges of 0001 cover new tables.
        for table, (read, write) in POLICIES.items():
            for statement in rls.enable_policies(table, read, write):
                op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in SCOPED_TABLES:
            for statement in rls.drop_policies(table):
                op.execute(statement)
    op.drop_index(op.f('ix_feedback_response_tenant_id'), table_name='feedback_response')
    op.drop_index(op.f('ix_feedback_response_case_id'), table_name='feedback_response')
    op.drop_table('feedback_response')
    op.drop_index(op.f('ix_you_said_we_did_tenant_id'), table_name='you_said_we_did')
    op.drop_index(op.f('ix_you_said_we_did_case_id'), table_name='you_said_we_did')
    op.drop_table('you_said_we_did')
    op.drop_index(op.f('ix_qa_strategy_tenant_id'), table_name='qa_strategy')
    op.drop_table('qa_strategy')
    op.drop_index(op.f('ix_qa_escalation_tenant_id'), table_name='qa_escalation')
    op.drop_index(op.f('ix_qa_escalation_case_id'), table_name='qa_escalation')
    op.drop_table('qa_escalation')
    op.drop_index(op.f('ix_qa_activity_tenant_id'), table_name='qa_activity')
    op.drop_index(op.f('ix_qa_activity_case_id'), table_name='qa_activity')
    op.drop_table('qa_activity')
    op.drop_index(op.f('ix_feedback_invitation_tenant_id'), table_name='feedback_invitation')
    op.drop_index(op.f('ix_feedback_invitation_case_id'), table_name='feedback_invitation')
    op.drop_table('feedback_invitation')
    op.drop_index(op.f('ix_communication_update_tenant_id'), table_name='communication_update')
    op.drop_index(op.f('ix_communication_update_case_id'), table_name='communication_update')
    op.drop_table('communication_update')
    op.drop_table('feedback_throttle')
