"""Authorities (the tenants), their members and roles, and invitations to join them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import secret_box
from app.auth.models import User
from app.db import CreatedAtMixin, str_enum
from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped, equals


class AuthorityKind(StrEnum):
    LOCAL_AUTHORITY = "local_authority"
    ICB = "icb"


class Role(StrEnum):
    DASS = "dass"
    LEAD_OFFICER = "lead_officer"
    COORDINATOR = "coordinator"
    CHAIR = "chair"
    CONTRACTS = "contracts"
    PRACTITIONER = "practitioner"
    VIEWER = "viewer"
    TENANT_ADMIN = "tenant_admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.DASS: "Director of Adult Social Services (or deputy)",
    Role.LEAD_OFFICER: "Lead officer",
    Role.COORDINATOR: "Safeguarding coordinator",
    Role.CHAIR: "Chair",
    Role.CONTRACTS: "Contracts officer",
    Role.PRACTITIONER: "Practitioner",
    Role.VIEWER: "Viewer",
    Role.TENANT_ADMIN: "Authority administrator",
}


class Authority(CreatedAtMixin, db.Model):
    """A local authority or ICB: the tenant. Reference data, readable by every signed-in user."""

    __tablename__ = "authority"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # ONS code for a council (E10000032), ODS code for an ICB (QNX).
    code: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[AuthorityKind] = mapped_column(str_enum(AuthorityKind))
    # The short code at the start of the authority's case references (WX-2026-0004); without
    # one, the authority's ONS or ODS code stands in.
    reference_prefix: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_client_id: Mapped[str | None] = mapped_column(String(255))
    # Fernet ciphertext (app.secret_box); read and set the secret through oidc_client_secret.
    oidc_client_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    # The provider vouches that every email it sends is verified, so a missing
    # email_verified claim may count as true (never a false one).
    oidc_emails_verified: Mapped[bool] = mapped_column(default=False)

    @property
    def oidc_client_secret(self) -> str | None:
        """The client secret in clear (raises SecretUnreadable under the wrong keys)."""
        if self.oidc_client_secret_encrypted is None:
            return None
        return secret_box.decrypt(self.oidc_client_secret_encrypted)

    @oidc_client_secret.setter
    def oidc_client_secret(self, secret: str | None) -> None:
        self.oidc_client_secret_encrypted = secret_box.encrypt(secret) if secret else None

    @property
    def case_reference_prefix(self) -> str:
        return self.reference_prefix or self.code
    # The logo on the authority's Word documents: a file in the file storage (app/files.py).
    logo_file: Mapped[str | None] = mapped_column(String(100))

    @property
    def sso_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret_encrypted)

    def __repr__(self) -> str:
        return f"<Authority {self.code}>"


class Membership(TenantScoped, CreatedAtMixin, db.Model):
    """A staff user's place in one authority, with the roles they hold there."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)
    RLS_READ = "tenant_id = app_tenant() OR user_id = app_user()"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Space-delimited role codes, padded (" chair dass "), so one LIKE finds holders of a role
    # on SQLite and PostgreSQL alike.
    roles_text: Mapped[str] = mapped_column(String(300), default=" ")
    active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    authority: Mapped[Authority] = relationship()

    @classmethod
    def visible_to(cls, scope: Scope):
        return equals(cls.tenant_id, scope.tenant_id) | equals(cls.user_id, scope.user_id)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(code) for code in self.roles_text.split())

    @roles.setter
    def roles(self, roles) -> None:
        self.roles_text = " " + " ".join(sorted(Role(r).value for r in roles)) + " "

    @classmethod
    def holds(cls, role: Role):
        return cls.roles_text.contains(f" {role.value} ")

    def has_any(self, roles) -> bool:
        return bool(self.roles.intersection(roles))


class Invitation(TenantScoped, CreatedAtMixin, db.Model):
    """An authority's invitation to a person to join it with roles; accepted once."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    roles_text: Mapped[str] = mapped_column(String(300))
    # Only the SHA-256 of the token is stored: a database read cannot be turned into a sign-in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    authority: Mapped[Authority] = relationship()

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(code) for code in self.roles_text.split())
