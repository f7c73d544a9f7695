"""The host's alert of its placing authorities, and each authority's own alert contact."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404
from app.cases.roles import CASE_EDITORS, RESIDENT_READERS
from app.placing import alerts, contacts
from app.placing.alert_history import SharingLevel
from app.placing.coverage import coverage_of
from app.placing.forms import AlertContactForm, AlertForm
from app.tenants.models import Role

bp = Blueprint("placing_alerts", __name__)


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/placing-authorities/alert",
          methods=["GET", "POST"])
@member(*(RESIDENT_READERS & CASE_EDITORS))
def alert_placing_authorities(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    coverage = coverage_of(case)
    form = AlertForm()
    if form.validate_on_submit():
        decision = alerts.AlertDecision(SharingLevel(form.sharing_level.data), form.sharing_reason.data,
                                        form.concern.data, form.planned.data)
        alerted = alerts.alert(current_actor(), case, coverage.to_alert, decision)
        flash(f"{len(alerted)} placing authorities alerted." if alerted
              else "Every placing authority with residents here has already been alerted.")
        return redirect(url_for("placing.list_placing_authorities", authority_id=authority_id,
                                case_id=case_id))
    to_alert = [row for row in coverage.rows if row.authority_id in set(coverage.to_alert)]
    return render_template("placing/alert_form.html", case=case, form=form, to_alert=to_alert)


@bp.route("/authorities/<int:authority_id>/alert-contact", methods=["GET", "POST"])
@member(Role.TENANT_ADMIN)
def edit_alert_contact(authority_id: int):
    row = contacts.contact_of(authority_id)
    form = AlertContactForm(obj=row)
    if form.validate_on_submit():
        contacts.set_contact(authority_id, name=form.name.data, email=form.email.data, by=current_user)
        flash("Alert contact saved: host authorities will send their alerts there.")
        return redirect(url_for("placing_alerts.edit_alert_contact", authority_id=authority_id))
    return render_template("placing/alert_contact.html", form=form, contact=row)
