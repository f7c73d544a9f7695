"""Forms of the procedure settings page: the preset, each clock's mode, words and deciders."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.cases.clocks import RULES
from app.cases.forms import ProcedureSettingsForm
from app.cases.notifications import NOTIFICATIONS
from app.cases.presets import PRESETS
from app.cases.procedure_settings import ClockMode, Decider
from app.cases.terms import TERMS
from app.forms import DateInputField, Form, submit

MODE_CHOICES = [SelectChoice(mode.value, mode.label) for mode in ClockMode]


def mode_field(key: str) -> str:
    return f"{key}_mode"


def term_field(key: str) -> str:
    return f"term_{key}"


def notify_field(key: str) -> str:
    return f"notify_{key}"


class PresetForm(Form):
    preset = RadioField("Start from", widget=GovRadioInput(),
                        choices=[SelectChoice(p.key, p.name) for p in PRESETS.values()],
                        validators=[DataRequired("Select the procedure to start from")])
    submit = submit("Use this procedure")


class ProcedureForm(ProcedureSettingsForm):
    """The timescales of ``ProcedureSettingsForm`` with each clock's mode, the host's words,
    who makes the stage 1 decision and the initial meeting's parts."""

    stage_one_decider = RadioField(
        "Who makes the stage 1 decision", widget=GovRadioInput(), validators=[Optional()],
        choices=[SelectChoice(Decider.DASS.value, "The DASS or their deputy"),
                 SelectChoice(Decider.NAMED_MANAGER.value, "The lead agency's named manager")])
    named_decider_id = SelectField("Named manager", coerce=int, widget=GovSelect(),
                                   validators=[Optional()])
    initial_meeting_private_part = BooleanField(
        "The initial meeting has a first part without the provider", widget=GovCheckboxInput())

    def validate_named_decider_id(self, field):
        if self.stage_one_decider.data == Decider.NAMED_MANAGER.value and not field.data:
            raise ValidationError("Select the named manager who makes the stage 1 decision")

    def procedure_values(self, current) -> dict:
        """Return the settings as saved: a mode or word not sent keeps the current one."""
        values = {name: field.data for name, field in self._fields.items()
                  if name not in ("csrf_token", "submit") and not name.endswith("_mode")
                  and not name.startswith(("term_", "notify_"))}
        modes = dict(current.clock_modes or {})
        for rule in RULES:
            field = self[mode_field(rule.key)]
            if field.raw_data:
                modes[rule.key] = field.data
        terms = dict(current.terms or {})
        for key in TERMS:
            field = self[term_field(key)]
            if field.raw_data:
                terms[key] = (field.data or "").strip()
        sends = dict(current.notifications or {})
        for key in NOTIFICATIONS:
            field = self[notify_field(key)]
            if field.raw_data:
                sends[key] = field.data == "on"
        values.update(clock_modes=modes, terms=terms, notifications=sends)
        if not self.stage_one_decider.raw_data:
            values["stage_one_decider"] = current.stage_one_decider
            values["named_decider_id"] = current.named_decider_id
        elif values["stage_one_decider"] == Decider.DASS.value:
            values["named_decider_id"] = None
        values["named_decider_id"] = values.get("named_decider_id") or None
        return values


for _rule in RULES:
    setattr(ProcedureForm, mode_field(_rule.key), RadioField(
        _rule.worded(), widget=GovRadioInput(), choices=MODE_CHOICES, validators=[Optional()]))
for _key, _label in NOTIFICATIONS.items():
    setattr(ProcedureForm, notify_field(_key), RadioField(
        _label, widget=GovRadioInput(), validators=[Optional()],
        choices=[SelectChoice("on", "On"), SelectChoice("off", "Off")]))
for _key, _label in TERMS.items():
    setattr(ProcedureForm, term_field(_key), StringField(
        _label, widget=GovTextInput(), validators=[
            Optional(), Length(max=100, message=f"{_label} must be 100 characters or fewer")]))


class AgreedDateForm(Form):
    day = DateInputField("Date agreed at the meeting", "Enter the date agreed at the meeting",
                         description="For example, 27 11 2026")
    submit = submit("Save the agreed date")


class AdoptProcedureForm(Form):
    reason = StringField("Why this case moves to the current procedure", widget=GovTextInput(),
                         validators=[DataRequired("Enter why this case moves to the current procedure"),
                                     Length(max=500, message="The reason must be 500 characters or fewer")])
    submit = submit("Move to the current procedure")
