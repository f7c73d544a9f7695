"""The password sign-in and sign-out steps shared by the staff and provider realms."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, flash, redirect, request, session
from flask_login import login_user, logout_user

from app.auth.forms import SignInForm
from app.auth.models import Realm, User
from app.auth.redirects import safe_next
from app.auth.services import check_password_sign_in


def sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def start_session(user: User) -> None:
    """Sign a user in with a fresh session, so that nothing from before carries over."""
    session.clear()
    login_user(user)
    session.permanent = True


def end_session(sign_in_url: str):
    logout_user()
    session.clear()
    flash("You have been signed out.")
    return redirect(sign_in_url)


def password_sign_in(realm: Realm, home: Callable[[User], str]):
    """Check the submitted form; return (form, redirect response or None)."""
    form = SignInForm()
    if not form.validate_on_submit():
        return form, None
    result = check_password_sign_in(form.email.data, form.password.data, realm)
    if result.ok:
        start_session(result.user)
        return form, redirect(safe_next(request.args.get("next")) or home(result.user))
    if result.locked_minutes:
        form.password.errors = [
            "You have entered the wrong details too many times. Your account is locked "
            f"for {result.locked_minutes} minutes. Try again later or ask your administrator."
        ]
    else:
        form.password.errors = ["The email address or password is not correct"]
    return form, None
