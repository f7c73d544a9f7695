"""Forms of the risk register: add, edit the words, rescore, close."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea, GovTextInput
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.forms import DateInputField, Form, submit
from app.risks.models import KeyQuestion
from app.risks.operations import RiskDetails

# The 5 x 5 matrix the procedure's update meetings use: risk = likelihood x impact.
LIKELIHOOD = ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]
IMPACT = ["Negligible", "Minor", "Moderate", "Major", "Catastrophic"]
LIKELY = "How likely it is to happen"
SERIOUS = "How serious the harm to residents would be if it happened"


def _scale(label: str, hint: str, words: list[str], message: str) -> RadioField:
    # String values: a missing or forged choice gets the message, not "could not coerce".
    return RadioField(label, widget=GovRadioInput(), invalid_choice_message=message, description=hint,
                      choices=[SelectChoice(str(n), f"{n} {word}") for n, word in enumerate(words, 1)])


def _text(label: str, max_length: int, required: str | None = None, area: bool = False, **kwargs):
    validators = [DataRequired(required)] if required else [Optional()]
    name = label.removesuffix(" (optional)")
    validators.append(Length(max=max_length, message=f"{name} must be {max_length} characters or fewer"))
    field, widget = (TextAreaField, GovTextArea()) if area else (StringField, GovTextInput())
    return field(label, widget=widget, validators=validators, **kwargs)


class RiskForm(Form):
    title = _text("Risk", 200, "Enter the risk", description="A short name, for example "
                  "\u201cResidents at risk of falls at night\u201d")
    description = _text("Description (optional)", 5000, area=True)
    key_question = RadioField(
        "CQC key question", widget=GovRadioInput(),
        description="The question of the CQC's assessment the risk most affects",
        invalid_choice_message="Select the CQC key question the risk falls under",
        choices=[SelectChoice(q.value, q.label) for q in KeyQuestion])
    likelihood = _scale("Likelihood", LIKELY, LIKELIHOOD, "Select how likely the risk is")
    impact = _scale("Impact", SERIOUS, IMPACT, "Select how great the impact would be")
    mitigation = _text("Mitigation (optional)", 5000, area=True,
                       description="What is being done to reduce the risk, and by whom")
    owner_name = _text("Owner (optional)", 200, description="The person or agency managing the risk")
    review_on = DateInputField("Review date", description="Optional. When the risk is next "
                               "reviewed, for example 27 3 2027")
    submit = submit("Add risk")

    def details(self) -> RiskDetails:
        return RiskDetails(
            title=self.title.data, description=self.description.data or "",
            key_question=KeyQuestion(self.key_question.data),
            mitigation=self.mitigation.data or "", owner_name=self.owner_name.data or "",
            review_on=self.review_on.data)


class EditRiskForm(RiskForm):
    """The words of a risk; its score changes only through a rescore, which keeps history."""

    likelihood = None
    impact = None
    submit = submit("Save changes")


class RescoreForm(Form):
    likelihood = _scale("Likelihood", LIKELY, LIKELIHOOD, "Select how likely the risk is now")
    impact = _scale("Impact", SERIOUS, IMPACT, "Select how great the impact would be now")
    note = _text("Why the score has changed", 2000, "Enter why the score has changed", area=True)
    submit = submit("Save new score")


class CloseRiskForm(Form):
    reason = _text("Why the risk is closed", 2000, "Enter why the risk is closed", area=True,
                   description="For example, what now shows the risk is managed")
    submit = submit("Close risk")
