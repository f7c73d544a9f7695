"""People who sign in: staff of authorities and provider users, each in their own realm."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import CreatedAtMixin, str_enum
from app.extensions import db


class Realm(StrEnum):
    STAFF = "staff"
    PROVIDER = "provider"


class User(UserMixin, CreatedAtMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    realm: Mapped[Realm] = mapped_column(str_enum(Realm), default=Realm.STAFF)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    last_signed_in_at: Mapped[datetime | None]

    identities: Mapped[list[UserIdentity]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:
        return self.active

    # The raw id of the server-side session this request runs in (app.auth.sessions): it is
    # what Flask-Login keeps in the cookie, never the user's own id.
    session_token = None

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserIdentity(CreatedAtMixin, db.Model):
    """A staff user's subject at an authority's single sign-on issuer."""

    __tablename__ = "user_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))

    user: Mapped[User] = relationship(back_populates="identities")


class UserSession(db.Model):
    """A signed-in browser: the cookie holds a random id, the table only its SHA-256.

    Ending the row ends the session wherever the cookie has been copied to.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship()


class SignInThrottle(db.Model):
    """Failed sign-ins of one (email, client address) pair, and how long it must wait.

    Keyed by a keyed hash of the pair, for unknown emails as for real ones, so that the answer
    never tells whether an account exists and one address cannot lock out anyone else.
    """

    __tablename__ = "sign_in_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime]
