"""The provider gives notice to its host, in the portal."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth.access import provider_user
from app.notices import operations, services
from app.notices.forms import NoticeForm
from app.notices.models import NoticeKind
from app.provider_portal.access import concern_or_404

bp = Blueprint("provider_notices", __name__, url_prefix="/provider/cases/<int:case_id>/notices")



@bp.route("", methods=["GET", "POST"])
@provider_user()
def give_notice(case_id: int):
    case = concern_or_404(case_id)
    form = NoticeForm()
    if form.validate_on_submit():
        operations.give_notice(case, NoticeKind(form.kind.data), form.details.data, current_user)
        flash("Your notice was sent: the host authority has been alerted")
        return redirect(url_for("provider_notices.give_notice", case_id=case.id))
    status = 400 if form.errors else 200
    return render_template("provider_portal/notices.html", case=case, form=form,
                           notices=services.notices_of(case)), status
