"""The provider portal: its own sign-in, and a provider's view of its own organisation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.actions.models import ActionStatus
from app.auth.access import provider_user, public
from app.auth.invitation_pages import InvitationFlow, accept_invitation_page
from app.auth.models import Realm
from app.auth.sign_in_flow import (
    end_session,
    password_change,
    password_sign_in,
    sign_in_rate_limit,
)
from app.cases.services import cases_of_provider
from app.forms import ConfirmForm
from app.provider_portal import concerns, operations, services, team
from app.provider_portal.forms import ActionUpdateForm, InviteContributorForm
from app.providers.models import ProviderRole

bp = Blueprint("provider_portal", __name__, url_prefix="/provider")


@bp.route("/")
@provider_user()
def home():
    return render_template(
        "provider_portal/home.html", cases=cases_of_provider(g.provider_membership.provider_id)
    )


@bp.route("/cases/<int:case_id>")
@provider_user()
def show_case(case_id: int):
    case = _concern_or_404(case_id)
    return render_template(
        "provider_portal/case.html",
        case=case,
        clocks=concerns.clocks_of(case),
        actions=concerns.actions_of(case),
        updates=concerns.latest_updates(case.id),
        minutes=concerns.shared_minutes(case),
    )


@bp.route("/cases/<int:case_id>/actions/<int:action_id>", methods=["GET", "POST"])
@provider_user()
def update_action(case_id: int, action_id: int):
    case = _concern_or_404(case_id)
    action = concerns.get_own_action(case, action_id) or abort(404)
    if case.closed:
        abort(403, description="case_closed")
    form = ActionUpdateForm()
    latest = concerns.latest_updates(case.id).get(action.id)
    if request.method == "GET":
        form.status.data = (latest.status if latest else action.status).value
        form.note.data = latest.note if latest else ""
    if form.validate_on_submit():
        operations.update_action(current_user, g.provider_membership.provider_id, action,
                                 ActionStatus(form.status.data), form.note.data or "")
        flash("Your update was sent to the host authority")
        return redirect(url_for("provider_portal.show_case", case_id=case.id, _anchor="actions"))
    return render_template("provider_portal/action_form.html", case=case, action=action,
                           form=form)


@bp.route("/team", methods=["GET", "POST"])
@provider_user(ProviderRole.MANAGER)
def manage_team():
    provider = g.provider_membership.provider
    form = InviteContributorForm()
    if form.validate_on_submit():
        outcome = team.invite_contributor(provider, name=form.name.data, email=form.email.data,
                                          by=current_user)
        if isinstance(outcome, str):
            form.email.errors = [outcome]
        else:
            flash(f"We have sent an invitation to {outcome.email}.")
            return redirect(url_for("provider_portal.manage_team"))
    return render_template(
        "provider_portal/team.html",
        form=form,
        confirm=ConfirmForm(),
        members=team.members_of(provider.id),
        invitations=services.pending_invitations(provider),
        role_labels=services.ROLE_LABELS,
    )


@bp.route("/team/<int:membership_id>/deactivate", methods=["POST"])
@provider_user(ProviderRole.MANAGER)
def deactivate_contributor(membership_id: int):
    membership = team.get_contributor(g.provider_membership.provider_id, membership_id)
    if membership is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if membership.active:
        team.deactivate(membership, by=current_user)
        flash(f"{membership.user.name} can no longer act for {membership.provider.name}.")
    return redirect(url_for("provider_portal.manage_team"))


def _concern_or_404(case_id: int):
    # Another provider's case, or one the provider was not told of, is not found: its very
    # existence is confidential.
    return concerns.get_concern(g.provider_membership.provider_id, case_id) or abort(404)


@bp.route("/sign-in", methods=["GET", "POST"])
@sign_in_rate_limit
@public
def sign_in():
    form, done = password_sign_in(Realm.PROVIDER, lambda user: url_for("provider_portal.home"))
    return done or render_template("provider_portal/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out():
    return end_session(url_for("provider_portal.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@sign_in_rate_limit
@provider_user()
def change_password():
    form, done = password_change(url_for("provider_portal.home"))
    return done or render_template("auth/change_password.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return accept_invitation_page(token, PROVIDER_INVITATION)


PROVIDER_INVITATION = InvitationFlow(
    find=services.find_invitation, account_problem=services.account_problem,
    create_account=services.create_account, join=services.join,
    sign_in_url=lambda next_path: url_for("provider_portal.sign_in", next=next_path),
    home_url=lambda invitation: url_for("provider_portal.home"),
    set_password_template="provider_portal/set_password.html",
    organisation=lambda invitation: invitation.provider.name,
    roles=lambda invitation: services.ROLE_LABELS[invitation.role],
    joined_message="You are now a user of {organisation}.",
)
