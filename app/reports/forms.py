"""The period a board report covers (read from the address, so a report can be bookmarked)."""

from __future__ import annotations

from wtforms.validators import ValidationError

from app.forms import DateInputField, Form, submit


class PeriodForm(Form):
    class Meta:
        csrf = False  # a GET that changes nothing

    start = DateInputField("From", "Enter the first day of the period",
                           description="For example, 1 4 2026")
    end = DateInputField("To", "Enter the last day of the period",
                         description="For example, 31 3 2027")
    submit = submit("Show the report")

    def validate_end(self, field):
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError("The last day must be on or after the first day")
