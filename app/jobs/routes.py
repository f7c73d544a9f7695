"""Messages that need a person: an authority's own, and the platform's view across them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from app.auth.access import member, platform_admin
from app.forms import ConfirmForm
from app.jobs import decisions, services
from app.jobs.queue import queue_depth
from app.pagination import paginate
from app.tenants.models import Role

bp = Blueprint("jobs", __name__)


@bp.route("/authorities/<int:authority_id>/messages")
@member(Role.TENANT_ADMIN)
def list_failed_messages(authority_id: int):
    page = paginate(services.needing_attention_in_view())
    return render_template("jobs/messages.html", messages=page.items, page=page, confirm=ConfirmForm())


def _message_or_404(message_id: int):
    message = services.get_message(message_id)
    if message is None:
        abort(404)
    return message


@bp.route("/authorities/<int:authority_id>/messages/<int:message_id>/retry", methods=["POST"])
@member(Role.TENANT_ADMIN)
def retry_message(authority_id: int, message_id: int):
    message = _message_or_404(message_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if decisions.retry(message, by=current_user, authority_id=g.authority.id):
        flash(f"The message to {message.recipient} will be sent again.")
    elif message.payload.get("secrets_removed"):
        flash(f"The one-time link in the message to {message.recipient} was removed when it failed: "
              "send them a new one instead.")
    return redirect(url_for("jobs.list_failed_messages", authority_id=authority_id))


@bp.route("/authorities/<int:authority_id>/messages/<int:message_id>/confirm-sent", methods=["POST"])
@member(Role.TENANT_ADMIN)
def confirm_message_sent(authority_id: int, message_id: int):
    message = _message_or_404(message_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if decisions.confirm_sent(message, by=current_user, authority_id=g.authority.id):
        flash(f"The message to {message.recipient} is recorded as sent.")
    return redirect(url_for("jobs.list_failed_messages", authority_id=authority_id))


@bp.route("/admin/messages")
@platform_admin
def platform_messages():
    return render_template(
        "jobs/platform_messages.html",
        queues=services.across_authorities(current_user),
        queue_depth=_safe_queue_depth(),
    )


def _safe_queue_depth() -> int | str | None:
    try:
        return queue_depth()
    except Exception:  # Redis down: the page must still show the outbox
        return "unavailable"
