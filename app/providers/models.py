"""Care providers and their locations (CQC register data) and provider user accounts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import CreatedAtMixin, str_enum
from app.extensions import db
from app.tenants.models import Authority


class Provider(CreatedAtMixin, db.Model):
    """A registered provider organisation; public register data, not tenant-owned."""

    __tablename__ = "provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    cqc_provider_id: Mapped[str] = mapped_column(String(20), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    locations: Mapped[list[Location]] = relationship(
        back_populates="provider", order_by="Location.name"
    )


class Location(CreatedAtMixin, db.Model):
    """A place where a provider delivers care, in the area of one host authority."""

    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    host_authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    cqc_location_id: Mapped[str] = mapped_column(String(20), unique=True)
    address_line_1: Mapped[str] = mapped_column(String(200))
    address_line_2: Mapped[str | None] = mapped_column(String(200))
    town: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(10))
    service_type: Mapped[str | None] = mapped_column(String(100))
    # The CQC registered manager, to whom letters about the location are addressed.
    registered_manager: Mapped[str | None] = mapped_column(String(200))

    provider: Mapped[Provider] = relationship(back_populates="locations")
    host_authority: Mapped[Authority] = relationship()

    @property
    def address(self) -> str:
        parts = [self.address_line_1, self.address_line_2, self.town, self.postcode]
        return ", ".join(p for p in parts if p)


class ProviderRole(StrEnum):
    MANAGER = "provider_manager"
    CONTRIBUTOR = "provider_contributor"


class ProviderMembership(CreatedAtMixin, db.Model):
    """A provider-realm user's place in one provider organisation."""

    __tablename__ = "provider_membership"
    __table_args__ = (UniqueConstraint("provider_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[ProviderRole] = mapped_column(str_enum(ProviderRole))
    active: Mapped[bool] = mapped_column(default=True)

    provider: Mapped[Provider] = relationship()
    user: Mapped[User] = relationship()


class ProviderInvitation(CreatedAtMixin, db.Model):
    """The platform admin's invitation to a person to join a provider organisation.

    Like an authority's invitation: accepted once, by the owner of the email it was sent to,
    and only the SHA-256 of its token is stored.
    """

    __tablename__ = "provider_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[ProviderRole] = mapped_column(str_enum(ProviderRole))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    provider: Mapped[Provider] = relationship()
