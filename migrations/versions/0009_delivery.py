"""Delivery: a lease token on outbox messages (fencing), and the skipped state for reminders
that must not be sent.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

# The states as they stand after this revision, and before it (frozen here on purpose).
STATES = ("pending", "queued", "working", "sending", "sent", "failed", "unknown", "skipped")
OLD_STATES = STATES[:-1]


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _state_type(states):
    return sa.Enum(*states, name="messagestate", native_enum=False, create_constraint=True, length=40)


def _change_states(old, new):
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_outbox_message_messagestate"), "outbox_message", type_="check")
        listed = ", ".join(f"'{state}'" for state in new)
        op.create_check_constraint(op.f("ck_outbox_message_messagestate"), "outbox_message", f"state IN ({listed})")
        return
    # SQLite cannot alter a CHECK constraint: the batch recreates the table.
    with op.batch_alter_table("outbox_message", recreate="always") as batch:
        batch.alter_column("state", existing_type=_state_type(old), type_=_state_type(new),
                           existing_nullable=False)


# Messages already done keep no one-time link (raw invitation and password tokens).
TEMPLATES_WITH_LINKS = "('invitation', 'provider_password')"
REMOVED = "(removed once the message was sent or failed)"


def _scrub_done_links():
    done = f"state IN ('sent', 'failed') AND template IN {TEMPLATES_WITH_LINKS}"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE outbox_message SET payload = jsonb_set(jsonb_set(payload::jsonb, '{context,link}', "
            f"to_jsonb('{REMOVED}'::text)), '{{secrets_removed}}', 'true')::json "
            f"WHERE {done} AND payload::jsonb #> '{{context,link}}' IS NOT NULL"
        )
    else:
        op.execute(
            f"UPDATE outbox_message SET payload = json_set(payload, '$.context.link', '{REMOVED}', "
            f"'$.secrets_removed', json('true')) WHERE {done} "
            "AND json_extract(payload, '$.context.link') IS NOT NULL"
        )


def upgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("lease_token", sa.String(length=32), nullable=True))
    _change_states(OLD_STATES, STATES)
    _scrub_done_links()


def downgrade():
    op.execute("UPDATE outbox_message SET state = 'failed' WHERE state = 'skipped'")
    _change_states(STATES, OLD_STATES)
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("lease_token")
