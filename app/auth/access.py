"""Access decisions: every route carries exactly one of these decorators.

``tests/test_route_access.py`` walks ``app.url_map`` and fails on any endpoint without one, so a
new page cannot be left open by accident. The scope the database sees is set before the view
runs (``app.tenants.context``); these decorators decide whether the view runs at all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from app.auth.models import Realm
from app.cases.roles import CASE_READERS

ACCESS_ATTR = "access_rule"


def _mark(view: Callable, rule: str) -> Callable:
    setattr(view, ACCESS_ATTR, rule)
    return view


def public(view: Callable) -> Callable:
    """Anyone may use this route, signed in or not."""
    return _mark(view, "public")


def _sign_in_url(realm: Realm) -> str:
    endpoint = "provider_portal.sign_in" if realm is Realm.PROVIDER else "auth.sign_in"
    return url_for(endpoint, next=request.full_path if request.method == "GET" else None)


def _sign_in_again_for(authority):
    """A session from another authority's single sign-on: this authority's own sign-in."""
    return redirect(
        url_for(
            "auth.sign_in",
            authority=authority.code,
            next=request.full_path.rstrip("?") if request.method == "GET" else None,
        )
    )


def _require_realm(realm: Realm):
    if not current_user.is_authenticated:
        return redirect(_sign_in_url(realm))
    if current_user.realm is not realm:
        abort(403, description="wrong_realm")
    return None


def staff(view: Callable) -> Callable:
    """A signed-in staff user, whatever authority they act for (the authority chooser)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return _require_realm(Realm.STAFF) or view(*args, **kwargs)

    return _mark(wrapper, "staff")


def member(*roles) -> Callable[[Callable], Callable]:
    """A staff user acting for the authority in the URL, holding one of ``roles``.

    With no roles named, any role that opens case content (``CASE_READERS``): an authority
    administrator alone is refused, so a new page is closed to them unless it says otherwise.
    """
    return _membership_with(frozenset(roles), roles or CASE_READERS)


def any_member(view: Callable) -> Callable:
    """A staff user acting for the authority in the URL, whatever their roles (the home page)."""
    return _membership_with(frozenset(), ())(view)


def _membership_with(declared: frozenset, allowed) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            refused = _require_realm(Realm.STAFF)
            if refused:
                return refused
            membership = g.get("membership")
            if membership is None and g.get("sign_in_needed_for") is not None:
                return _sign_in_again_for(g.sign_in_needed_for)
            if membership is None:
                abort(403, description="not_a_member")
            if allowed and not membership.has_any(allowed):
                abort(403, description="missing_role")
            return view(*args, **kwargs)

        wrapper.required_roles = declared
        return _mark(wrapper, "member")

    return decorator


def platform_admin(view: Callable) -> Callable:
    """A staff user with the platform administrator flag."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        refused = _require_realm(Realm.STAFF)
        if refused:
            return refused
        if not current_user.is_platform_admin:
            abort(403, description="not_platform_admin")
        return view(*args, **kwargs)

    return _mark(wrapper, "platform_admin")


def provider_user(*roles) -> Callable[[Callable], Callable]:
    """A provider-realm user of an active provider organisation, with one of ``roles``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            refused = _require_realm(Realm.PROVIDER)
            if refused:
                return refused
            membership = g.get("provider_membership")
            if membership is None:
                abort(403, description="not_a_provider_member")
            if roles and membership.role not in roles:
                abort(403, description="missing_role")
            return view(*args, **kwargs)

        return _mark(wrapper, "provider")

    return decorator
