"""Work out, once per request, who the database should act for.

Staff URLs carry the authority acted for (``/authorities/<authority_id>/...``); the user's
active membership there is loaded before the view runs, and the session's scope is set from
it. Without a membership the scope has no tenant, so tenant-owned queries return nothing. A
session from one authority's single sign-on loads no membership of any other authority.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.auth import sso_session
from app.auth.models import Realm
from app.cases.roles import RESIDENT_READERS
from app.extensions import db
from app.providers.models import Provider, ProviderMembership
from app.tenants.models import Authority, Membership
from app.tenants.scoping import NOBODY, Scope, set_request_scope


def active_membership(user_id: int, authority_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership)
        .join(Membership.authority)
        # The page names the authority: load it with the membership, in one statement.
        .options(contains_eager(Membership.authority))
        .where(
            Membership.user_id == user_id,
            Membership.tenant_id == authority_id,
            Membership.active.is_(True),
            Authority.active.is_(True),
        )
    )


def active_provider_membership(user_id: int) -> ProviderMembership | None:
    return db.session.scalar(
        select(ProviderMembership)
        .join(Provider)
        .where(
            ProviderMembership.user_id == user_id,
            ProviderMembership.active.is_(True),
            Provider.active.is_(True),
        )
        .order_by(ProviderMembership.id)
        .limit(1)
    )


def _staff_scope(user) -> Scope:
    scope = Scope(user_id=user.id)
    set_request_scope(db.session, scope)
    authority_id = (request.view_args or {}).get("authority_id")
    if authority_id is None:
        return Scope(user_id=user.id, platform_admin=_in_admin_area(user))
    membership = active_membership(user.id, authority_id)
    if membership is None:
        return scope
    if not sso_session.opens(authority_id):
        # Signed in through another authority's provider: that provider vouches for nobody here.
        g.sign_in_needed_for = membership.authority
        return scope
    g.membership = membership
    g.authority = membership.authority
    return Scope(tenant_id=authority_id, user_id=user.id,
                 reads_residents=membership.has_any(RESIDENT_READERS))


def _in_admin_area(user) -> bool:
    # The platform flag reaches the database only on the admin pages, never elsewhere.
    return bool(user.is_platform_admin and request.blueprint == "admin")


def _provider_scope(user) -> Scope:
    membership = active_provider_membership(user.id)
    if membership is None:
        return Scope(user_id=user.id)
    g.provider_membership = membership
    g.provider = membership.provider
    return Scope(user_id=user.id, provider_id=membership.provider_id)


def load_request_scope() -> None:
    set_request_scope(db.session, NOBODY)
    if request.endpoint in (None, "static", "assets.static") or not current_user.is_authenticated:
        return
    if current_user.realm is Realm.STAFF:
        scope = _staff_scope(current_user)
    else:
        scope = _provider_scope(current_user)
    set_request_scope(db.session, scope)


def init_app(app: Flask) -> None:
    app.before_request(load_request_scope)
