from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovFileInput, GovTextInput
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from app.forms import Form, email_field, submit
from app.tenants.logos import MAX_LOGO_BYTES, LogoRefused, check_logo
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




class LogoForm(Form):
    """The authority's logo for its Word documents: PNG or JPG, checked from its own bytes."""

    logo = FileField("Upload a logo", widget=GovFileInput(),
                     description="A PNG or JPG file, smaller than 1MB. It is printed 18mm high.",
                     validators=[FileRequired("Select a PNG or JPG file")])
    submit = submit("Upload logo")

    def validate_logo(self, field):
        # Read one byte past the limit: enough to refuse a large file without reading it all.
        self.logo_bytes = field.data.stream.read(MAX_LOGO_BYTES + 1)
        try:
            check_logo(self.logo_bytes)
        except LogoRefused as refused:
            raise ValidationError(str(refused)) from refused
