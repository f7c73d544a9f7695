"""The provider's first response form: its message, and a file if it has one."""

from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovTextArea
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import Form, submit


class FirstResponseForm(Form):
    message = TextAreaField("Your response", widget=GovTextArea(),
                            description="Your response to the concern, and the information asked of you",
                            validators=[DataRequired("Enter your response"),
                                        Length(max=10000,
                                               message="Response must be 10000 characters or fewer")])
    # Checked while it streams in (app.plans.uploads).
    file = FileField("Attach a file (optional)", widget=GovFileInput(),
                     description="A PDF, Word, Excel, CSV, PNG or JPEG file")
    submit = submit("Send your response")

    def refuse(self, message: str) -> None:
        self.file.errors = [message]
        self._errors = None
