"""Template globals shared by every page: assets, who the user acts for, the menu."""

from __future__ import annotations

from flask import Flask, g, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.main import WTFormsHelpers

from app.assets import GOVUK_FRONTEND_VERSION, HTMX_VERSION
from app.cases import terms
from app.cases.roles import CASE_READERS, RESIDENT_READERS, SETTINGS_EDITORS
from app.formatting import FILTERS as DATE_FILTERS
from app.forms import error_summary
from app.tenants.models import Role


def _item(text: str, endpoint: str, active: bool, **values) -> dict:
    return {"text": text, "href": url_for(endpoint, **values), "active": active}


def _staff_navigation(authority, membership) -> list[dict]:
    blueprint = request.blueprint
    on_settings = request.endpoint == "cases.procedure_settings"
    items = [
        _item("Home", "tenants.home", request.endpoint == "tenants.home", authority_id=authority.id),
    ]
    if membership.has_any(CASE_READERS):
        # The procedure settings live on the cases blueprint but are their own menu item.
        items.append(_item("Cases", "cases.list_cases", blueprint == "cases" and not on_settings,
                           authority_id=authority.id))
        items.append(
            _item("Intelligence", "intelligence.show_board", blueprint == "intelligence", authority_id=authority.id)
        )
        items.append(_item("Board report", "reports.show_board_report", blueprint == "reports",
                           authority_id=authority.id))
    if membership.has_any(RESIDENT_READERS):
        items.append(
            _item("Residents", "residents.list_residents", blueprint == "residents", authority_id=authority.id)
        )
    if membership.has_any(SETTINGS_EDITORS):
        items.append(
            _item("Procedure", "cases.procedure_settings", on_settings, authority_id=authority.id)
        )
    if membership.has_any({Role.TENANT_ADMIN}):
        items.append(
            _item("Users", "tenants.list_users", "_user" in (request.endpoint or ""), authority_id=authority.id)
        )
        items.append(
            _item("Messages", "jobs.list_failed_messages", blueprint == "jobs", authority_id=authority.id)
        )
    return items


def navigation() -> list[dict]:
    """Return the service navigation for whoever is signed in and what they act for."""
    if not current_user.is_authenticated:
        return []
    if g.get("membership") is not None:
        return _staff_navigation(g.authority, g.membership)
    if g.get("provider_membership") is not None:
        return [_item("Home", "provider_portal.home", request.endpoint == "provider_portal.home")]
    if current_user.is_platform_admin:
        return [
            _item("Administration", "admin.index", request.blueprint == "admin"),
            _item("Messages", "jobs.platform_messages", request.blueprint == "jobs"),
        ]
    return []


def _page_context() -> dict:
    return {
        "service_name": "Provider concerns",
        "govuk_frontend_path": f"vendor/govuk-frontend-{GOVUK_FRONTEND_VERSION}",
        "htmx_path": f"vendor/htmx-{HTMX_VERSION}/htmx.min.js",
        "acting_authority": g.get("authority"),
        "acting_membership": g.get("membership"),
        # Whether the page may offer resident-identifiable pages (app.cases.roles decides).
        "acting_reads_residents": bool(g.get("membership") and g.membership.has_any(RESIDENT_READERS)),
        "acting_provider": g.get("provider"),
        "navigation": navigation,
    }


def init_app(app: Flask) -> None:
    WTFormsHelpers(app)
    # ``term``: the host's words for roles, groups, documents and stages (app/cases/terms.py).
    terms.init_app(app)
    # Replaces govuk-frontend-wtf's ``wtforms_errors`` in every template (date errors).
    app.add_template_global(error_summary, "wtforms_errors")
    app.context_processor(_page_context)
    app.jinja_env.filters.update(DATE_FILTERS)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
