"""Forms of stage 6: sending the closure letters and recording the contract review."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovTextArea
from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.forms import DateInputField, Form, email_field, submit


class ClosureLettersForm(Form):
    provider_emails = SelectMultipleField(
        "Send the provider's letter to", widget=GovCheckboxesInput(),
        validators=[DataRequired("Select at least one provider manager")])
    cqc_email = email_field("CQC email address", required="Enter the CQC email address")
    submit = submit("Send the closure letters")


class ContractReviewForm(Form):
    reviewed_on = DateInputField("Date of the review", "Enter the date of the review")
    outcome = TextAreaField("Outcome", widget=GovTextArea(), validators=[
        DataRequired("Enter the outcome of the review"),
        Length(max=5000, message="Outcome must be 5000 characters or fewer")])
    submit = submit("Record the review")

    def validate_reviewed_on(self, field):
        from datetime import date

        if field.data and field.data > date.today():
            raise ValidationError("Date of the review must be today or in the past")
