"""Shareable parts are rows: each part of a meeting (agenda, minutes, with whom it is shared),
a meeting's decisions and reasons, a risk's host-only words and the host's own record of how
it reached a case's milestones move out of the rows that
placing authorities and providers read, into rows whose own policies decide who reads them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from app.tenants import rls

OWNER = "tenant_id = app_tenant()"
SHARE = (
    "EXISTS (SELECT 1 FROM case_share s WHERE s.case_id = {table}.case_id "
    "AND s.placing_authority_id = app_tenant() AND s.ended_at IS NULL)"
)
TOLD_PROVIDER = (
    "EXISTS (SELECT 1 FROM cases c WHERE c.id = {table}.case_id "
    "AND c.provider_id = app_provider() "
    "AND c.provider_informed_at IS NOT NULL AND NOT c.provider_kept_out)"
)
PART_READ = (
    "tenant_id = app_tenant() "
    f"OR (shared_with_placing AND {SHARE.format(table='meeting_part')}) "
    f"OR (number = 2 AND shared_with_provider AND {TOLD_PROVIDER.format(table='meeting_part')})"
)
OUTCOME_READ = (
    f"tenant_id = app_tenant() OR ({SHARE.format(table='meeting_outcome')} AND (SELECT count(*) "
    "FROM meeting_part p WHERE p.meeting_id = meeting_outcome.meeting_id "
    "AND p.shared_with_placing) = 2)"
)
MEETING_READ = (
    f"tenant_id = app_tenant() OR {SHARE.format(table='meeting')} "
    "OR (EXISTS (SELECT 1 FROM meeting_part p WHERE p.meeting_id = meeting.id "
    "AND p.number = 2 AND p.shared_with_provider) "
    f"AND {TOLD_PROVIDER.format(table='meeting')})"
)
MEETING_READ_BEFORE = (
    f"tenant_id = app_tenant() OR {SHARE.format(table='meeting')} "
    f"OR (part_two_shared_with_provider AND {TOLD_PROVIDER.format(table='meeting')})"
)

# The rules as they stand at this revision (each model's RLS_READ/RLS_WRITE).
POLICIES = {
    "meeting": (MEETING_READ, OWNER),
    "meeting_part": (PART_READ, OWNER),
    "meeting_outcome": (OUTCOME_READ, OWNER),
    "risk_detail": (OWNER, OWNER),
    "case_detail": (OWNER, OWNER),
}

# Each part's columns on the meeting before this revision: (number, old column, new column).
PART_COLUMNS = (
    (1, "agenda_part_one", "agenda"), (2, "agenda_part_two", "agenda"),
    (1, "minutes_part_one", "minutes"), (2, "minutes_part_two", "minutes"),
    (1, "part_one_shared_with_placing", "shared_with_placing"),
    (2, "part_two_shared_with_placing", "shared_with_placing"),
    (2, "part_two_shared_with_provider", "shared_with_provider"),
)
OUTCOME_COLUMNS = ("decisions", "sustainability_rationale")
NEW_TABLES = ("meeting_part", "meeting_outcome", "risk_detail", "case_detail")
CASE_COLUMNS = ("provider_informed_how", "provider_informed_by_id",
                "provider_informed_backdate_reason", "plan_received_how", "contract_review_outcome")
DETAIL_COLUMNS = ("title", "description", "mitigation", "owner_name", "review_on")

# SQLite renames a table it rebuilds (batch mode), which a trigger naming that table forbids:
# 0015's trigger on plan_version, which updates cases, is dropped around the rebuild of cases.
SQLITE_MILESTONE_TRIGGER = """
CREATE TRIGGER plan_version_first_submitted AFTER INSERT ON plan_version
BEGIN
  UPDATE cases SET plan_first_submitted_at = NEW.submitted_at
  WHERE id = NEW.case_id AND plan_first_submitted_at IS NULL;
