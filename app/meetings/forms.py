"""Forms for scheduling meetings, inviting people, recording minutes and the meeting held."""

from __future__ import annotations

import re
from datetime import datetime, time

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.db import utcnow
from app.forms import DateInputField, Form, submit
from app.london_time import NoSuchTime, at_london, clock, london_date
from app.meetings.models import PART_LENGTH, FinalDecision, MeetingKind

LONG_TEXT = 20000
AGENDA_TEXT = 5000
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})\s*(am|pm)?$|^(\d{1,2})\s*(am|pm)$", re.IGNORECASE)


def parse_time(text: str) -> time:
    """Read a clock time as people type it: 14:30, 2.30pm, 9am."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError("not a time")
    hour = int(match.group(1) or match.group(4))
    minute = int(match.group(2) or 0)
    suffix = (match.group(3) or match.group(5) or "").lower()
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError("not a time")
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    return time(hour, minute)


def _unix_newlines(value):
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _long_text(label: str, required: str | None = None, limit: int = LONG_TEXT, **kwargs):
    validators = [DataRequired(required)] if required else [Optional()]
    validators.append(Length(max=limit, message=f"{label} must be {limit} characters or fewer"))
    return TextAreaField(label, widget=GovTextArea(), validators=validators,
                         filters=[_unix_newlines], **kwargs)


def _time_field(label: str, required: str):
    return StringField(label, widget=GovTextInput(), description="For example, 14:30 or 2:30pm",
                       validators=[DataRequired(required)])


def _optional_time_field(label: str, description: str):
    return StringField(label, widget=GovTextInput(), description=description,
                       validators=[Optional()])


def _real_time(field) -> None:
    try:
        parse_time(field.data or "")
    except ValueError as error:
        raise ValidationError("Enter a real time, like 14:30 or 2:30pm") from error


def _parts_field():
    return SelectMultipleField(
        "Which parts of the meeting", widget=GovCheckboxesInput(),
        choices=[SelectChoice("one", "Part one (without the provider)"),
                 SelectChoice("two", "Part two (with the provider)")],
        default=["one", "two"],
        validators=[DataRequired("Select which parts of the meeting they attend")],
    )


class _PrefixedForm(Form):
    """A form that shares its page with others: its field ids and names carry a prefix."""

    PREFIX = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.PREFIX)
        super().__init__(*args, **kwargs)


class _WhenForm(Form):
    """A date and clock times, read together as moments in England."""

    @staticmethod
    def _at(day_field, time_field) -> datetime | None:
        if day_field.data is None or not time_field.data:
            return None
        try:
            return at_london(day_field.data, parse_time(time_field.data))
        except ValueError:
            return None

    def _check_exists(self, time_field) -> bool:
        """Refuse a clock time skipped when the clocks go forward (01:30 on the last Sunday
        of March)."""
        if self.day.data is None or not time_field.data or time_field.errors:
            return True
        try:
            at_london(self.day.data, parse_time(time_field.data))
        except NoSuchTime:
            time_field.errors = [*time_field.errors, "That time does not happen on that day: "
                                 "the clocks go forward an hour. Enter a time after 02:00"]
            return False
        except ValueError:
            return True
        return True

    def validate_time(self, field):
        _real_time(field)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return self._check_exists(self.time) and valid


class ScheduleForm(_WhenForm):
    kind = RadioField("Kind of meeting", widget=GovRadioInput(),
                      choices=[SelectChoice(k.value, k.label) for k in MeetingKind],
                      invalid_choice_message="Select the kind of meeting",
                      validators=[DataRequired("Select the kind of meeting")])
    day = DateInputField("Date", "Enter the date of the meeting",
                         description="For example, 27 3 2026")
    time = StringField("Start time", widget=GovTextInput(),
                       description="When part one (without the provider) starts, for example 14:30",
                       validators=[DataRequired("Enter the start time")])
    part_one_end = _optional_time_field(
        "Part one ends", "For example, 15:00. Leave blank for an hour after it starts")
    part_two_start = _optional_time_field(
        "Part two starts (with the provider)", "Leave blank to start when part one ends")
    part_two_end = _optional_time_field(
        "Part two ends", "Leave blank for an hour after it starts")
    venue = StringField("Venue", widget=GovTextInput(),
                        description="An address, a room or “Microsoft Teams”",
                        validators=[DataRequired("Enter the venue"),
                                    Length(max=300, message="Venue must be 300 characters or fewer")])
    submit = submit("Schedule meeting")

    def validate_part_one_end(self, field):
        _real_time(field)

    def validate_part_two_start(self, field):
        _real_time(field)

    def validate_part_two_end(self, field):
        _real_time(field)

    @property
    def scheduled_for(self) -> datetime | None:
        return self._at(self.day, self.time)

    def part_times(self) -> dict[str, datetime] | None:
        """Return each part's start and end; a blank one follows from the time before it."""
        start = self.scheduled_for
        if start is None:
            return None
        one_end = self._at(self.day, self.part_one_end) or start + PART_LENGTH
        two_start = self._at(self.day, self.part_two_start) or one_end
        two_end = self._at(self.day, self.part_two_end) or two_start + PART_LENGTH
        return {"scheduled_for": start, "part_one_ends_at": one_end,
                "part_two_starts_at": two_start, "part_two_ends_at": two_end}

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in (self.part_one_end, self.part_two_start, self.part_two_end):
            valid = self._check_exists(field) and valid
        return valid and self._validate_order()

    def _validate_order(self) -> bool:
        times = self.part_times()
        if times is None:
            return True
        rules = [
            (self.part_one_end, times["part_one_ends_at"] > times["scheduled_for"],
             "Part one must end after it starts"),
            (self.part_two_start, times["part_two_starts_at"] >= times["part_one_ends_at"],
             "Part two must start when part one ends, or later"),
            (self.part_two_end, times["part_two_ends_at"] > times["part_two_starts_at"],
             "Part two must end after it starts"),
        ]
        broken = [(field, message) for field, ok, message in rules if not ok]
        for field, message in broken:
            field.errors = [*field.errors, message]
        return not broken

    def fill_part_times(self, meeting) -> None:
        """Show the meeting's times as London clock times (the edit form's first view)."""
        self.day.data = london_date(meeting.scheduled_for)
        self.time.data = clock(meeting.scheduled_for)
        self.part_one_end.data = clock(meeting.part_one_ends_at)
        self.part_two_start.data = clock(meeting.part_two_starts_at)
        self.part_two_end.data = clock(meeting.part_two_ends_at)


