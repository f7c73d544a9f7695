"""Forms of the provider portal."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea, GovTextInput
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from app.actions.models import ActionStatus
from app.actions.provider_updates import PROVIDER_STATUSES
from app.forms import Form, email_field, submit


class ActionUpdateForm(Form):
    status = RadioField("Status", widget=GovRadioInput(),
                        invalid_choice_message="Select the status of the action",
                        choices=[SelectChoice(s.value, s.label) for s in PROVIDER_STATUSES])
    # No Optional(): it would stop the chain before validate_note runs.
    note = TextAreaField(
        "Progress note", widget=GovTextArea(),
        description="What you have done so far; when the action is done, what shows it",
        validators=[Length(max=2000, message="Progress note must be 2000 characters or fewer")])
    submit = submit("Send update")

    def validate_note(self, field):
        if self.status.data == ActionStatus.DONE.value and not field.data:
            raise ValidationError("Enter a progress note to say what was done")


class InviteContributorForm(Form):
    name = StringField("Full name", widget=GovTextInput(), validators=[
        DataRequired("Enter their full name"),
        Length(max=200, message="Full name must be 200 characters or fewer")])
    email = email_field(required="Enter their email address")
    submit = submit("Send invitation")
