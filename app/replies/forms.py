"""Forms of the right of reply."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import Form, submit


class PointForm(Form):
    point = TextAreaField("Factual-accuracy point", widget=GovTextArea(),
                          description="What in the findings is not accurate, and what is",
                          validators=[DataRequired("Enter the point"),
                                      Length(max=4000,
                                             message="Point must be 4000 characters or fewer")])
    submit = submit("Send the point")


class ResponseForm(Form):
    response = TextAreaField("Response", widget=GovTextArea(), validators=[
        DataRequired("Enter the response"),
        Length(max=4000, message="Response must be 4000 characters or fewer")])
    submit = submit("Record the response")
