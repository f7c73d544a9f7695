"""The platform administrator's changes: authorities, providers, locations, first users.

Changes to an authority are recorded in that authority's audit chain; changes to providers and
locations, which belong to no authority, in the platform chain.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app import secret_box
from app.audit.services import record
from app.auth.models import User
from app.extensions import db
from app.provider_portal import services as provider_invitations
from app.providers.models import Location, Provider, ProviderInvitation, ProviderMembership
from app.tenants import services as tenant_services
from app.tenants.models import Authority, AuthorityKind, Role
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


def _snapshot(obj, fields) -> dict:
    return {f: (str(v) if v is not None else None) for f in fields for v in [getattr(obj, f)]}


def _as_admin_of(authority_id: int, admin: User):
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


def save_authority(authority: Authority | None, data: dict, *, by: User) -> Authority:
    """Create an authority or change one; a blank secret keeps the one already stored."""
    creating = authority is None
    old = None if creating else _snapshot(authority, AUTHORITY_FIELDS)
    authority = authority or Authority()
    authority.name = data["name"]
    authority.code = data["code"].upper()
    authority.reference_prefix = (data.get("reference_prefix") or "").upper() or None
    authority.kind = AuthorityKind(data["kind"])
    authority.oidc_issuer = data.get("oidc_issuer") or None
    authority.oidc_client_id = data.get("oidc_client_id") or None
    authority.oidc_emails_verified = bool(data.get("oidc_emails_verified"))
    secret_changed = bool(data.get("oidc_client_secret")) or (
        not authority.oidc_issuer and authority.oidc_client_secret_encrypted is not None
    )
    if secret_changed:
        authority.oidc_client_secret = data.get("oidc_client_secret") if authority.oidc_issuer else None
    db.session.add(authority)
    db.session.flush()
    new = _snapshot(authority, AUTHORITY_FIELDS)
    if secret_changed:
        new["oidc_client_secret"] = "changed" if authority.oidc_client_secret_encrypted else "removed"
    with _as_admin_of(authority.id, by):
        record(
            db.session,
            action="authority.created" if creating else "authority.changed",
            obj=authority,
            tenant_id=authority.id,
            actor_user_id=by.id,
            old=old,
            new=new,
        )
        db.session.commit()
    return authority


def rotate_secrets() -> int:
    """Re-encrypt every stored client secret under the first SECRETS_ENCRYPTION_KEY key."""
    authorities = db.session.scalars(
        select(Authority).where(Authority.oidc_client_secret_encrypted.is_not(None))
    ).all()
    for authority in authorities:
        authority.oidc_client_secret_encrypted = secret_box.rotate(
            authority.oidc_client_secret_encrypted
        )
    db.session.commit()
    return len(authorities)


def members_of(authority: Authority, *, admin: User):
    """Return an authority's members and open invitations, read as its administrator."""
    with _as_admin_of(authority.id, admin):
        members = tenant_services.list_members(authority.id)
        invitations = tenant_services.pending_invitations(authority.id)
    return members, invitations


def invite_first_admin(authority: Authority, *, name: str, email: str, by: User) -> None:
    with _as_admin_of(authority.id, by):
        tenant_services.invite(
            authority.id, email=email, name=name, roles=[Role.TENANT_ADMIN], invited_by=by
        )


def list_providers() -> list[Provider]:
    return list(db.session.scalars(select(Provider).order_by(Provider.name)))


def get_provider(provider_id: int) -> Provider | None:
    return db.session.get(Provider, provider_id)


def cqc_id_taken(model, column, value: str, exclude_id: int | None = None) -> bool:
    query = select(model.id).where(column == value)
    if exclude_id:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query) is not None


def create_provider(data: dict, *, by: User) -> Provider:
    provider = Provider(name=data["name"], cqc_provider_id=data["cqc_provider_id"])
    db.session.add(provider)
    record(
        db.session,
        action="provider.created",
        obj=provider,
        tenant_id=None,
        actor_user_id=by.id,
        new=_snapshot(provider, PROVIDER_FIELDS),
    )
    db.session.commit()
    return provider


def create_location(provider: Provider, data: dict, *, by: User) -> Location:
    location = Location(provider_id=provider.id, **{f: data.get(f) or None for f in LOCATION_FIELDS})
    location.postcode = location.postcode.upper()
    db.session.add(location)
    record(
        db.session,
        action="location.created",
        obj=location,
        tenant_id=None,
        actor_user_id=by.id,
        new=_snapshot(location, LOCATION_FIELDS),
    )
    db.session.commit()
    return location


def provider_users(provider: Provider) -> list[ProviderMembership]:
    return list(
        db.session.scalars(
            select(ProviderMembership)
            .where(ProviderMembership.provider_id == provider.id)
            .order_by(ProviderMembership.id)
        )
    )


def invite_provider_user(
    provider: Provider, *, name: str, email: str, role: str, by: User
) -> ProviderInvitation | str:
    """Invite a person to the provider organisation by email; return the invitation or why not."""
    problem = provider_invitations.cannot_invite(provider, email)
    if problem:
        return problem
    return provider_invitations.invite(provider, name=name, email=email, role=role, by=by)


def pending_provider_invitations(provider: Provider) -> list[ProviderInvitation]:
    return provider_invitations.pending_invitations(provider)


def get_provider_invitation(provider: Provider, invitation_id: int) -> ProviderInvitation | None:
    return provider_invitations.get_pending_invitation(provider, invitation_id)


def revoke_provider_invitation(invitation: ProviderInvitation, *, by: User) -> None:
    provider_invitations.revoke(invitation, by=by)


def get_authority_invitation(authority: Authority, invitation_id: int, *, admin: User):
    with _as_admin_of(authority.id, admin):
        return tenant_services.get_pending_invitation(authority.id, invitation_id)


def revoke_authority_invitation(invitation, *, by: User) -> None:
    with _as_admin_of(invitation.tenant_id, by):
        tenant_services.revoke_invitation(invitation, by=by)
