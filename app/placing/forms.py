"""The placing authority's acknowledgement of a host's alert."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.forms import Form, submit


class AcknowledgeForm(Form):
    link_person_name = StringField(
        "Your link person for this concern", widget=GovTextInput(),
        description="Who the host should contact about your residents at this provider",
        validators=[DataRequired("Enter the name of your link person"),
                    Length(max=200, message="Name must be 200 characters or fewer")])
    link_person_email = StringField(
        "Their email address (optional)", widget=GovTextInput(),
        validators=[Optional(), Length(max=254, message="Email address must be 254 characters or fewer"),
                    Email("Enter an email address in the correct format, like name@example.gov.uk")])
    submit = submit("Acknowledge the alert")
