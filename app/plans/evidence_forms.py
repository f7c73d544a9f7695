"""Forms of evidence files: the provider's upload and the host's review of each file."""

from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovTextArea
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from app.forms import Form, submit
from app.plans.evidence import EvidenceStatus


class EvidenceUploadForm(Form):
    # Checked while it streams in (app.plans.uploads), not by a validator here: the file never
    # sits whole in the form.
    file = FileField("Upload a file", widget=GovFileInput(),
                     description="A PDF, Word, Excel, CSV, PNG or JPEG file")
    submit = submit("Upload file")

    def refuse(self, message: str) -> None:
        """Show ``message`` against the file field (and in the error summary)."""
        self.file.errors = [message]
        self._errors = None


class EvidenceReviewForm(Form):
    outcome = RadioField("Your review", widget=GovRadioInput(),
                         choices=[SelectChoice(EvidenceStatus.ACCEPTED.value, "Accept"),
                                  SelectChoice(EvidenceStatus.REJECTED.value, "Reject")],
                         validators=[DataRequired("Select accept or reject")],
                         invalid_choice_message="Select accept or reject")
    comment = TextAreaField("Comment", widget=GovTextArea(),
                            description="Needed when you reject the file: say why",
                            validators=[Length(max=4000,
                                               message="Comment must be 4000 characters or fewer")])
    submit = submit("Save review")

    def validate_comment(self, field):
        if self.outcome.data == EvidenceStatus.REJECTED.value and not field.data:
            raise ValidationError("Enter a comment to say why the file is rejected")
