"""The provider's right of reply in the portal."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth.access import provider_user
from app.provider_portal.access import concern_or_404
from app.replies import operations, services
from app.replies.forms import PointForm

bp = Blueprint("provider_replies", __name__, url_prefix="/provider/cases/<int:case_id>/replies")



def _page(case, form=None, failed=None, status=200):
    forms = {}
    findings = services.findings_of(case)
    for found in findings:
        forms[found.meeting.id] = (form if failed == found.meeting.id
                                   else PointForm(formdata=None, prefix=f"m{found.meeting.id}"))
    return render_template("provider_portal/replies.html", case=case, findings=findings,
                           forms=forms, form=form), status


@bp.route("")
@provider_user()
def show_replies(case_id: int):
    return _page(concern_or_404(case_id))


@bp.route("/<int:meeting_id>", methods=["POST"])
@provider_user()
def raise_point(case_id: int, meeting_id: int):
    case = concern_or_404(case_id)
    findings = services.findings_for(case, meeting_id) or abort(404)
    problem = operations.cannot_raise(findings)
    if problem:
        flash(problem, "error")
        return redirect(url_for("provider_replies.show_replies", case_id=case.id))
    form = PointForm(prefix=f"m{meeting_id}")
    if not form.validate_on_submit():
        return _page(case, form, meeting_id, 400)
    operations.raise_point(case, findings, form.point.data, current_user)
    flash("Your point was sent to the host authority")
    return redirect(url_for("provider_replies.show_replies", case_id=case.id))
