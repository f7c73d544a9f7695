"""Choosing the authority to act for, the authority's home, and its administrator's pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from app.auth.access import any_member, member, public, staff
from app.auth.forms import SetPasswordForm
from app.auth.sign_in_flow import start_session
from app.cases.roles import CASE_READERS
from app.tenants import services
from app.tenants.forms import ConfirmForm, InviteForm, RolesForm
from app.tenants.models import Role

bp = Blueprint("tenants", __name__)

ADMIN = Role.TENANT_ADMIN


@bp.route("/authorities")
@staff
def choose_authority():
    return render_template(
        "tenants/choose_authority.html", memberships=services.memberships_of(current_user)
    )


@bp.route("/authorities/<int:authority_id>/")
@any_member
def home(authority_id: int):
    from app.cases.services import list_cases

    reads_cases = g.membership.has_any(CASE_READERS)
    return render_template(
        "tenants/home.html",
        cases=list_cases(authority_id)[:10] if reads_cases else [],
        reads_cases=reads_cases,
        memberships=services.memberships_of(current_user),
    )


@bp.route("/authorities/<int:authority_id>/users")
@member(ADMIN)
def list_users(authority_id: int):
    return render_template(
        "tenants/users.html",
        members=services.list_members(authority_id),
        invitations=services.pending_invitations(authority_id),
    )


@bp.route("/authorities/<int:authority_id>/users/invite", methods=["GET", "POST"])
@member(ADMIN)
def invite_user(authority_id: int):
    form = InviteForm()
    if form.validate_on_submit():
        link = services.invite(
            authority_id,
            email=form.email.data,
            name=form.name.data,
            roles=form.roles.data,
            invited_by=current_user,
        )
        return render_template("tenants/invited.html", link=link, email=form.email.data)
    return render_template("tenants/invite.html", form=form)


def _member_or_404(authority_id: int, membership_id: int):
    membership = services.get_member(authority_id, membership_id)
    if membership is None:
        abort(404)
    return membership


@bp.route("/authorities/<int:authority_id>/users/<int:membership_id>", methods=["GET", "POST"])
@member(ADMIN)
def edit_user(authority_id: int, membership_id: int):
    membership = _member_or_404(authority_id, membership_id)
    form = RolesForm(data={"roles": sorted(r.value for r in membership.roles)})
    if form.validate_on_submit():
        if membership.user_id == current_user.id and ADMIN.value not in form.roles.data:
            form.roles.errors = ["You cannot remove your own administrator role"]
        else:
            services.set_roles(membership, form.roles.data, by=current_user)
            flash(f"Roles for {membership.user.name} saved.")
            return redirect(url_for("tenants.list_users", authority_id=authority_id))
    return render_template(
        "tenants/edit_user.html", form=form, membership=membership, confirm=ConfirmForm()
    )


@bp.route(
    "/authorities/<int:authority_id>/users/<int:membership_id>/deactivate", methods=["POST"]
)
@member(ADMIN)
def deactivate_user(authority_id: int, membership_id: int):
    membership = _member_or_404(authority_id, membership_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if membership.user_id == current_user.id:
        flash("You cannot deactivate your own account.", "error")
    else:
        services.set_active(membership, False, by=current_user)
        flash(f"{membership.user.name} can no longer act for {g.authority.name}.")
    return redirect(url_for("tenants.list_users", authority_id=authority_id))


@bp.route(
    "/authorities/<int:authority_id>/users/<int:membership_id>/reactivate", methods=["POST"]
)
@member(ADMIN)
def reactivate_user(authority_id: int, membership_id: int):
    membership = _member_or_404(authority_id, membership_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_active(membership, True, by=current_user)
    flash(f"{membership.user.name} can act for {g.authority.name} again.")
    return redirect(url_for("tenants.list_users", authority_id=authority_id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render_template("tenants/invitation_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        outcome = services.accept_invitation(invitation, form.password.data)
        if isinstance(outcome, str):
            form.password.errors = [outcome]
        else:
            start_session(outcome)
            return redirect(url_for("tenants.home", authority_id=invitation.tenant_id))
    return render_template("tenants/accept_invitation.html", form=form, invitation=invitation)
