"""The host's view of the notices its provider gave, with what the procedure offers next: the
meeting of all stakeholders, or emergency planning."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404
from app.cases.roles import CASE_EDITORS
from app.forms import ConfirmForm
from app.notices import operations, services

bp = Blueprint("notices", __name__,
               url_prefix="/authorities/<int:authority_id>/cases/<int:case_id>/notices")
WRITERS = tuple(sorted(CASE_EDITORS))


@bp.route("")
@member()
def show_notices(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    return render_template("notices/show.html", case=case, notices=services.notices_of(case),
                           confirm=ConfirmForm(),
                           can_act=bool(current_actor().roles & CASE_EDITORS) and not case.closed)


@bp.route("/<int:notice_id>/seen", methods=["POST"])
@member(*WRITERS)
def mark_seen(authority_id: int, case_id: int, notice_id: int):
    case = host_case_or_404(case_id)
    notice = services.get_notice(case, notice_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if notice.seen_at is None:
        operations.mark_seen(current_actor(), case, notice)
        flash("Notice marked as seen")
    return redirect(url_for("notices.show_notices", authority_id=authority_id, case_id=case.id))
