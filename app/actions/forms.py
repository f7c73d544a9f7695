"""Forms of a case's actions: add or edit one, and change its status."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from app.actions.models import ActionStatus, OwnerKind
from app.actions.operations import ActionDetails
from app.actions.services import Owner
from app.forms import DateInputField, Form, submit


class ActionForm(Form):
    description = TextAreaField("Action", widget=GovTextArea(), validators=[
        DataRequired("Enter what needs to be done"),
        Length(max=2000, message="Action must be 2000 characters or fewer")])
    owner = SelectField("Owner", widget=GovSelect(), choices=[],
                        invalid_choice_message="Select who owns the action",
                        validators=[DataRequired("Select who owns the action")])
    # No Optional(): it would stop the chain before validate_owner_agency runs.
    owner_agency = StringField("Name of the agency", widget=GovTextInput(),
                               description="Only if the owner is another agency, for example "
                                           "Sussex Police or Healthwatch",
                               validators=[Length(max=200, message="Name of the agency must be "
                                                                   "200 characters or fewer")])
    due_on = DateInputField("Due date", "Enter the due date", description="For example, 27 3 2027")
    meeting = SelectField("Agreed at (optional)", widget=GovSelect(), choices=[], default="",
                          invalid_choice_message="Select a meeting of this case")
    submit = submit("Add action")

    def set_owners(self, owners: list[Owner]) -> None:
        self._owners = {owner.value: owner for owner in owners}
        self.owner.choices = [SelectChoice("", "Select an owner")] + [
            SelectChoice(owner.value, owner.label) for owner in owners]

    def set_meetings(self, meetings, label) -> None:
        self.meeting.choices = [SelectChoice("", "Not agreed at a meeting")] + [
            SelectChoice(str(meeting.id), label(meeting)) for meeting in meetings]

    def validate_owner_agency(self, field):
        if self.owner.data == OwnerKind.AGENCY.value and not field.data:
            raise ValidationError("Enter the name of the agency that owns the action")

    def details(self) -> ActionDetails:
        return ActionDetails(
            description=self.description.data, owner=self._owners[self.owner.data],
            owner_agency=self.owner_agency.data or "", due_on=self.due_on.data,
            meeting_id=int(self.meeting.data) if self.meeting.data else None)


class EditActionForm(ActionForm):
    submit = submit("Save changes")


class StatusForm(Form):
    status = RadioField("Status", widget=GovRadioInput(),
                        description="An action that is done needs a completion note",
                        invalid_choice_message="Select the status of the action",
                        choices=[SelectChoice(s.value, s.label) for s in ActionStatus])
    # No Optional(): it would stop the chain before validate_completion_note runs.
    completion_note = TextAreaField(
        "Completion note", widget=GovTextArea(),
        description="Needed when the action is done: what was done, and what shows it",
        validators=[Length(max=2000, message="Completion note must be 2000 characters or fewer")])
    submit = submit("Save status")

    def validate_completion_note(self, field):
        if self.status.data == ActionStatus.DONE.value and not field.data:
            raise ValidationError("Enter a completion note to say what was done")
