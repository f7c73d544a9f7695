"""The provider's notice form."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.forms import Form, submit
from app.notices.models import NoticeKind


class NoticeForm(Form):
    kind = RadioField("What are you telling the host authority?", widget=GovRadioInput(),
                      choices=[SelectChoice(k.value, k.label) for k in NoticeKind],
                      validators=[DataRequired("Select what you are telling the host authority")],
                      invalid_choice_message="Select what you are telling the host authority")
    details = TextAreaField("Details", widget=GovTextArea(),
                            description="What has happened, and from when",
                            validators=[DataRequired("Enter the details"),
                                        Length(max=4000,
                                               message="Details must be 4000 characters or fewer")])
    submit = submit("Send the notice")
