"""The register of people using the service: read by the host and the funding authorities,
kept by the host."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from app.auth.access import member
from app.cases.access import current_actor
from app.cases.roles import CASE_EDITORS, RESIDENT_READERS
from app.pagination import paginate
from app.placing import services as placing_services
from app.placing.reviews import REVIEW_LABELS
from app.residents import operations, services
from app.residents.forms import NO_AUTHORITY, MoveOutForm, ResidentForm
from app.residents.models import Resident

bp = Blueprint("residents", __name__)


def _resident_or_404(resident_id: int) -> Resident:
    """Return a resident the acting authority may read (404 otherwise: their existence is
    private), refusing one the acting authority does not host (403)."""
    resident = services.get_resident(resident_id)
    if resident is None:
        abort(404)
    return resident


def _hosted_resident_or_404(resident_id: int) -> Resident:
    resident = _resident_or_404(resident_id)
    if resident.tenant_id != g.membership.tenant_id:
        abort(403, description="not_the_host")
    return resident


def _resident_form(authority_id: int, **kwargs) -> ResidentForm:
    form = ResidentForm(**kwargs)
    form.set_choices(services.host_locations(authority_id), services.funding_authorities(authority_id))
    return form


def _values(form: ResidentForm) -> dict:
    return {name: field.data for name, field in form._fields.items()
            if name in operations.FIELDS}


@bp.route("/authorities/<int:authority_id>/residents")
@member(*RESIDENT_READERS)
def list_residents(authority_id: int):
    page = paginate(services.residents_in_view())
    return render_template("residents/list.html", residents=page.items, page=page,
                           hosts_locations=bool(services.host_locations(authority_id)))


@bp.route("/authorities/<int:authority_id>/residents/<int:resident_id>")
@member(*RESIDENT_READERS)
def show_resident(authority_id: int, resident_id: int):
    resident = _resident_or_404(resident_id)
    return render_template("residents/show.html", resident=resident,
                           is_host=resident.tenant_id == authority_id,
                           reviews=placing_services.reviews_of(resident.id),
                           review_labels=REVIEW_LABELS,
                           can_review=resident.funded_by(authority_id)
                           and g.membership.has_any(CASE_EDITORS))


@bp.route("/authorities/<int:authority_id>/residents/new", methods=["GET", "POST"])
@member(*RESIDENT_READERS)
def add_resident(authority_id: int):
    form = _resident_form(authority_id)
    if not form.location_id.choices[1:]:
        abort(403, description="no_locations_hosted")
    if form.validate_on_submit():
        resident = operations.add_resident(current_actor(), _values(form))
        flash(f"{resident.full_name} added to the register.")
        return redirect(url_for("residents.show_resident", authority_id=authority_id,
                                resident_id=resident.id))
    return render_template("residents/form.html", form=form, resident=None)


@bp.route("/authorities/<int:authority_id>/residents/<int:resident_id>/edit",
          methods=["GET", "POST"])
@member(*RESIDENT_READERS)
def change_resident(authority_id: int, resident_id: int):
    resident = _hosted_resident_or_404(resident_id)
    form = _resident_form(authority_id, obj=resident)
    if form.validate_on_submit():
        operations.change_resident(current_actor(), resident, _values(form))
        flash(f"{resident.full_name}'s details saved.")
        return redirect(url_for("residents.show_resident", authority_id=authority_id,
                                resident_id=resident.id))
    for field in (form.placing_authority_id, form.joint_funder_id):
        field.data = field.data or NO_AUTHORITY
    return render_template("residents/form.html", form=form, resident=resident)


@bp.route("/authorities/<int:authority_id>/residents/<int:resident_id>/move-out",
          methods=["GET", "POST"])
@member(*RESIDENT_READERS)
def mark_moved_out(authority_id: int, resident_id: int):
    resident = _hosted_resident_or_404(resident_id)
    form = MoveOutForm()
    if form.validate_on_submit():
        operations.mark_moved_out(current_actor(), resident, form.moved_out_on.data)
        flash(f"{resident.full_name} marked as moved out.")
        return redirect(url_for("residents.show_resident", authority_id=authority_id,
                                resident_id=resident.id))
    return render_template("residents/move_out.html", form=form, resident=resident)
