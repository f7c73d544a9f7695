"""The provider portal: its own sign-in, and a provider's view of its own organisation."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import logout_user

from app.auth.access import provider_user, public
from app.auth.forms import SetPasswordForm, SignInForm
from app.auth.models import Realm
from app.auth.redirects import safe_next
from app.auth.routes import start_session
from app.auth.services import check_password_sign_in
from app.cases.services import cases_of_provider
from app.extensions import limiter
from app.provider_portal import services

bp = Blueprint("provider_portal", __name__, url_prefix="/provider")


@bp.route("/")
@provider_user()
def home():
    return render_template(
        "provider_portal/home.html", cases=cases_of_provider(g.provider_membership.provider_id)
    )


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"], methods=["POST"])
@public
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        result = check_password_sign_in(form.email.data, form.password.data, Realm.PROVIDER)
        if result.ok:
            start_session(result.user)
            return redirect(safe_next(request.args.get("next")) or url_for("provider_portal.home"))
        if result.locked_minutes:
            form.password.errors = [
                "You have entered the wrong details too many times. Your account is locked "
                f"for {result.locked_minutes} minutes. Try again later."
            ]
        else:
            form.password.errors = ["The email address or password is not correct"]
    return render_template("provider_portal/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out():
    logout_user()
    session.clear()
    flash("You have been signed out.")
    return redirect(url_for("provider_portal.sign_in"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
def set_password(token: str):
    user = services.user_for_password_token(token)
    if user is None:
        return render_template("tenants/invitation_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        start_session(user)
        return redirect(url_for("provider_portal.home"))
    return render_template("provider_portal/set_password.html", form=form, user=user)
