"""Platform administration: authorities (tenants), providers, locations and first users."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.admin import operations, services
from app.admin.forms import (
    AuthorityForm,
    FirstAdminForm,
    LocationForm,
    ProviderForm,
    ProviderUserForm,
)
from app.auth import sso
from app.auth.access import platform_admin
from app.forms import ConfirmForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@platform_admin
def index():
    return render_template(
        "admin/index.html",
        authorities=services.list_authorities(),
        providers=services.list_providers(),
    )


@bp.route("/authorities/new", methods=["GET", "POST"])
@platform_admin
def new_authority():
    form = AuthorityForm()
    if form.validate_on_submit():
        clash = services.authority_clash(form.name.data, form.code.data)
        if clash:
            getattr(form, clash).errors = [f"An authority with this {clash} already exists"]
        else:
            authority = operations.save_authority(None, form.data, by=current_user)
            flash(f"{authority.name} created. Now add its first administrator.")
            return redirect(url_for("admin.show_authority", authority_ref=authority.id))
    form.oidc_client_secret.data = ""
    return render_template("admin/authority_form.html", form=form, authority=None)


def _authority_or_404(authority_ref: int):
    authority = services.get_authority(authority_ref)
    if authority is None:
        abort(404)
    return authority


@bp.route("/authorities/<int:authority_ref>", methods=["GET", "POST"])
@platform_admin
def show_authority(authority_ref: int):
    authority = _authority_or_404(authority_ref)
    form = FirstAdminForm()
    if form.validate_on_submit():
        operations.invite_first_admin(
            authority, name=form.name.data, email=form.email.data, by=current_user
        )
        return render_template("tenants/invited.html", email=form.email.data)
    members, invitations = services.members_of(authority, admin=current_user)
    return render_template(
        "admin/authority.html",
        authority=authority,
        members=members,
        invitations=invitations,
        form=form,
        redirect_uri=sso.redirect_uri(authority),
        post_logout_redirect_uri=sso.post_logout_redirect_uri(),
        confirm=ConfirmForm(),
    )


@bp.route(
    "/authorities/<int:authority_ref>/invitations/<int:invitation_id>/revoke", methods=["POST"]
)
@platform_admin
def revoke_authority_invitation(authority_ref: int, invitation_id: int):
    authority = _authority_or_404(authority_ref)
    invitation = services.get_authority_invitation(authority, invitation_id, admin=current_user)
    if invitation is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    email = invitation.email
    operations.revoke_authority_invitation(invitation, by=current_user)
    flash(f"The invitation to {email} has been revoked.")
    return redirect(url_for("admin.show_authority", authority_ref=authority.id))


@bp.route("/authorities/<int:authority_ref>/edit", methods=["GET", "POST"])
@platform_admin
def edit_authority(authority_ref: int):
    authority = _authority_or_404(authority_ref)
    form = AuthorityForm(obj=authority)
    form.stored_secret = authority.oidc_client_secret_encrypted is not None
    if form.validate_on_submit():
        clash = services.authority_clash(form.name.data, form.code.data, exclude_id=authority.id)
        if clash:
            getattr(form, clash).errors = [f"An authority with this {clash} already exists"]
        else:
            operations.save_authority(authority, form.data, by=current_user)
            flash(f"{authority.name} saved.")
            return redirect(url_for("admin.show_authority", authority_ref=authority.id))
    # The secret is never sent back to a browser, not even the one just typed.
    form.oidc_client_secret.data = ""
    return render_template(
        "admin/authority_form.html", form=form, authority=authority,
        redirect_uri=sso.redirect_uri(authority),
        post_logout_redirect_uri=sso.post_logout_redirect_uri(),
    )


@bp.route("/providers/new", methods=["GET", "POST"])
@platform_admin
def new_provider():
    from app.providers.models import Provider

    form = ProviderForm()
    if form.validate_on_submit():
        if services.cqc_id_taken(Provider, Provider.cqc_provider_id, form.cqc_provider_id.data):
            form.cqc_provider_id.errors = ["A provider with this CQC provider ID already exists"]
        else:
            provider = operations.create_provider(form.data, by=current_user)
            flash(f"{provider.name} created.")
            return redirect(url_for("admin.show_provider", provider_id=provider.id))
    return render_template("admin/provider_form.html", form=form)


def _provider_or_404(provider_id: int):
    provider = services.get_provider(provider_id)
    if provider is None:
        abort(404)
    return provider


@bp.route("/providers/<int:provider_id>")
@platform_admin
def show_provider(provider_id: int):
    provider = _provider_or_404(provider_id)
    return render_template(
        "admin/provider.html",
        provider=provider,
        users=services.provider_users(provider),
        invitations=services.pending_provider_invitations(provider),
        confirm=ConfirmForm(),
    )


@bp.route("/providers/<int:provider_id>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@platform_admin
def revoke_provider_invitation(provider_id: int, invitation_id: int):
    provider = _provider_or_404(provider_id)
    invitation = services.get_provider_invitation(provider, invitation_id)
    if invitation is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.revoke_provider_invitation(invitation, by=current_user)
    flash(f"The invitation to {invitation.email} has been revoked.")
    return redirect(url_for("admin.show_provider", provider_id=provider.id))


@bp.route("/providers/<int:provider_id>/locations/new", methods=["GET", "POST"])
@platform_admin
def new_location(provider_id: int):
    from app.providers.models import Location

    provider = _provider_or_404(provider_id)
    form = LocationForm()
    form.host_authority_id.choices = [SelectChoice(0, "Select the host authority")] + [
        SelectChoice(a.id, a.name) for a in services.list_authorities()
    ]
    if form.validate_on_submit():
        if services.cqc_id_taken(Location, Location.cqc_location_id, form.cqc_location_id.data):
            form.cqc_location_id.errors = ["A location with this CQC location ID already exists"]
        else:
            operations.create_location(provider, form.data, by=current_user)
            flash("Location added.")
            return redirect(url_for("admin.show_provider", provider_id=provider.id))
    return render_template("admin/location_form.html", form=form, provider=provider)


@bp.route("/providers/<int:provider_id>/users/new", methods=["GET", "POST"])
@platform_admin
def new_provider_user(provider_id: int):
    provider = _provider_or_404(provider_id)
    form = ProviderUserForm()
    if form.validate_on_submit():
        outcome = operations.invite_provider_user(
            provider, name=form.name.data, email=form.email.data, role=form.role.data, by=current_user
        )
        if isinstance(outcome, str):
            form.email.errors = [outcome]
        else:
            return render_template("tenants/invited.html", email=outcome.email)
    return render_template("admin/provider_user_form.html", form=form, provider=provider)
