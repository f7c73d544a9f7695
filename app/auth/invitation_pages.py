"""The pages behind an invitation link, for staff (an authority's invitation) and provider
users (a provider's) alike: the link leads to setting a password for a new account, to
signing in first for an existing one, or, signed in as the invited person, to one button
that accepts. What differs between the two is a ``InvitationFlow``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect, render_template, request
from flask_login import current_user

from app.auth.forms import SetPasswordForm
from app.auth.invitation_tokens import same_email
from app.auth.services import find_user_by_email
from app.auth.sign_in_flow import start_session
from app.forms import ConfirmForm


@dataclass(frozen=True)
class InvitationFlow:
    find: Callable  # token -> a live invitation, or None
    account_problem: Callable  # existing account -> why it cannot accept now, or None
    create_account: Callable  # (invitation, password) -> new user, or the password's problem
    join: Callable  # (invitation, user) -> None, or why the user cannot join
    sign_in_url: Callable  # next path -> the sign-in page for this kind of user
    home_url: Callable  # invitation -> where the new member lands
    set_password_template: str
    organisation: Callable  # invitation -> the name of what the person joins
    roles: Callable  # invitation -> the roles offered, as words
    joined_message: str  # "... {organisation}"


def accept_invitation_page(token: str, flow: InvitationFlow):
    invitation = flow.find(token)
    if invitation is None:
        return render_template("tenants/invitation_invalid.html"), 404
    visitor = current_user if current_user.is_authenticated else None
    if visitor is not None and not same_email(visitor, invitation.email):
        return render_template("auth/invitation_other_account.html"), 403
    account = find_user_by_email(invitation.email) if visitor is None else None
    if account is not None:
        # An existing account is never changed from a link: its owner signs in and accepts.
        return render_template("auth/invitation_sign_in.html",
                               problem=flow.account_problem(account),
                               sign_in_url=flow.sign_in_url(request.path))
    if visitor is not None:
        return _join(invitation, visitor, flow)
    form = SetPasswordForm()
    if form.validate_on_submit():
        outcome = flow.create_account(invitation, form.password.data)
        if isinstance(outcome, str):
            form.password.errors = [outcome]
        else:
            start_session(outcome)
            return redirect(flow.home_url(invitation))
    return render_template(flow.set_password_template, form=form, invitation=invitation)


def _join(invitation, user, flow: InvitationFlow):
    """The account the invitation was sent to is signed in: it accepts with one button."""
    form = ConfirmForm()
    problem = None
    if form.validate_on_submit():
        problem = flow.join(invitation, user)
        if problem is None:
            flash(flow.joined_message.format(organisation=flow.organisation(invitation)))
            return redirect(flow.home_url(invitation))
    return render_template("auth/invitation_join.html", form=form, problem=problem,
                           organisation=flow.organisation(invitation),
                           roles=flow.roles(invitation))
