"""A placing authority's status and note on an action the host gave it (its own row, which
the host reads with the action)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.actions.models import ActionStatus
from app.actions.placing_updates import PLACING_STATUSES, owned_action, record_action_update
from app.auth.access import member
from app.cases.access import current_actor, readable_case_or_404
from app.cases.roles import CASE_EDITORS
from app.forms import Form, submit
from app.htmx import section_url

bp = Blueprint("placing_action_updates", __name__)


class ActionUpdateForm(Form):
    status = RadioField("Status", widget=GovRadioInput(),
                        choices=[SelectChoice(status.value, status.label) for status in PLACING_STATUSES],
                        validators=[DataRequired("Select the status of the action")])
    note = TextAreaField("Note for the host (optional)", widget=GovTextArea(), validators=[
        Optional(), Length(max=2000, message="Note must be 2000 characters or fewer")])
    submit = submit("Send the update to the host")


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/actions/<int:action_id>/placing-update",
          methods=["GET", "POST"])
@member(*CASE_EDITORS)
def update_owned_action(authority_id: int, case_id: int, action_id: int):
    case = readable_case_or_404(case_id)
    action = owned_action(case.id, action_id, authority_id)
    if action is None:
        abort(404)
    form = ActionUpdateForm()
    if form.validate_on_submit():
        record_action_update(current_actor(), action, status=ActionStatus(form.status.data),
                             note=form.note.data or "")
        flash("Update sent: the host sees it with the action.")
        return redirect(section_url(case, "risks-and-actions", "actions"))
    if not form.is_submitted():
        form.status.data = action.status.value
    return render_template("actions/placing_update.html", case=case, action=action, form=form)
