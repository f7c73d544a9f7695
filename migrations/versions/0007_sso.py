"""Single sign-on: the authority's OIDC client secret encrypted at rest, and whether its
provider vouches for every email it sends.

The existing clear secrets are encrypted with the first key of SECRETS_ENCRYPTION_KEY (the
running configuration's), so set that setting before upgrading.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet, MultiFernet
from flask import current_app

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

authority = sa.table(
    "authority",
    sa.column("id", sa.Integer),
    sa.column("oidc_client_secret", sa.String),
    sa.column("oidc_client_secret_encrypted", sa.Text),
)


def _box() -> MultiFernet:
    keys = [k.strip() for k in current_app.config["SECRETS_ENCRYPTION_KEY"].split(",") if k.strip()]
    return MultiFernet([Fernet(key) for key in keys])


def upgrade():
    with op.batch_alter_table("authority") as batch:
        batch.add_column(sa.Column("oidc_client_secret_encrypted", sa.Text(), nullable=True))
        batch.add_column(sa.Column(
            "oidc_emails_verified", sa.Boolean(), nullable=False, server_default=sa.false()
        ))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(authority.c.id, authority.c.oidc_client_secret)
        .where(authority.c.oidc_client_secret.is_not(None))
    ).all()
    if rows:
        box = _box()
        for row in rows:
            conn.execute(
                authority.update()
                .where(authority.c.id == row.id)
                .values(oidc_client_secret_encrypted=box.encrypt(row.oidc_client_secret.encode()).decode())
            )
    with op.batch_alter_table("authority") as batch:
        batch.drop_column("oidc_client_secret")


def downgrade():
    with op.batch_alter_table("authority") as batch:
        batch.add_column(sa.Column("oidc_client_secret", sa.String(length=500), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(authority.c.id, authority.c.oidc_client_secret_encrypted)
        .where(authority.c.oidc_client_secret_encrypted.is_not(None))
    ).all()
    if rows:
        box = _box()
        for row in rows:
            conn.execute(
                authority.update()
                .where(authority.c.id == row.id)
                .values(oidc_client_secret=box.decrypt(row.oidc_client_secret_encrypted.encode()).decode())
            )
    with op.batch_alter_table("authority") as batch:
        batch.drop_column("oidc_emails_verified")
        batch.drop_column("oidc_client_secret_encrypted")
