"""The host's register of people using the service: add, correct, mark moved out."""

from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSelect, GovTextInput
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.forms import DateInputField, Form, submit
from app.residents.models import FUNDING_LABELS, Funding

NO_AUTHORITY = 0


class BirthDateField(DateInputField):
    """A date of birth: the product's date range starts in 2000, a person's does not."""

    EARLIEST = date(1900, 1, 1)


def _text(label: str, length: int, required: str | None = None) -> StringField:
    validators = [DataRequired(required)] if required else [Optional()]
    validators.append(Length(max=length, message=f"{label.removesuffix(' (optional)')} must be "
                                                 f"{length} characters or fewer"))
    return StringField(label, widget=GovTextInput(), validators=validators)


class ResidentForm(Form):
    given_name = _text("First name", 100, "Enter the person's first name")
    family_name = _text("Last name", 100, "Enter the person's last name")
    date_of_birth = BirthDateField("Date of birth (optional)")
    location_id = SelectField("Where they live or use the service", coerce=int, widget=GovSelect(),
                              validators=[DataRequired("Select where the person lives")])
    room = _text("Room or address (optional)", 200)
    funding = RadioField(
        "Funding", widget=GovRadioInput(),
        choices=[SelectChoice(funding.value, FUNDING_LABELS[funding]) for funding in Funding],
        validators=[DataRequired("Select how the person's care is funded")])
    placing_authority_id = SelectField(
        "Placing authority", coerce=int, widget=GovSelect(),
        description="The council or ICB that placed the person and keeps its duty of care")
    joint_funder_id = SelectField(
        "Second funder (joint funding only)", coerce=int, widget=GovSelect(),
        description="For joint council and ICB funding: the other funding authority")
    placing_reference = _text("Placing authority's reference (optional)", 50)
    moved_in_on = DateInputField("Date they started living here or using the service (optional)")
    submit = submit("Save")

    def set_choices(self, locations, authorities) -> None:
        self.location_id.choices = [SelectChoice(0, "Select a location")] + [
            SelectChoice(location.id, f"{location.name}, {location.address}") for location in locations]
        others = [SelectChoice(authority.id, authority.name) for authority in authorities]
        self.placing_authority_id.choices = [SelectChoice(NO_AUTHORITY, "None (self-funder)"), *others]
        self.joint_funder_id.choices = [SelectChoice(NO_AUTHORITY, "None"), *others]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._check_funders() and valid

    def _check_funders(self) -> bool:
        """A self-funder has no placing authority; anyone else has one; joint funding names
        a second, different funder, and only joint funding does."""
        funding, placing, joint = self.funding.data, self.placing_authority_id.data, self.joint_funder_id.data
        problems = []
        if funding == Funding.SELF_FUNDED and placing:
            problems.append((self.placing_authority_id, "A self-funder has no placing authority: select None"))
        if funding and funding != Funding.SELF_FUNDED and not placing:
            problems.append((self.placing_authority_id, "Select the placing authority"))
        if funding == Funding.JOINT and not joint:
            problems.append((self.joint_funder_id, "Select the second funder of a jointly funded person"))
        if funding == Funding.JOINT and joint and joint == placing:
            problems.append((self.joint_funder_id, "The second funder must differ from the placing authority"))
        if funding != Funding.JOINT and joint:
            problems.append((self.joint_funder_id, "Only a jointly funded person has a second funder: select None"))
        for field, message in problems:
            field.errors = [*field.errors, message]
        return not problems


class MoveOutForm(Form):
    moved_out_on = DateInputField("Date they moved out or stopped using the service",
                                  required="Enter the date they moved out")
    submit = submit("Mark as moved out")


class ImportForm(Form):
    """The provider's list of people at one location, as CSV or Excel."""

    location_id = SelectField("Where these people live or use the service", coerce=int,
                              widget=GovSelect(),
                              validators=[DataRequired("Select where these people live")])
    upload = FileField(
        "Upload the list", widget=GovFileInput(),
        description="A CSV (UTF-8) or Excel (.xlsx) file, smaller than 5MB, with a header row.",
        validators=[FileRequired("Select a CSV or Excel file")])
    submit = submit("Check the file")

    def set_choices(self, locations) -> None:
        self.location_id.choices = [SelectChoice(0, "Select a location")] + [
            SelectChoice(location.id, f"{location.name}, {location.address}") for location in locations]


class ConfirmImportForm(Form):
    submit = submit("Import these people")
