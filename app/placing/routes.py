"""The placing authority's side of a shared case: the shared page and its acknowledgement."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from app.auth.access import member
from app.cases import services as case_services
from app.cases.access import current_actor, host_case_or_404, readable_case_or_404
from app.cases.models import Case
from app.cases.roles import CASE_EDITORS, RESIDENT_READERS
from app.extensions import db
from app.placing import alerts, operations, services
from app.placing.coverage import coverage_of
from app.placing.forms import AcknowledgeForm, ReviewForm
from app.residents import services as resident_services

bp = Blueprint("placing", __name__)


def render_shared_case(case: Case, form: AcknowledgeForm | None = None):
    """Render a case as a placing authority with a share sees it (errors and input kept)."""
    actor = current_actor()
    share = services.live_share_for(case.id, actor.authority_id)
    acknowledgement = services.acknowledgement_of(share)
    if form is None:
        form = AcknowledgeForm(formdata=None, obj=acknowledgement)
    return render_template(
        "cases/shared.html", case=case, is_host=False, acknowledgement=acknowledgement,
        acknowledge_form=form, form=form if form.errors else None,
        can_acknowledge=share is not None and bool(actor.roles & CASE_EDITORS),
        # The host's key dates, as the host computed them (app/cases/key_dates.py).
        clocks=case_services.clocks_for_reader(case, actor.authority_id),
        # What the host told it, whatever the level of sharing: the email may not carry it.
        placing_alerts=services.alerts_of(case.id) if share is not None else [],
    )


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/acknowledgement", methods=["POST"])
@member(*CASE_EDITORS)
def acknowledge(authority_id: int, case_id: int):
    case = readable_case_or_404(case_id)
    share = services.live_share_for(case.id, authority_id)
    if share is None:
        abort(403, description="no_share_to_acknowledge")
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        return render_shared_case(case, form)
    operations.acknowledge_share(current_actor(), share, link_person_name=form.link_person_name.data,
                                 link_person_email=form.link_person_email.data or "")
    db.session.commit()
    flash(f"Alert acknowledged: {case.host_authority.name} will contact {form.link_person_name.data}.")
    return redirect(url_for("cases.show_case", authority_id=authority_id, case_id=case_id))


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/placing-authorities")
@member(*RESIDENT_READERS)
def list_placing_authorities(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    return render_template("placing/coverage.html", case=case, coverage=coverage_of(case),
                           can_alert=bool(current_actor().roles & CASE_EDITORS))


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/placing-authorities/<int:share_id>/end",
          methods=["POST"])
@member(*(RESIDENT_READERS & CASE_EDITORS))
def end_share(authority_id: int, case_id: int, share_id: int):
    case = host_case_or_404(case_id)
    share = services.share_of_case(case.id, share_id)
    if share is None:
        abort(404)
    alerts.end_share(current_actor(), case, share)
    db.session.commit()
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
        db.session.commit()
        flash(f"Review of {resident.full_name} saved.")
        return redirect(url_for("residents.show_resident", authority_id=authority_id, resident_id=resident_id))
    return render_template("placing/review_form.html", form=form, resident=resident)
