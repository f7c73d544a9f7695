"""Forms of quality assurance: the public feedback form, the same questions by telephone, and
the staff records (invitations, scrutiny, strategies, escalations, "you said, we did")."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.forms import DateInputField, Form, submit
from app.quality.models import ActivityKind, CommunicationScope, Delivery, Phase, RespondentKind
from app.quality.questions import QUESTIONS, Helper, Rating

YES_NO = [("yes", "Yes"), ("no", "No")]


def _text(label: str, required: str | None = None, limit: int = 5000, **kwargs) -> TextAreaField:
    validators = [DataRequired(required)] if required else [Optional()]
    validators.append(Length(max=limit, message=f"{label} must be {limit} characters or fewer"))
    return TextAreaField(label, widget=GovTextArea(), validators=validators, **kwargs)


def _line(label: str, required: str | None = None, limit: int = 300, **kwargs) -> StringField:
    validators = [DataRequired(required)] if required else [Optional()]
    validators.append(Length(max=limit, message=f"{label} must be {limit} characters or fewer"))
    return StringField(label, widget=GovTextInput(), validators=validators, **kwargs)


def _radios(label: str, choices, required: str, **kwargs) -> RadioField:
    return RadioField(label, widget=GovRadioInput(), validators=[DataRequired(required)],
                      choices=[SelectChoice(value, text) for value, text in choices], **kwargs)


def _enum_radios(label: str, enum, required: str) -> RadioField:
    return _radios(label, [(member.value, member.label) for member in enum], required)


def _email(label: str, **kwargs) -> StringField:
    return StringField(label, widget=GovTextInput(), validators=[
        Optional(), Length(max=254, message=f"{label} must be 254 characters or fewer"),
        Email("Enter an email address in the correct format, like name@example.com")], **kwargs)


def question_fields() -> dict:
    """One rating and one free-text field per question, named ``<key>_rating``/``<key>_comment``."""
    fields = {}
    for question in QUESTIONS:
        fields[f"{question.key}_rating"] = _radios(
            question.text, [(rating.value, rating.label) for rating in Rating],
            f"Select an answer to: {question.text}", description=question.hint)
        fields[f"{question.key}_comment"] = _text("Tell us more (optional)", limit=3000)
    return fields


class _Answers(Form):
    """What every way of answering shares: the questions, a possible disclosure, any helper."""

    something_happened = _radios(
        "Has something happened to you or someone else at the home that worries you?", YES_NO,
        "Select yes if something has happened to you or someone else that worries you")
    # No Optional(): it would stop the chain before validate_something_happened_detail.
    something_happened_detail = TextAreaField("What happened?", widget=GovTextArea(), validators=[
        Length(max=5000, message="What happened must be 5000 characters or fewer")])
    helped_by = SelectMultipleField(
        "Did someone help you answer?", widget=GovCheckboxesInput(),
        choices=[SelectChoice(helper.value, helper.label) for helper in Helper],
        description="Select all that apply. Leave blank if nobody helped.", validators=[Optional()])

    def validate_something_happened_detail(self, field):
        if self.something_happened.data == "yes" and not field.data:
            raise ValidationError("Tell us what happened")

    def answers(self) -> dict:
        return {question.key: {"rating": self[f"{question.key}_rating"].data,
                               "comment": self[f"{question.key}_comment"].data or ""}
                for question in QUESTIONS}


class _PublicFeedbackForm(_Answers):
    consent = BooleanField(
        "I agree that the council may use my answers to check whether care at the home has "
        "improved", widget=GovCheckboxInput(),
        validators=[DataRequired("Tick the box to agree that the council may use your answers")])
    anonymous = _radios("Do you want to stay anonymous?", [
        ("yes", "Yes, do not record my name"),
        ("no", "No, you can record my name and contact me")],
        "Select yes if you want to stay anonymous")
    name = _line("Your name (optional)", limit=200)
    email = _email("Email address (optional)",
                   description="We will send you a short summary of what changed because of "
                               "what people told us. We will not share your address.")
    submit = submit("Send my answers")


PublicFeedbackForm = type("PublicFeedbackForm", (_PublicFeedbackForm,), question_fields())


class _TelephoneForm(_Answers):
    respondent_kind = _enum_radios("Who answered", RespondentKind, "Select who answered")
    phase = _enum_radios("Phase", Phase, "Select the phase")
    caller_role = _line("Who made the call", "Enter who made the call", 200,
                        description="Your role, for example social worker or QA officer")
    consent = BooleanField("The person agreed that we may use their answers",
                           widget=GovCheckboxInput(),
                           validators=[DataRequired("Record that the person agreed to the use of their answers")])
    earlier_response_id = HiddenField()
    submit = submit("Record the call")


TelephoneForm = type("TelephoneForm", (_TelephoneForm,), question_fields())


class InvitationForm(Form):
    respondent_kind = _enum_radios("Who is it for", RespondentKind, "Select who the invitation is for")
    phase = _enum_radios("Phase", Phase, "Select the phase")
    delivery = _enum_radios("How to send it", Delivery, "Select how to send the invitation")
    email = _email("Email address", description="Only for an invitation sent by email. It is "
                                                 "not kept once the email is sent.")
    submit = submit("Create the invitation")

    def validate_email(self, field):
        if self.delivery.data == Delivery.EMAIL.value and not field.data:
            raise ValidationError("Enter the email address to send the invitation to")


class ActivityForm(Form):
    kind = _enum_radios("Activity", ActivityKind, "Select the kind of activity")
    held_on = DateInputField("Date", "Enter the date of the activity")
    carried_out_by = _line("Carried out by", "Enter who carried it out")
    findings = _text("Findings", "Enter the findings")
    before_and_after = _text("Before and after (staff QA visit)", description=(
        "The account of the people who did the fact-finding: what they found then and now"))
    submit = submit("Record the activity")


class StrategyForm(Form):
    outcomes_wanted = _text("Outcomes people and families want")
    measures = _text("What will be measured, by whom and how")
    baseline = _text("Baseline")
    agreed_on = DateInputField("Date agreed")
    communication_scope = _enum_radios("Who is told", CommunicationScope,
                                       "Select whether the concern is service-wide or need to know")
    communication_reason = _text("Why", "Enter why the concern is service-wide or need to know")
    who_tells_whom = _text("Who tells residents and families what, when and how")
    submit = submit("Save the strategies")


class CommunicationUpdateForm(Form):
    sent_on = DateInputField("Date sent", "Enter the date the update was sent")
    audience = _line("Sent to", "Enter who the update was sent to")
    how = _line("How", "Enter how the update was sent")
    summary = _text("What it said", "Enter what the update said")
    before_emergency_decision = BooleanField("Sent before an emergency decision",
                                             widget=GovCheckboxInput())
    submit = submit("Record the update")


class EscalationForm(Form):
    escalated_on = DateInputField("Date escalated", "Enter the date of the escalation")
    group_name = _line("Escalated to", "Enter the group the risk was escalated to",
                       description="For example, the quality assurance group or strategic group")
    reason = _text("Why (the persistent high risk)", "Enter why the risk was escalated")
    decision = _text("Decision of the group")
    submit = submit("Record the escalation")


class SummaryForm(Form):
    summary = _text("You said, we did", "Enter the summary", 3000, description=(
        "Plain English, no names or personal details: what people told us and what changed"))
    submit = submit("Publish the summary")


class TriageForm(Form):
    note = _text("Triage outcome", "Enter the outcome of the triage", description=(
        "For example, raised as an individual safeguarding concern, with its reference"))
    submit = submit("Record the triage")


class CodeForm(Form):
    code = _line("Your code", "Enter the code from your letter", 40,
                 description="It is printed on your letter, for example 12-ABCD-EFGH")
    submit = submit("Continue")
