"""People who sign in: staff of authorities and provider users, each in their own realm."""

from __future__ import annotations

import secrets
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


def new_session_nonce() -> str:
    return secrets.token_hex(8)


class User(UserMixin, CreatedAtMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    realm: Mapped[Realm] = mapped_column(str_enum(Realm), default=Realm.STAFF)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_signed_in_at: Mapped[datetime | None]
    # Part of the login cookie: changing it signs the user out of every browser.
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_session_nonce)

    identities: Mapped[list[UserIdentity]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

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
