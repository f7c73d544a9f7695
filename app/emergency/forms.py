"""Forms for placement restrictions, emergency plans and residents' moves."""

from __future__ import annotations

from datetime import datetime, time

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.emergency.models import MoveStatus, PlanKind, RestrictionKind
from app.forms import DateInputField, Form, submit
from app.london_time import NoSuchTime, at_london


def _reason(label: str, required: str) -> TextAreaField:
    return TextAreaField(label, widget=GovTextArea(), validators=[
        DataRequired(required), Length(max=5000, message=f"{label} must be 5000 characters or fewer")])


class RestrictionForm(Form):
    kind = RadioField("Restriction", widget=GovRadioInput(),
                      choices=[SelectChoice(k.value, k.label) for k in RestrictionKind],
                      validators=[DataRequired("Select the kind of restriction")])
    started_on = DateInputField("Start date", "Enter the start date")
    reason = _reason("Reason", "Enter the reason for the restriction")
    submit = submit("Record restriction")


class PlanForm(Form):
    kind = RadioField("Type of plan", widget=GovRadioInput(),
                      choices=[SelectChoice(k.value, k.label) for k in PlanKind],
                      validators=[DataRequired("Select the type of plan")])
    reason = _reason("Why the plan is invoked", "Enter why the emergency plan is invoked")
    meeting_on = DateInputField("Date of the urgent meeting", "Enter the date of the urgent meeting")
    meeting_time = StringField("Time of the urgent meeting", widget=GovTextInput(),
                               description="24-hour clock, for example 14:30",
                               validators=[DataRequired("Enter the time of the urgent meeting"),
                                           Regexp(r"^([01]?\d|2[0-3]):[0-5]\d$",
                                                  message="Enter the time like 14:30")])
    venue = StringField("Where", widget=GovTextInput(),
                        validators=[DataRequired("Enter where the urgent meeting is held"),
                                    Length(max=300, message="Where must be 300 characters or fewer")])
    submit = submit("Invoke the emergency plan")

    @property
    def meeting_at(self) -> datetime | None:
        """The urgent meeting's moment, read as London clock time."""
        if self.meeting_on.data is None or not self.meeting_time.data:
            return None
        hour, minute = (int(part) for part in self.meeting_time.data.split(":"))
        return at_london(self.meeting_on.data, time(hour, minute))

    def validate_meeting_time(self, field):
        try:
            _ = self.meeting_at
        except NoSuchTime as error:
            raise ValidationError("That time does not happen on that day: the clocks go forward "
                                  "an hour. Enter a time after 02:00") from error
        except ValueError:
            return  # the format's own message says what is wrong


class MoveForm(Form):
    status = SelectField("Status", widget=GovSelect(),
                         choices=[SelectChoice(s.value, s.label) for s in MoveStatus])
    # No Optional(): it would stop the chain before validate_destination runs.
    destination = StringField("Moving to", widget=GovTextInput(), validators=[
        Length(max=300, message="Moving to must be 300 characters or fewer")])
    moved_on = DateInputField("Date moved")
    notes = TextAreaField("Notes", widget=GovTextArea(), validators=[
        Optional(), Length(max=5000, message="Notes must be 5000 characters or fewer")])
    submit = submit("Save move")

    def validate_moved_on(self, field):
        if self.status.data == MoveStatus.MOVED.value and field.data is None:
            raise ValidationError("Enter the date the resident moved")

    def validate_destination(self, field):
        moving = (MoveStatus.MOVED.value, MoveStatus.MOVE_ARRANGED.value)
        if self.status.data in moving and not field.data:
            raise ValidationError("Enter where the resident is moving to")
