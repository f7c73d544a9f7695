"""Forms of the stage process for host staff."""

from __future__ import annotations

from datetime import date, datetime

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
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.cases.models import AGGRAVATING_FACTORS, DecisionOutcome, IntelligenceSource, Stage
from app.forms import DateInputField, Form, WholeNumberField, submit
from app.london_time import at_london
from app.meetings.forms import parse_time

LONG_TEXT = 20000


def _long_text(label: str, required: str | None = None, **kwargs) -> TextAreaField:
    validators = [DataRequired(required)] if required else [Optional()]
    validators.append(Length(max=LONG_TEXT, message=f"{label} must be {LONG_TEXT} characters or fewer"))
    return TextAreaField(label, widget=GovTextArea(), validators=validators, **kwargs)


class OpenCaseForm(Form):
    provider_id = SelectField("Provider", coerce=int, widget=GovSelect(),
                              validators=[DataRequired("Select the provider")])
    location_id = SelectField("Location", coerce=int, widget=GovSelect(),
                              description="Choose “All locations” when the concern is about the whole provider.")
    title = StringField("Title", widget=GovTextInput(),
                        description="A short description, for example “Falls and medication errors”.",
                        validators=[DataRequired("Enter a title"), Length(max=200, message="Title must be 200 characters or fewer")])
    summary = _long_text("Summary of the concern (optional)")
    submit = submit("Open case")


class IntelligenceForm(Form):
    source = RadioField("Source", widget=GovRadioInput(),
                        choices=[SelectChoice(s.value, s.label) for s in IntelligenceSource],
                        validators=[DataRequired("Select where the intelligence came from")])
    received_on = DateInputField("Date received", "Enter the date the intelligence was received",
                                   description="For example, 27 11 2026")
    count = WholeNumberField("Number of reports", widget=GovTextInput(), default=1,
                         validators=[InputRequired("Enter the number of reports"),
                                     NumberRange(min=1, max=10000, message="Number of reports must be between 1 and 10000")])
    reference = StringField("Reference (optional)", widget=GovTextInput(),
                            validators=[Optional(), Length(max=100, message="Reference must be 100 characters or fewer")])
    cqc_rating = SelectField("CQC rating (for a CQC report)", widget=GovSelect(), choices=[
        SelectChoice("", "Not a CQC report"), SelectChoice("Outstanding", "Outstanding"),
        SelectChoice("Good", "Good"), SelectChoice("Requires improvement", "Requires improvement"),
        SelectChoice("Inadequate", "Inadequate")], validators=[Optional()])
    summary = _long_text("Summary", "Enter a summary of the intelligence")
    submit = submit("Add intelligence")

    def validate_received_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError("Date received must be today or in the past")


class AssessmentForm(Form):
    threshold_assessment = _long_text(
        "Threshold assessment", "Enter the threshold assessment",
        description="Does the intelligence show a pattern of concern that meets the threshold for the provider concerns process?")
    aggravating_factors = SelectMultipleField(
        "Aggravating factors (optional)", widget=GovCheckboxesInput(), validators=[Optional()],
        description="Select any that apply.",
        choices=[SelectChoice(key, label) for key, label in AGGRAVATING_FACTORS.items()])
    recommendation = _long_text("Recommendation to the DASS", "Enter the recommendation to the DASS")
    submit = submit("Save assessment")


class DecisionForm(Form):
    outcome = RadioField("Decision", widget=GovRadioInput(),
                         choices=[SelectChoice(o.value, o.label) for o in DecisionOutcome],
                         validators=[DataRequired("Select the decision")])
    reason = _long_text("Reason for the decision", "Enter the reason for the decision")
    lead_officer_id = SelectField("Lead Officer", coerce=int, widget=GovSelect(), validators=[Optional()])
    chair_id = SelectField("Chair of meetings", coerce=int, widget=GovSelect(), validators=[Optional()])
    submit = submit("Record decision")

    def validate_lead_officer_id(self, field):
        if self.outcome.data == DecisionOutcome.PROCEED.value and not field.data:
            raise ValidationError("Appoint a Lead Officer to proceed")


class MoveForm(Form):
    target = StringField(validators=[DataRequired()])
    reason = _long_text("Reason", "Enter the reason for the move")
    # Why the overridable guards do not hold the case back (closing with a plan active, say).
    override_reason = _long_text("Reason to close despite what is still open")
    submit = submit("Move case")

    def target_stage(self) -> Stage | None:
        try:
            return Stage(self.target.data)
        except ValueError:
            return None


def _amount(label: str, unit: str, low: int, high: int) -> WholeNumberField:
    """A whole number of ``unit`` from ``low`` to ``high``, with the GOV.UK messages."""
    return WholeNumberField(label, widget=GovTextInput(), validators=[
        InputRequired(f"Enter a number of {unit}"),
        NumberRange(low, high, f"Enter a number from {low} to {high}")])


