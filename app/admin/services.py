"""What the platform administrator reads: authorities, providers, locations, their people.

The changes are in app/admin/operations.py.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.provider_portal import services as provider_invitations
from app.providers.models import Provider, ProviderInvitation, ProviderMembership
from app.tenants import services as tenant_services
from app.tenants.models import Authority
from app.tenants.scoping import as_platform_admin_of

# The client secret is never in an audit event: only whether it changed.
AUTHORITY_FIELDS = ("name", "code", "reference_prefix", "kind", "oidc_issuer", "oidc_client_id",
                    "oidc_emails_verified")
PROVIDER_FIELDS = ("name", "cqc_provider_id")
LOCATION_FIELDS = (
    "name",
    "cqc_location_id",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "service_type",
    "registered_manager",
    "host_authority_id",
)


def snapshot(obj, fields) -> dict:
    return {f: (str(v) if v is not None else None) for f in fields for v in [getattr(obj, f)]}


def as_admin_of(authority_id: int, admin: User):
    return as_platform_admin_of(db.session, authority_id, admin.id, why="platform administration")


def list_authorities() -> list[Authority]:
    return list(db.session.scalars(select(Authority).order_by(Authority.name)))


def get_authority(authority_id: int) -> Authority | None:
    return db.session.get(Authority, authority_id)


def authority_clash(name: str, code: str, exclude_id: int | None = None) -> str | None:
    query = select(Authority).where(
        (func.lower(Authority.name) == name.lower()) | (func.upper(Authority.code) == code.upper())
    )
    if exclude_id:
        query = query.where(Authority.id != exclude_id)
    clash = db.session.scalar(query)
    if clash is None:
        return None
    return "name" if clash.name.lower() == name.lower() else "code"


def members_of(authority: Authority, *, admin: User):
    """Return an authority's members and open invitations, read as its administrator."""
    with as_admin_of(authority.id, admin):
        members = tenant_services.list_members(authority.id)
        invitations = tenant_services.pending_invitations(authority.id)
    return members, invitations


def list_providers() -> list[Provider]:
    return list(db.session.scalars(select(Provider).order_by(Provider.name)))


def get_provider(provider_id: int) -> Provider | None:
    return db.session.get(Provider, provider_id)


def cqc_id_taken(model, column, value: str, exclude_id: int | None = None) -> bool:
    query = select(model.id).where(column == value)
    if exclude_id:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query) is not None


def provider_users(provider: Provider) -> list[ProviderMembership]:
    return list(
        db.session.scalars(
            select(ProviderMembership)
            .where(ProviderMembership.provider_id == provider.id)
            .order_by(ProviderMembership.id)
        )
    )


def pending_provider_invitations(provider: Provider) -> list[ProviderInvitation]:
    return provider_invitations.pending_invitations(provider)


def get_provider_invitation(provider: Provider, invitation_id: int) -> ProviderInvitation | None:
    return provider_invitations.get_pending_invitation(provider, invitation_id)


def get_authority_invitation(authority: Authority, invitation_id: int, *, admin: User):
    with as_admin_of(authority.id, admin):
        return tenant_services.get_pending_invitation(authority.id, invitation_id)


