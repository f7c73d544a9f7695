"""The placing authority's side of a shared case (its acknowledgement) and the host's alerts
to placing authorities. What the sections show is in ``app.placing.sections``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404, readable_case_or_404
from app.cases.roles import CASE_EDITORS, RESIDENT_READERS
from app.cases.sections import OVERVIEW, render_section
from app.placing import alerts, operations, services
from app.placing.forms import AcknowledgeForm, ReviewForm
from app.residents import services as resident_services

bp = Blueprint("placing", __name__)


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/acknowledgement", methods=["POST"])
@member(*CASE_EDITORS)
def acknowledge(authority_id: int, case_id: int):
    case = readable_case_or_404(case_id)
    share = services.live_share_for(case.id, authority_id)
    if share is None:
        abort(403, description="no_share_to_acknowledge")
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        # The overview as the placing authority reads it (app/placing/sections.py), with the
        # form as it was sent and its errors.
        return render_section(case, current_actor(), OVERVIEW, acknowledge_form=form, form=form)
    operations.acknowledge_share(current_actor(), share, link_person_name=form.link_person_name.data,
                                 link_person_email=form.link_person_email.data or "")
    flash(f"Alert acknowledged: {case.host_authority.name} will contact {form.link_person_name.data}.")
    return redirect(url_for("cases.show_case", authority_id=authority_id, case_id=case_id))


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/placing-authorities")
@member(*RESIDENT_READERS)
def list_placing_authorities(authority_id: int, case_id: int):
    return render_section(host_case_or_404(case_id), current_actor(),
                          "residents-and-placing-authorities")


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/placing-authorities/<int:share_id>/end",
          methods=["POST"])
@member(*(RESIDENT_READERS & CASE_EDITORS))
def end_share(authority_id: int, case_id: int, share_id: int):
    case = host_case_or_404(case_id)
    share = services.share_of_case(case.id, share_id)
    if share is None:
        abort(404)
    alerts.end_share(current_actor(), case, share)
    flash(f"Share with {share.placing_authority.name} ended: it no longer sees this case.")
    return redirect(url_for("placing.list_placing_authorities", authority_id=authority_id, case_id=case_id))


@bp.route("/authorities/<int:authority_id>/residents/<int:resident_id>/reviews/new",
          methods=["GET", "POST"])
@member(*(RESIDENT_READERS & CASE_EDITORS))
def record_review(authority_id: int, resident_id: int):
    resident = resident_services.get_resident(resident_id)
    if resident is None:
        abort(404)
    if not resident.funded_by(authority_id):
        abort(403, description="not_a_funder")
    form = ReviewForm()
    if form.validate_on_submit():
        operations.record_review(current_actor(), resident, {
            name: field.data for name, field in form._fields.items() if name in operations.REVIEW_FIELDS})
        flash(f"Review of {resident.full_name} saved.")
        return redirect(url_for("residents.show_resident", authority_id=authority_id, resident_id=resident_id))
    return render_template("placing/review_form.html", form=form, resident=resident)
