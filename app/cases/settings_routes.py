"""The host authority's procedure settings: timescales and options."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from app.auth.access import member
from app.cases.access import current_actor
from app.cases.forms import ProcedureSettingsForm
from app.cases.operations import save_procedure_settings
from app.cases.procedure_settings import settings_for
from app.cases.roles import SETTINGS_EDITORS
from app.cases.routes import bp


@bp.route("/authorities/<int:authority_id>/procedure-settings", methods=["GET", "POST"])
@member(*SETTINGS_EDITORS)
def procedure_settings(authority_id: int):
    form = ProcedureSettingsForm(obj=settings_for(authority_id))
    if form.validate_on_submit():
        save_procedure_settings(current_actor(), form.data)
        flash("Procedure settings saved. New deadlines use them from now on.")
        return redirect(url_for("cases.procedure_settings", authority_id=authority_id))
    return render_template("cases/procedure_settings.html", form=form)
