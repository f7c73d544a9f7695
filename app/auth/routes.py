"""Staff sign-in by password or an authority's single sign-on, and sign-out."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from app.auth import sso
from app.auth.access import public, staff
from app.auth.forms import SignInForm
from app.auth.models import Realm
from app.auth.redirects import safe_next
from app.auth.services import check_password_sign_in
from app.extensions import limiter
from app.tenants.services import home_for_staff

bp = Blueprint("auth", __name__)


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def start_session(user) -> None:
    """Sign a user in with a fresh session, so that nothing from before carries over."""
    session.clear()
    login_user(user)
    session.permanent = True


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        if current_user.realm is Realm.PROVIDER:
            return redirect(url_for("provider_portal.home"))
        return redirect(home_for_staff(current_user))
    return redirect(url_for("auth.sign_in"))


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
@public
def sign_in():
    form = SignInForm()
    problem = None
    if form.validate_on_submit():
        result = check_password_sign_in(form.email.data, form.password.data, Realm.STAFF)
        if result.ok:
            start_session(result.user)
            return redirect(safe_next(request.args.get("next")) or home_for_staff(result.user))
        if result.locked_minutes:
            problem = (
                "You have entered the wrong details too many times. Your account is locked "
                f"for {result.locked_minutes} minutes. Try again later or contact your "
                "authority's administrator."
            )
        else:
            problem = "The email address or password is not correct"
        form.password.errors = [problem]
    return render_template(
        "auth/sign_in.html",
        form=form,
        problem=problem,
        sso_authorities=sso.authorities_with_sso(),
    )


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out():
    logout_user()
    session.clear()
    flash("You have been signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/sign-in/sso/<code>")
@public
def sso_start(code: str):
    return sso.start(code)


@bp.route("/sign-in/sso/<code>/callback")
@public
def sso_callback(code: str):
    user, problem = sso.finish(code)
    if user is None:
        return render_template("auth/sso_failed.html", problem=problem), 403
    start_session(user)
    return redirect(home_for_staff(user))


@bp.route("/account")
@staff
def account():
    return render_template("auth/account.html")
