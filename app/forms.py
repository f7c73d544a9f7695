"""Form base and fields shared across areas."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField


class Form(FlaskForm):
    """All forms: CSRF on, and trimmed text so that a field of spaces counts as empty."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if unbound_field.field_class.__name__ in {"StringField", "TextAreaField", "EmailField"}:
                filters = [_strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)


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
