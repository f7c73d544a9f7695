"""The provider portal: its own sign-in, and a provider's view of its own organisation."""

from __future__ import annotations

from flask import (
    Blueprint,
    g,
    redirect,
    render_template,
    url_for,
)

from app.auth.access import provider_user, public
from app.auth.forms import SetPasswordForm
from app.auth.models import Realm
from app.auth.sign_in_flow import end_session, password_sign_in, sign_in_limit, start_session
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
@limiter.limit(sign_in_limit, methods=["POST"])
@public
def sign_in():
    form, done = password_sign_in(Realm.PROVIDER, lambda user: url_for("provider_portal.home"))
    return done or render_template("provider_portal/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out():
    return end_session(url_for("provider_portal.sign_in"))


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
