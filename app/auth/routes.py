"""Staff sign-in by password or an authority's single sign-on, and sign-out."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import sso, sso_session
from app.auth.access import public, staff
from app.auth.models import Realm
from app.auth.redirects import safe_next
from app.auth.sign_in_flow import (
    end_session,
    password_change,
    password_sign_in,
    sign_in_rate_limit,
    start_session,
)
from app.tenants.services import home_for_staff

bp = Blueprint("auth", __name__)


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        if current_user.realm is Realm.PROVIDER:
            return redirect(url_for("provider_portal.home"))
        return redirect(home_for_staff(current_user))
    return redirect(url_for("auth.sign_in"))


@bp.route("/sign-in", methods=["GET", "POST"])
@sign_in_rate_limit
@public
def sign_in():
    form, done = password_sign_in(Realm.STAFF, home_for_staff)
    if done:
        return done
    return render_template(
        "auth/sign_in.html",
        form=form,
        sso_authorities=sso.authorities_with_sso(),
        for_authority=sso.authority_named(request.args.get("authority")),
        next_url=safe_next(request.args.get("next")),
    )


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out():
    # Read before the session ends: an SSO session also ends at the provider's end-session page.
    provider_logout_url = sso.provider_logout_url()
    signed_out = end_session(url_for("auth.sign_in"))
    if provider_logout_url is None:
        return signed_out
    return render_template("auth/signing_out.html", provider_logout_url=provider_logout_url)


@bp.route("/sign-in/sso/<code>")
@public
def sso_start(code: str):
    return sso.start(code, request.args.get("next"))


@bp.route("/sign-in/sso/<code>/callback")
@public
def sso_callback(code: str):
    signed_in = sso.finish(code)
    start_session(signed_in.user)
    sso_session.remember(signed_in.authority_id, signed_in.id_token)
    return redirect(
        signed_in.next_url or url_for("tenants.home", authority_id=signed_in.authority_id)
    )


@bp.errorhandler(sso.SsoFailure)
def sso_failed(failure: sso.SsoFailure):
    return render_template("auth/sso_failed.html", problem=failure.problem), failure.status


@bp.route("/account")
@staff
def account():
    return render_template("auth/account.html")


@bp.route("/account/password", methods=["GET", "POST"])
@sign_in_rate_limit
@staff
def change_password():
    form, done = password_change(url_for("auth.account"))
    return done or render_template("auth/change_password.html", form=form)
