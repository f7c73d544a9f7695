"""Recording intelligence about a provider in the host's area before any case exists."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from app.cases.forms import IntelligenceForm


class NewIntelligenceForm(IntelligenceForm):
    provider_id = SelectField("Provider", coerce=int, widget=GovSelect(),
                              validators=[DataRequired("Select the provider")])
    location_id = SelectField("Location", coerce=int, widget=GovSelect(),
                              description="Choose “All locations” when the intelligence is about the whole provider.")
    # WTForms orders fields by creation; these come first on the page, so they must come
    # first in the error summary too.
    provider_id.creation_counter = -2
    location_id.creation_counter = -1

    def set_places(self, providers, locations) -> None:
        """Offer only the providers and locations in the host's area."""
        self.provider_id.choices = [SelectChoice(0, "Select a provider")] + [
            SelectChoice(p.id, p.name) for p in providers
        ]
        self.location_id.choices = [SelectChoice(0, "All locations")] + [
            SelectChoice(loc.id, f"{loc.name} ({loc.provider.name})") for loc in locations
        ]
        self._provider_of = {loc.id: loc.provider_id for loc in locations}
        self._provider_names = {p.id: p.name for p in providers}

    def provider_name(self) -> str:
        return self._provider_names.get(self.provider_id.data, "")

    def validate_location_id(self, field):
        if field.data and self._provider_of.get(field.data) != self.provider_id.data:
            raise ValidationError("Select a location of the chosen provider")
