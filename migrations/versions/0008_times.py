"""Meeting parts with their own times, cancelled meetings; SQLite's London clock times in UTC.

Each part of a meeting gets its own start and end (part one starts at ``scheduled_for``), and
a meeting may be cancelled (``cancelled_at``).

On SQLite, moments typed as London clock time (a meeting's start, when it was held, the
contract review day) were written as the clock time with the offset dropped, and read back as
UTC: an hour out in summer. Every moment is UTC from now on (app.db.UtcDateTime), so those
values are converted here. PostgreSQL kept the offset (timestamptz) and needs no conversion.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

"""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

LONDON = ZoneInfo("Europe/London")
SQLITE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
PART = timedelta(hours=1)
NEW_COLUMNS = ("part_one_ends_at", "part_two_starts_at", "part_two_ends_at")
# The columns that held London clock times on SQLite, as (table, column).
LONDON_COLUMNS = (("meeting", "scheduled_for"), ("meeting", "held_at"), ("cases", "contract_review_at"))


def _read(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _write(value: datetime) -> str:
    return value.strftime(SQLITE_FORMAT)


def _convert_sqlite(connection, table: str, column: str, to_utc: bool) -> None:
    """Rewrite one column's values between London clock time and UTC (naive, SQLite's way)."""
    rows = connection.execute(
        sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")
    ).all()
    for row_id, value in rows:
        moment = _read(value)
        if to_utc:
            moment = moment.replace(tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)
        else:
            moment = moment.replace(tzinfo=UTC).astimezone(LONDON).replace(tzinfo=None)
        connection.execute(
            sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
            {"value": _write(moment), "id": row_id},
        )


def _fill_part_times(connection, sqlite: bool) -> None:
    if not sqlite:
        connection.execute(sa.text(
            "UPDATE meeting SET part_one_ends_at = scheduled_for + interval '1 hour', "
            "part_two_starts_at = scheduled_for + interval '1 hour', "
            "part_two_ends_at = scheduled_for + interval '2 hours'"
        ))
        return
    for row_id, value in connection.execute(sa.text("SELECT id, scheduled_for FROM meeting")).all():
        start = _read(value)
        connection.execute(
            sa.text("UPDATE meeting SET part_one_ends_at = :one_end, part_two_starts_at = "
                    ":two_start, part_two_ends_at = :two_end WHERE id = :id"),
            {"one_end": _write(start + PART), "two_start": _write(start + PART),
             "two_end": _write(start + 2 * PART), "id": row_id},
        )


def upgrade():
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        for table, column in LONDON_COLUMNS:
            _convert_sqlite(connection, table, column, to_utc=True)
    for name in NEW_COLUMNS:
        op.add_column('meeting', sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    _fill_part_times(connection, sqlite)
    op.add_column('meeting', sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('meeting') as batch:
        for name in NEW_COLUMNS:
            batch.alter_column(name, existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('meeting') as batch:
        for name in (*NEW_COLUMNS, 'cancelled_at'):
            batch.drop_column(name)
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for table, column in LONDON_COLUMNS:
            _convert_sqlite(connection, table, column, to_utc=False)