class ProcedureSettingsForm(Form):
    inform_provider_working_days = _amount(
        "Inform the provider within (working days of the decision)", "working days", 0, 30)
    initial_meeting_working_days = _amount(
        "Initial meeting within (working days of the decision)", "working days", 1, 60)
    findings_meeting_working_days = _amount(
        "Findings meeting within (working days of the initial meeting)", "working days", 1, 120)
    improvement_plan_hours = _amount(
        "Improvement Plan due (hours after the findings meeting)", "hours", 1, 720)
    closure_notice_hours = _amount(
        "Closure notified within (hours of the final meeting)", "hours", 1, 720)
    contract_review_months = _amount(
        "Contract monitoring review within (months of the first plan)", "months", 1, 24)
    project_meeting_cadence_days = _amount(
        "Project management meetings every (days)", "days", 1, 90)
    reminder_working_days_before = _amount(
        "Send reminders (working days before a deadline)", "working days", 0, 20)
    right_of_reply_working_days = _amount(
        "Provider's right of reply on the findings (working days after the findings meeting)",
        "working days", 1, 30)
    placing_chase_working_days = _amount(
        "Chase a placing authority that has not acknowledged an alert after (working days), "
        "then tell the lead officer after as many again", "working days", 1, 20)
    use_update_meetings = BooleanField("Use stage 4 update meetings", widget=GovCheckboxInput())
    submit = submit("Save settings")


class CorrectionForm(Form):
    event_id = SelectField("Entry to correct", coerce=int, widget=GovSelect(),
                           validators=[DataRequired("Select the entry to correct")])
    correction = _long_text("Correction", "Enter the correction")
    reason = _long_text("Reason for the correction", "Enter the reason for the correction")
    submit = submit("Add the correction to the trail")


# How a message reaches the provider, or the Improvement Plan reaches the host.
CHANNELS = ("Telephone", "Email", "Letter", "In person", "At a meeting", "Secure upload")


class _MomentForm(Form):
    """A date and a time of day (London), read together as the moment something happened."""

    def moment(self) -> datetime | None:
        if self.day.data is None or not self.time.data:
            return None
        try:
            return at_london(self.day.data, parse_time(self.time.data))
        except ValueError:
            return None

    def validate_time(self, field):
        try:
            parse_time(field.data or "")
        except ValueError as error:
            raise ValidationError("Enter a real time, like 14:30 or 2:30pm") from error


def _time(label: str, required: str) -> StringField:
    return StringField(label, widget=GovTextInput(), description="For example, 14:30 or 2:30pm",
                       validators=[DataRequired(required)])


def _channel(label: str, required: str) -> RadioField:
    return RadioField(label, widget=GovRadioInput(), choices=[SelectChoice(c, c) for c in CHANNELS],
                      validators=[DataRequired(required)])


class ProviderToldForm(_MomentForm):
    day = DateInputField("Date the provider was told", "Enter the date the provider was told",
                         description="For example, 27 11 2026")
    time = _time("Time", "Enter the time the provider was told")
    how = _channel("How the provider was told", "Select how the provider was told")
    told_by_id = SelectField("Who told the provider", coerce=int, widget=GovSelect(),
                             validators=[DataRequired("Select who told the provider")])
    backdate_reason = _long_text(
        "Reason for recording this later (if not today)",
        description="Needed when the provider was told before today.")
    submit = submit("Record that the provider was told")


class ExclusionForm(Form):
    reason = _long_text("Why the provider must not be told yet",
                        "Enter why the provider must not be told yet")
    advised_by = StringField("Who advised it", widget=GovTextInput(),
                             description="For example, DS Patel, Wexshire Police; or the coroner's office",
                             validators=[DataRequired("Enter who advised it"),
                                         Length(max=200, message="Who advised it must be 200 characters or fewer")])
    agreed_by_id = SelectField("Who agreed it here", coerce=int, widget=GovSelect(),
                               validators=[DataRequired("Select who agreed it")])
    submit = submit("Keep the provider out")


class LiftExclusionForm(Form):
    lift_reason = _long_text("Why the advice is lifted", "Enter why the advice is lifted")
    submit = submit("Lift the advice")


class PlanReceivedForm(_MomentForm):
    day = DateInputField("Date the Improvement Plan was received",
                         "Enter the date the Improvement Plan was received",
                         description="For example, 27 11 2026")
    time = _time("Time", "Enter the time the Improvement Plan was received")
    how = _channel("How it arrived", "Select how the Improvement Plan arrived")
    submit = submit("Record the Improvement Plan as received")


class ThemesForm(Form):
    themes = _long_text("Themes", description="The themes of the concern, for example "
                        "“Medication, staffing, record keeping”. Placing authorities see them.")
    submit = submit("Save themes")