class EditMeetingForm(ScheduleForm):
    kind = None
    agenda_part_one = _long_text("Agenda, part one (without the provider)", limit=AGENDA_TEXT,
                                 description="One item a line.")
    agenda_part_two = _long_text("Agenda, part two (with the provider)", limit=AGENDA_TEXT,
                                 description="One item a line.")
    submit = submit("Save meeting")


class StaffAttendeeForm(_PrefixedForm):
    PREFIX = "staff"
    person = SelectField("Person", widget=GovSelect(),
                         validators=[DataRequired("Select the person to invite")])
    parts = _parts_field()
    submit = submit("Add person")

    def set_people(self, options) -> None:
        self.person.choices = [SelectChoice("", "Choose a person")] + [
            SelectChoice(o.value, o.label) for o in options
        ]


class ExternalAttendeeForm(_PrefixedForm):
    PREFIX = "external"
    name = StringField("Full name", widget=GovTextInput(),
                       validators=[DataRequired("Enter their full name"),
                                   Length(max=200, message="Full name must be 200 characters or fewer")])
    organisation = StringField(
        "Organisation", widget=GovTextInput(),
        description="For example, Sussex Police, CQC, Healthwatch or the ICB",
        validators=[DataRequired("Enter their organisation"),
                    Length(max=200, message="Organisation must be 200 characters or fewer")])
    email = StringField(
        "Email address (optional)", widget=GovTextInput(),
        description="Needed to send them the invitation",
        validators=[Optional(), Length(max=254, message="Email address must be 254 characters or fewer"),
                    Email("Enter an email address in the correct format, like name@example.gov.uk")])
    parts = _parts_field()
    submit = submit("Add person")


