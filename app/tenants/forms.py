from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovTextInput
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.forms import Form, email_field, submit
from app.tenants.models import ROLE_LABELS


class RolesField(SelectMultipleField):
    def __init__(self, label="Roles", **kwargs):
        super().__init__(
            label,
            choices=[SelectChoice(role.value, text) for role, text in ROLE_LABELS.items()],
            widget=GovCheckboxesInput(),
            validators=[DataRequired("Select at least one role")],
            **kwargs,
        )


class InviteForm(Form):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter their full name"), Length(max=200, message="Name must be 200 characters or fewer")],
    )
    email = email_field(required="Enter their email address")
    roles = RolesField()
    submit = submit("Send invitation")


class RolesForm(Form):
    roles = RolesField()
    submit = submit("Save roles")


class ConfirmForm(Form):
    """A form with nothing but its CSRF token, for buttons that change state."""

    submit = submit("Confirm")
