"""Forms of the Improvement Plan."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from app.forms import DateInputField, Form, submit
from app.plans.models import PlanArea, PlanStatus, Rag


class PlanItemForm(Form):
    area = SelectField("Area (CQC key question)", widget=GovSelect(),
                       choices=[SelectChoice(a.value, a.label) for a in PlanArea],
                       validators=[DataRequired("Select the area")])
    action = TextAreaField("Action", widget=GovTextArea(), validators=[
        DataRequired("Enter the action"),
        Length(max=4000, message="Action must be 4000 characters or fewer")])
    lead = StringField("Lead", widget=GovTextInput(), description="The person who leads it",
                       validators=[DataRequired("Enter the lead"),
                                   Length(max=200, message="Lead must be 200 characters or fewer")])
    target_on = DateInputField("Target date", required="Enter the target date",
                               description="For example, 27 3 2027")
    evidence_required = TextAreaField("Evidence that will prove it", widget=GovTextArea(),
                                      validators=[
        DataRequired("Enter the evidence that will prove it"),
        Length(max=4000, message="Evidence must be 4000 characters or fewer")])
    rag = RadioField("RAG status", widget=GovRadioInput(),
                     choices=[SelectChoice(r.value, r.label) for r in Rag],
                     validators=[DataRequired("Select the RAG status")],
                     invalid_choice_message="Select the RAG status")
    submit = submit("Save item")

    def values(self) -> dict:
        return {"area": PlanArea(self.area.data), "action": self.action.data,
                "lead": self.lead.data, "target_on": self.target_on.data,
                "evidence_required": self.evidence_required.data, "rag": Rag(self.rag.data)}


class ReviewForm(Form):
    outcome = RadioField("Your review", widget=GovRadioInput(),
                         choices=[SelectChoice(PlanStatus.ACCEPTED.value, "Accept the plan"),
                                  SelectChoice(PlanStatus.RETURNED.value,
                                               "Return it to the provider")],
                         validators=[DataRequired("Select accept or return")],
                         invalid_choice_message="Select accept or return")
    # No Optional(): it would stop the chain before validate_comment runs.
    comment = TextAreaField("Comments", widget=GovTextArea(),
                            description="Needed when you return the plan: what must change",
                            validators=[Length(max=4000,
                                               message="Comments must be 4000 characters or fewer")])
    submit = submit("Save review")

    def validate_comment(self, field):
        if (self.outcome.data == PlanStatus.RETURNED.value and not field.data
                and not any(self.item_comments().values())):
            raise ValidationError("Enter comments to say what must change")

    def item_comments(self) -> dict[int, str]:
        """The comment typed against each item, by item id."""
        return {int(field.name.split("_")[1]): field.data or "" for field in self
                if field.name.startswith("item_") and field.name.endswith("_comment")}


def review_form_for(items) -> type[ReviewForm]:
    """The review form with a comment field for each item of the version under review."""

    class ItemReviewForm(ReviewForm):
        pass

    for item in items:
        setattr(ItemReviewForm, f"item_{item.id}_comment", TextAreaField(
            f"Comment on: {item.action[:100]}", widget=GovTextArea(),
            validators=[Length(max=4000, message="Comments must be 4000 characters or fewer")]))
    return ItemReviewForm
