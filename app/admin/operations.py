"""The platform administrator's changes: authorities, providers, locations, first users.

Changes to an authority are recorded in that authority's audit chain; changes to providers and
locations, which belong to no authority, in the platform chain. Each public function is an
operation (app/unit_of_work.py); the reads are in app/admin/services.py.
"""

from __future__ import annotations

from sqlalchemy import select

from app import secret_box
from app.admin.services import (
    AUTHORITY_FIELDS,
    LOCATION_FIELDS,
    PROVIDER_FIELDS,
    as_admin_of,
    snapshot,
)
from app.audit.services import record
from app.auth.models import User
from app.extensions import db
from app.provider_portal import services as provider_invitations
from app.providers.models import Location, Provider, ProviderInvitation
from app.tenants import operations as tenant_operations
from app.tenants.models import Authority, AuthorityKind, Role
from app.unit_of_work import operation


@operation
def save_authority(authority: Authority | None, data: dict, *, by: User) -> Authority:
    """Create an authority or change one; a blank secret keeps the one already stored."""
    creating = authority is None
    old = None if creating else snapshot(authority, AUTHORITY_FIELDS)
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
    new = snapshot(authority, AUTHORITY_FIELDS)
    if secret_changed:
        new["oidc_client_secret"] = "changed" if authority.oidc_client_secret_encrypted else "removed"
    with as_admin_of(authority.id, by):
        record(
            db.session,
            action="authority.created" if creating else "authority.changed",
            obj=authority,
            tenant_id=authority.id,
            actor_user_id=by.id,
            old=old,
            new=new,
        )
        db.session.flush()
    return authority


@operation
def rotate_secrets() -> int:
    """Re-encrypt every stored client secret under the first SECRETS_ENCRYPTION_KEY key."""
    authorities = db.session.scalars(
        select(Authority).where(Authority.oidc_client_secret_encrypted.is_not(None))
    ).all()
    for authority in authorities:
        authority.oidc_client_secret_encrypted = secret_box.rotate(
            authority.oidc_client_secret_encrypted
        )
    return len(authorities)


@operation
def invite_first_admin(authority: Authority, *, name: str, email: str, by: User) -> None:
    with as_admin_of(authority.id, by):
        tenant_operations.invite(
            authority.id, email=email, name=name, roles=[Role.TENANT_ADMIN], invited_by=by
        )


@operation
def create_provider(data: dict, *, by: User) -> Provider:
    provider = Provider(name=data["name"], cqc_provider_id=data["cqc_provider_id"])
    db.session.add(provider)
    record(
        db.session,
        action="provider.created",
        obj=provider,
        tenant_id=None,
        actor_user_id=by.id,
        new=snapshot(provider, PROVIDER_FIELDS),
    )
    return provider


@operation
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
        new=snapshot(location, LOCATION_FIELDS),
    )
    return location


@operation
def invite_provider_user(
    provider: Provider, *, name: str, email: str, role: str, by: User
) -> ProviderInvitation | str:
    """Invite a person to the provider organisation by email; return the invitation or why not."""
    problem = provider_invitations.cannot_invite(provider, email)
    if problem:
        return problem
    return provider_invitations.invite(provider, name=name, email=email, role=role, by=by)


@operation
def revoke_provider_invitation(invitation: ProviderInvitation, *, by: User) -> None:
    provider_invitations.revoke(invitation, by=by)


@operation
def revoke_authority_invitation(invitation, *, by: User) -> None:
    with as_admin_of(invitation.tenant_id, by):
        tenant_operations.revoke_invitation(invitation, by=by)
