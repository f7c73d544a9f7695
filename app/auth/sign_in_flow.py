"""The password sign-in and sign-out steps shared by the staff and provider realms."""

from __future__ import annotations

import math
from collections.abc import Callable

from flask import current_app, flash, redirect, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from app.auth import sessions
from app.auth.forms import ChangePasswordForm, SignInForm
from app.auth.models import Realm, User
from app.auth.redirects import safe_next
from app.auth.services import change_own_password, check_password_sign_in
from app.extensions import limiter
from app.unit_of_work import commit

NOT_CORRECT = "The email address or password is not correct"


def sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


# One budget per client address across the staff and the provider sign-in pages.
sign_in_rate_limit = limiter.shared_limit(sign_in_limit, scope="sign-in", methods=["POST"])


def start_session(user: User) -> None:
    """Sign a user in with a fresh server-side session, so that nothing from before carries over."""
    previous = session.get("_user_id")
    session.clear()
    sessions.end_session(previous, reason="replaced")
    sessions.open_session(user)
    commit("session: opened at sign-in")
    login_user(user)
    session.permanent = True


def end_session(sign_in_url: str):
    """Sign out: end the session on the server, so that a copy of the cookie is worthless."""
    if current_user.is_authenticated:
        sessions.end_session(current_user.get_id())
        commit("session: ended at sign-out")
    logout_user()
    session.clear()
    flash("You have been signed out.")
    return redirect(sign_in_url)


def _wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return (
        "There have been too many attempts to sign in with this email address from your "
        f"network. Wait {minutes} {unit} and try again."
    )


def password_sign_in(realm: Realm, home: Callable[[User], str]):
    """Check the submitted form; return (form, redirect response or None)."""
    form = SignInForm()
    if not form.validate_on_submit():
        return form, None
    result = check_password_sign_in(
        form.email.data, form.password.data, realm, get_remote_address()
    )
    if result.ok:
        start_session(result.user)
        return form, redirect(safe_next(request.args.get("next")) or home(result.user))
    form.password.errors = [_wait_message(result.wait_seconds) if result.wait_seconds else NOT_CORRECT]
    return form, None


def password_change(done_url: str):
    """Check the change-password form; return (form, redirect response or None).

    A new password ends every session of the user, this one included; this browser then gets a
    fresh session, so the person carries on while every other copy of their cookie is dead.
    """
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return form, None
    user = current_user._get_current_object()
    problem = change_own_password(
        user, form.current.data, form.password.data, get_remote_address()
    )
    if problem:
        form.current.errors = [problem]
        return form, None
    start_session(user)
    flash("Your password has been changed. You have been signed out everywhere else.")
    return form, redirect(done_url)
