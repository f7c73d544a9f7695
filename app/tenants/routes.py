"""Choosing the authority to act for, the authority's home, and its administrator's pages."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from app.auth.access import any_member, member, public, staff
from app.auth.invitation_pages import InvitationFlow, accept_invitation_page
from app.cases.roles import CASE_READERS
from app.forms import ConfirmForm
from app.jobs import in_process
from app.pagination import paginate
from app.tenants import logos, operations, services
from app.tenants.forms import InviteForm, LogoForm, RolesForm
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
    from app.cases.services import DashboardFilter, dashboard

    reads_cases = g.membership.has_any(CASE_READERS)
    return render_template(
        "tenants/home.html",
        # The cases to act on first, with their next deadline, as on the cases page.
        rows=dashboard(authority_id, DashboardFilter(), per_page=10).cases.items if reads_cases else [],
        reads_cases=reads_cases,
        memberships=services.memberships_of(current_user),
    )


@bp.route("/authorities/<int:authority_id>/users")
@member(ADMIN)
def list_users(authority_id: int):
    page = paginate(services.members_of(authority_id))
    return render_template(
        "tenants/users.html",
        members=page.items,
        page=page,
        invitations=services.pending_invitations(authority_id),
        confirm=ConfirmForm(),
    )


@bp.route("/authorities/<int:authority_id>/users/invite", methods=["GET", "POST"])
@member(ADMIN)
def invite_user(authority_id: int):
    form = InviteForm()
    if form.validate_on_submit():
        invitation = operations.invite(
            authority_id,
            email=form.email.data,
            name=form.name.data,
            roles=form.roles.data,
            invited_by=current_user,
        )
        return render_template("tenants/invited.html", email=invitation.email,
                               delivery=in_process.deliver_now())
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
            operations.set_roles(membership, form.roles.data, by=current_user)
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
        operations.set_active(membership, False, by=current_user)
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
    operations.set_active(membership, True, by=current_user)
    flash(f"{membership.user.name} can act for {g.authority.name} again.")
    return redirect(url_for("tenants.list_users", authority_id=authority_id))


@bp.route(
    "/authorities/<int:authority_id>/users/invitations/<int:invitation_id>/revoke",
    methods=["POST"],
)
@member(ADMIN)
def revoke_invitation(authority_id: int, invitation_id: int):
    invitation = services.get_pending_invitation(authority_id, invitation_id)
    if invitation is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.revoke_invitation(invitation, by=current_user)
    flash(f"The invitation to {invitation.email} has been revoked.")
    return redirect(url_for("tenants.list_users", authority_id=authority_id))


@bp.route("/authorities/<int:authority_id>/logo", methods=["GET", "POST"])
@member(ADMIN)
def edit_logo(authority_id: int):
    form = LogoForm()
    if form.validate_on_submit():
        logos.replace_logo(g.authority, form.logo_bytes, by=current_user)
        flash("Logo uploaded. It now appears on your authority's Word documents.")
        return redirect(url_for("tenants.edit_logo", authority_id=authority_id))
    return render_template("tenants/logo.html", form=form, confirm=ConfirmForm(),
                           has_logo=logos.logo_of(g.authority) is not None)


@bp.route("/authorities/<int:authority_id>/logo/remove", methods=["POST"])
@member(ADMIN)
def remove_logo(authority_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    logos.remove_logo(g.authority, by=current_user)
    flash("Logo removed. Your authority's Word documents carry its name only.")
    return redirect(url_for("tenants.edit_logo", authority_id=authority_id))


@bp.route("/authorities/<int:authority_id>/logo/image")
@member(ADMIN)
def show_logo(authority_id: int):
    data = logos.logo_of(g.authority) or abort(404)
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, mimetype=kind, headers={"Cache-Control": "no-store"})


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return accept_invitation_page(token, STAFF_INVITATION)


STAFF_INVITATION = InvitationFlow(
    find=services.find_invitation, account_problem=services.account_problem,
    create_account=operations.create_account, join=operations.join,
    sign_in_url=lambda next_path: url_for("auth.sign_in", next=next_path),
    home_url=lambda invitation: url_for("tenants.home", authority_id=invitation.tenant_id),
    set_password_template="tenants/accept_invitation.html",
    organisation=lambda invitation: invitation.authority.name,
    roles=lambda invitation: ", ".join(sorted(role.label for role in invitation.roles)),
    joined_message="You can now act for {organisation}.",
)
