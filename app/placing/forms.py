"""The placing authority's forms: acknowledging a host's alert, reviewing its residents."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from app.forms import DateInputField, Form, email_field, submit
from app.placing.alert_history import SHARING_LABELS
from app.placing.reviews import DOLS_STATUS, NEEDS_MET, TOLD


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


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _long_text(label: str, required: str | None = None) -> TextAreaField:
    validators = [DataRequired(required)] if required else [Optional()]
    validators.append(Length(max=5000, message=f"{label.removesuffix(' (optional)')} must be "
                                               "5,000 characters or fewer"))
    return TextAreaField(label, widget=GovTextArea(), validators=validators)


class ReviewForm(Form):
    """A placing authority's review of one of its residents."""

    reviewed_on = DateInputField("Date of the review", required="Enter the date of the review")
    outcome = _long_text("Outcome of the review", "Enter the outcome of the review")
    needs_met = RadioField("Are the person's needs met at this service?", widget=GovRadioInput(),
                           choices=_choices(NEEDS_MET),
                           validators=[DataRequired("Select whether the person's needs are met")])
    mental_capacity = _long_text("Mental capacity assessment (optional)")
    best_interests = _long_text("Best interests decision (optional)")
    dols_status = RadioField("Deprivation of Liberty Safeguards (DoLS)", widget=GovRadioInput(),
                             choices=_choices(DOLS_STATUS),
                             validators=[DataRequired("Select the DoLS status")])
    advocacy = _long_text("Advocacy and support for capacity (optional)")
    person_and_family_told = RadioField(
        "Were the person and their family told about the concern?", widget=GovRadioInput(),
        choices=_choices(TOLD), validators=[DataRequired("Select whether the person and family were told")])
    wishes = _long_text("What the person wants (optional)")
    submit = submit("Save the review")


class AlertForm(Form):
    """The decision to alert the placing authorities, with what to tell them."""

    sharing_level = RadioField(
        "Level of information sharing", widget=GovRadioInput(),
        choices=_choices({level.value: label for level, label in SHARING_LABELS.items()}),
        description="A service-wide concern is shared in full with everyone involved; a concern "
                    "about particular people only with those who need to know. A need-to-know "
                    "alert does not put the concern in the email.",
        validators=[DataRequired("Select the level of information sharing")])
    sharing_reason = _long_text("Why this level", "Enter why you chose this level of information sharing")
    concern = _long_text("What the concern is",
                         "Enter what the concern is, without naming any resident")
    planned = _long_text("What is planned", "Enter what is planned")
    submit = submit("Alert the placing authorities")


class AlertContactForm(Form):
    """An authority's contact for alerts from host authorities."""

    name = StringField(
        "Link person or team", widget=GovTextInput(),
        description="A named link person, or your safeguarding team",
        validators=[DataRequired("Enter the link person or team"),
                    Length(max=200, message="Link person or team must be 200 characters or fewer")])
    email = email_field("Email address or safeguarding inbox", "Enter the email address alerts go to")
    submit = submit("Save the alert contact")


class AskTaskForm(Form):
    """A piece of work asked of the other authority on a shared case."""

    placing_authority_id = SelectField("Placing authority to ask", coerce=int, widget=GovSelect(),
                                       validators=[DataRequired("Select the placing authority to ask")])
    description = _long_text("What you are asking them to do", "Enter what you are asking them to do")
    due_on = DateInputField("Due by", required="Enter the date the task is due")
    submit = submit("Ask for the task")


class TaskOutcomeForm(Form):
    """The outcome of a task, recorded by the authority that does it."""

    status = RadioField("Status", widget=GovRadioInput(),
                        choices=[SelectChoice("open", "Still open"), SelectChoice("done", "Done")],
                        validators=[DataRequired("Select the status of the task")])
    outcome = _long_text("Outcome", "Enter the outcome of the task")
    submit = submit("Save the outcome")

