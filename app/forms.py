"""Form base and fields shared across areas."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.main import wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSubmitInput
from wtforms import DateField, IntegerField, SubmitField
from wtforms.validators import StopValidation

from app.formatting import xml_safe


class Form(FlaskForm):
    """All forms: CSRF on; text cleaned of characters XML cannot hold (a vertical tab pasted
    from Word, say, which would break the Word download) and trimmed, so that a field of spaces
    counts as empty."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if unbound_field.field_class.__name__ in {"StringField", "TextAreaField", "EmailField"}:
                filters = [xml_safe, _strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)


def error_summary(form, params=None) -> dict:
    """The ``govukErrorSummary`` parameters of a form with errors, each linking to its field.

    govuk-frontend-wtf links every error to the field's id, which for a date input is the
    wrapper ``<div>``: following the link leaves focus on the link. The GOV.UK date input
    pattern links to the day input instead, so that focus lands where the typing starts."""
    summary = wtforms_errors(form, params or {})
    day_inputs = {
        f"#{field.id}": f"#{field.name}-day"
        for field in form if isinstance(field.widget, GovDateInput)
    }
    for error in summary["errorList"]:
        error["href"] = day_inputs.get(error.get("href"), error.get("href"))
    return summary


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def submit(label: str) -> SubmitField:
    return SubmitField(label, widget=GovSubmitInput())


def email_field(label: str = "Email address", required: str = "Enter an email address"):
    """Return an email address field with the GOV.UK messages."""
    from govuk_frontend_wtf.wtforms_widgets import GovTextInput
    from wtforms import StringField
    from wtforms.validators import DataRequired, Email, Length

    return StringField(
        label,
        widget=GovTextInput(),
        validators=[
            DataRequired(required),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email("Enter an email address in the correct format, like name@example.gov.uk"),
        ],
    )


class DateInputField(DateField):
    """A GOV.UK date input that reports a missing, impossible or out-of-range date instead of
    raising. Every date in the product lies between ``EARLIEST`` and ``LATEST``: a year like 1
    or 9999 is a typing slip, and the clocks and time zones cannot compute with it."""

    EARLIEST = date(2000, 1, 1)
    LATEST = date(2100, 12, 31)

    def __init__(self, label, required: str | None = None, **kwargs):
        super().__init__(label, widget=GovDateInput(), format="%d %m %Y", **kwargs)
        self.required_message = required

    def process_formdata(self, valuelist):
        # GovDateInput posts three keys and renders raw_data as day, month, year: a POST
        # without them must neither crash the form nor lose what was typed.
        self.raw_data = (list(valuelist) + ["", "", ""])[:3]
        parts = [str(part).strip() for part in self.raw_data]
        self.data = None
        if not any(parts):
            return
        if not all(parts):
            raise ValueError(f"{self.label.text} must include a day, month and year")
        try:
            day, month, year = (int(part) for part in parts)
        except ValueError as error:
            raise ValueError(f"{self.label.text} must be a real date") from error
        if not self.EARLIEST.year <= year <= self.LATEST.year:
            raise ValueError(
                f"{self.label.text} must be between {_long(self.EARLIEST)} and {_long(self.LATEST)}"
            )
        try:
            self.data = date(year, month, day)
        except ValueError as error:
            raise ValueError(f"{self.label.text} must be a real date") from error

    def pre_validate(self, form):
        if self.data is None and not self.process_errors and self.required_message:
            raise StopValidation(self.required_message)


class WholeNumberField(IntegerField):
    """A whole number, refused in GOV.UK words ("Number of reports must be a whole number,
    like 3") rather than WTForms' "Not a valid integer value."."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        text = str(valuelist[0]).strip().replace(",", "")
        try:
            self.data = int(text)
        except ValueError as error:
            self.data = None
            raise ValueError(f"{self.label.text} must be a whole number, like 3") from error

    def pre_validate(self, form):
        # The GOV.UK message above says it all: no "Enter a number from 1 to 30" as well.
        if self.process_errors:
            raise StopValidation()


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class ConfirmForm(Form):
    """A form with nothing but its CSRF token, for buttons that change state."""

    submit = submit("Confirm")