END"""


@contextmanager
def _rebuilding_cases():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS plan_version_first_submitted")
    with op.batch_alter_table('cases') as batch:
        yield batch
    if sqlite:
        op.execute(SQLITE_MILESTONE_TRIGGER)


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _set_policies(table: str, read: str, write: str) -> None:
    if not _postgresql():
        return
    for statement in rls.drop_policies(table):
        op.execute(statement)
    for statement in rls.enable_policies(table, read, write):
        op.execute(statement)


def _create_tables() -> None:
    op.create_table('meeting_part',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('shared_with_placing', sa.Boolean(), nullable=False),
    sa.Column('shared_with_provider', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('number IN (1, 2)', name=op.f('ck_meeting_part_part_number')),
    sa.CheckConstraint('number = 2 OR NOT shared_with_provider',
                       name=op.f('ck_meeting_part_part_one_not_provider')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_meeting_part_case_id_cases')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_part_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_meeting_part_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_part')),
    sa.UniqueConstraint('meeting_id', 'number', name=op.f('uq_meeting_part_meeting_id')),
    )
    for column in ('case_id', 'meeting_id', 'tenant_id'):
        op.create_index(op.f(f'ix_meeting_part_{column}'), 'meeting_part', [column], unique=False)
    op.create_table('meeting_outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=False),
    sa.Column('sustainability_rationale', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_meeting_outcome_case_id_cases')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_outcome_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_meeting_outcome_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_outcome')),
    sa.UniqueConstraint('meeting_id', name=op.f('uq_meeting_outcome_meeting_id')),
    )
    for column in ('case_id', 'tenant_id'):
        op.create_index(op.f(f'ix_meeting_outcome_{column}'), 'meeting_outcome', [column], unique=False)
    op.create_table('risk_detail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('risk_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('mitigation', sa.Text(), nullable=False),
    sa.Column('owner_name', sa.String(length=200), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['risk_id'], ['risk.id'], name=op.f('fk_risk_detail_risk_id_risk')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_risk_detail_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_detail')),
    sa.UniqueConstraint('risk_id', name=op.f('uq_risk_detail_risk_id')),
    )
    op.create_index(op.f('ix_risk_detail_tenant_id'), 'risk_detail', ['tenant_id'], unique=False)
    op.create_table('case_detail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('provider_informed_how', sa.String(length=100), nullable=False),
    sa.Column('provider_informed_by_id', sa.Integer(), nullable=True),
    sa.Column('provider_informed_backdate_reason', sa.Text(), nullable=False),
    sa.Column('plan_received_how', sa.String(length=100), nullable=False),
    sa.Column('contract_review_outcome', sa.Text(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_detail_case_id_cases')),
    sa.ForeignKeyConstraint(['provider_informed_by_id'], ['user_account.id'], name=op.f('fk_case_detail_provider_informed_by_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['authority.id'], name=op.f('fk_case_detail_tenant_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_detail')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_detail_case_id')),
    )
    op.create_index(op.f('ix_case_detail_tenant_id'), 'case_detail', ['tenant_id'], unique=False)


def _part_select(number: int) -> str:
    columns = {new: old for n, old, new in PART_COLUMNS if n == number}
    provider = columns.get("shared_with_provider", "false")
    return (f"SELECT tenant_id, id, case_id, {number}, {columns['agenda']}, {columns['minutes']}, "
            f"{columns['shared_with_placing']}, {provider} FROM meeting")


def _move_into_rows() -> None:
    for number in (1, 2):
        op.execute("INSERT INTO meeting_part (tenant_id, meeting_id, case_id, number, agenda, "
                   "minutes, shared_with_placing, shared_with_provider) " + _part_select(number))
    columns = ", ".join(OUTCOME_COLUMNS)
    op.execute(f"INSERT INTO meeting_outcome (tenant_id, meeting_id, case_id, {columns}) "
               f"SELECT tenant_id, id, case_id, {columns} FROM meeting")
    columns = ", ".join(DETAIL_COLUMNS)
    op.execute(f"INSERT INTO risk_detail (tenant_id, risk_id, {columns}) "
               f"SELECT tenant_id, id, {columns} FROM risk")
    columns = ", ".join(CASE_COLUMNS)
    op.execute(f"INSERT INTO case_detail (tenant_id, case_id, {columns}) "
               f"SELECT tenant_id, id, {columns} FROM cases")


def upgrade():
    _create_tables()
    _move_into_rows()
    # The meeting's rule must stop naming its old column before that column can go.
    _set_policies("meeting", *POLICIES["meeting"])
    for table in NEW_TABLES:
        _set_policies(table, *POLICIES[table])
    with op.batch_alter_table('meeting') as batch:
        for _number, old, _new in PART_COLUMNS:
            batch.drop_column(old)
        for column in OUTCOME_COLUMNS:
            batch.drop_column(column)
    with op.batch_alter_table('risk') as batch:
        for column in DETAIL_COLUMNS:
            batch.drop_column(column)
    with _rebuilding_cases() as batch:
        batch.drop_constraint('fk_cases_provider_informed_by_id_user_account', type_='foreignkey')
        for column in CASE_COLUMNS:
            batch.drop_column(column)


def _old_columns() -> None:
    # Defaults fill the rows that exist; they are taken off once the values are copied back.
    with op.batch_alter_table('meeting') as batch:
        for _number, old, new in PART_COLUMNS:
            kind = sa.Boolean() if new.startswith("shared") else sa.Text()
            default = sa.false() if new.startswith("shared") else ""
            batch.add_column(sa.Column(old, kind, nullable=False, server_default=default))
        for column in OUTCOME_COLUMNS:
            batch.add_column(sa.Column(column, sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('risk') as batch:
        batch.add_column(sa.Column('title', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('description', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('mitigation', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('owner_name', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('review_on', sa.Date(), nullable=True))
    with _rebuilding_cases() as batch:
        batch.add_column(sa.Column('provider_informed_how', sa.String(length=100), nullable=False, server_default=''))
        batch.add_column(sa.Column('provider_informed_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('provider_informed_backdate_reason', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('plan_received_how', sa.String(length=100), nullable=False, server_default=''))
        batch.add_column(sa.Column('contract_review_outcome', sa.Text(), nullable=True))
        batch.create_foreign_key(op.f('fk_cases_provider_informed_by_id_user_account'), 'user_account',
                                 ['provider_informed_by_id'], ['id'])


def _move_back() -> None:
    for number, old, new in PART_COLUMNS:
        op.execute(f"UPDATE meeting SET {old} = (SELECT p.{new} FROM meeting_part p "
                   f"WHERE p.meeting_id = meeting.id AND p.number = {number}) "
                   f"WHERE EXISTS (SELECT 1 FROM meeting_part p WHERE p.meeting_id = meeting.id "
                   f"AND p.number = {number})")
    for column in OUTCOME_COLUMNS:
        op.execute(f"UPDATE meeting SET {column} = (SELECT o.{column} FROM meeting_outcome o "
                   "WHERE o.meeting_id = meeting.id) "
                   "WHERE EXISTS (SELECT 1 FROM meeting_outcome o WHERE o.meeting_id = meeting.id)")
    for column in DETAIL_COLUMNS:
        op.execute(f"UPDATE risk SET {column} = (SELECT d.{column} FROM risk_detail d "
                   "WHERE d.risk_id = risk.id) "
                   "WHERE EXISTS (SELECT 1 FROM risk_detail d WHERE d.risk_id = risk.id)")
    for column in CASE_COLUMNS:
        op.execute(f"UPDATE cases SET {column} = (SELECT d.{column} FROM case_detail d "
                   "WHERE d.case_id = cases.id) "
                   "WHERE EXISTS (SELECT 1 FROM case_detail d WHERE d.case_id = cases.id)")
    with _rebuilding_cases() as batch:
        for column in ("provider_informed_how", "provider_informed_backdate_reason",
                       "plan_received_how"):
            batch.alter_column(column, server_default=None)
    with op.batch_alter_table('meeting') as batch:
        for old in (*(old for _number, old, _new in PART_COLUMNS), *OUTCOME_COLUMNS):
            batch.alter_column(old, server_default=None)
    with op.batch_alter_table('risk') as batch:
        for column in ("title", "description", "mitigation", "owner_name"):
            batch.alter_column(column, server_default=None)


def downgrade():
    _old_columns()
    _move_back()
    _set_policies("meeting", MEETING_READ_BEFORE, OWNER)
    for table in NEW_TABLES:
        if _postgresql():
            for statement in rls.drop_policies(table):
                op.execute(statement)
    op.drop_index(op.f('ix_case_detail_tenant_id'), table_name='case_detail')
    op.drop_table('case_detail')
    op.drop_index(op.f('ix_risk_detail_tenant_id'), table_name='risk_detail')
    op.drop_table('risk_detail')
    for column in ('case_id', 'tenant_id'):
        op.drop_index(op.f(f'ix_meeting_outcome_{column}'), table_name='meeting_outcome')
    op.drop_table('meeting_outcome')
    for column in ('case_id', 'meeting_id', 'tenant_id'):
        op.drop_index(op.f(f'ix_meeting_part_{column}'), table_name='meeting_part')
    op.drop_table('meeting_part')