class AttendanceForm(_PrefixedForm):
    PREFIX = "attendance"
    attended = SelectMultipleField("Who attended", widget=GovCheckboxesInput(),
                                   coerce=int, validators=[Optional()])
    apologies = SelectMultipleField("Who sent apologies", widget=GovCheckboxesInput(),
                                    coerce=int, validators=[Optional()])
    submit = submit("Save attendance")

    def set_attendees(self, attendees) -> None:
        self._names = {a.id: a.name for a in attendees}
        self.attended.choices = [SelectChoice(a.id, a.name) for a in attendees]
        self.apologies.choices = [SelectChoice(a.id, a.name) for a in attendees]
        if not self.is_submitted():
            self.attended.data = [a.id for a in attendees if a.attended]
            self.apologies.data = [a.id for a in attendees if a.apologies]

    def validate_apologies(self, field):
        both = sorted(self._names[i] for i in set(field.data or []) & set(self.attended.data or []))
        if both:
            raise ValidationError(
                f"{', '.join(both)} cannot both attend and send apologies: untick one of them")


class MinutesForm(Form):
    minutes_part_one = _long_text("Minutes, part one (without the provider)")
    part_one_shared_with_placing = BooleanField(
        "Part one may be shared with placing authorities", widget=GovCheckboxInput())
    minutes_part_two = _long_text("Minutes, part two (with the provider)")
    part_two_shared_with_placing = BooleanField(
        "Part two may be shared with placing authorities", widget=GovCheckboxInput())
    part_two_shared_with_provider = BooleanField(
        "Part two may be shared with the provider", widget=GovCheckboxInput())
    decisions = _long_text(
        "Decisions",
        description="One decision a line. Placing authorities see the decisions only when both "
                    "parts are shared with them.")
    minutes_final = BooleanField("The chair has agreed these minutes as final",
                                 widget=GovCheckboxInput())
    submit = submit("Save minutes")


class HeldForm(_WhenForm):
    day = DateInputField("Date held", "Enter the date the meeting was held",
                         description="For example, 27 3 2026")
    time = _time_field("Time it started", "Enter the time the meeting started")
    final_decision = RadioField(
        "Decision of the final meeting", widget=GovRadioInput(),
        choices=[SelectChoice(FinalDecision.CLOSE.value,
                              "Close: satisfactory improvements have been made and will last"),
                 SelectChoice(FinalDecision.CONTINUE.value,
                              "Continue: return to quality assurance")],
        invalid_choice_message="Select the decision of the final meeting",
        validators=[DataRequired("Select the decision of the final meeting")])
    sustainability_rationale = _long_text(
        "Why the improvements are sustainable",
        description="The current level of risk, the quality assurance evidence and the feedback "
                    "from people who use the service and their families.")
    submit = submit("Record meeting as held")

    def __init__(self, *args, final: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.final = final
        if not final:
            # Only a final meeting decides whether to close; other kinds have no such fields.
            del self.final_decision
            del self.sustainability_rationale

    @property
    def held_at(self) -> datetime | None:
        return self._at(self.day, self.time)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        held_at = self.held_at
        if held_at is not None and held_at > utcnow():
            self.day.errors = [*self.day.errors, "Date held must be today or in the past"]
            valid = False
        return self._validate_rationale() and valid

    def _validate_rationale(self) -> bool:
        if not self.final or self.final_decision.data != FinalDecision.CLOSE.value:
            return True
        rationale = self.sustainability_rationale
        if not rationale.data:
            rationale.errors = [*rationale.errors, "Enter why the improvements are sustainable"]
            return False
        return True
