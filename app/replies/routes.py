"""The staff side of the right of reply: the host reads the provider's points and records its
response to each."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404, is_host
from app.cases.roles import CASE_EDITORS
from app.replies import operations, services
from app.replies.forms import ResponseForm

bp = Blueprint("replies", __name__,
               url_prefix="/authorities/<int:authority_id>/cases/<int:case_id>/replies")
WRITERS = tuple(sorted(CASE_EDITORS))


def _page(case, failed: ResponseForm | None = None, failed_id=None, status=200):
    findings = services.findings_of(case)
    forms = {point.id: (failed if point.id == failed_id
                        else ResponseForm(formdata=None, prefix=f"p{point.id}"))
             for found in findings for point in found.points}
    return render_template("replies/show.html", case=case, findings=findings, forms=forms,
                           form=failed, can_respond=is_host(case) and not case.closed), status


@bp.route("")
@member()
def show_replies(authority_id: int, case_id: int):
    # The host's page: a placing authority does not see the provider's points.
    return _page(host_case_or_404(case_id))


@bp.route("/<int:point_id>", methods=["POST"])
@member(*WRITERS)
def respond(authority_id: int, case_id: int, point_id: int):
    case = host_case_or_404(case_id)
    point = services.get_point(case, point_id) or abort(404)
    form = ResponseForm(formdata=request.form, prefix=f"p{point.id}")
    if not form.validate_on_submit():
        return _page(case, form, point.id, 400)
    operations.respond(current_actor(), case, point, form.response.data)
    flash("Response recorded")
    return redirect(url_for("replies.show_replies", authority_id=authority_id, case_id=case.id))
