from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp

from app.forms import Form, email_field, submit
from app.providers.models import ProviderRole
from app.tenants.models import AuthorityKind


def _text(label, max_length, required_message=None, **kwargs):
    validators = [DataRequired(required_message)] if required_message else [Optional()]
    validators.append(Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"))
    return StringField(label, widget=GovTextInput(), validators=validators, **kwargs)


class AuthorityForm(Form):
    name = _text("Name", 200, "Enter the authority's name")
    code = StringField(
        "Official code",
        widget=GovTextInput(),
        description="ONS code for a council (for example E10000032) or ODS code for an ICB (for example QNX).",
        validators=[
            DataRequired("Enter the official code"),
            Regexp(r"^[A-Za-z0-9]{2,20}$", message="Code must be 2 to 20 letters and numbers"),
        ],
    )
    reference_prefix = StringField(
        "Short code for case references (optional)",
        widget=GovTextInput(),
        description="2 to 6 letters at the start of the authority's case references, for example WX "
                    "in WX-2026-0004. Without one, the official code is used.",
        validators=[Optional(), Regexp(r"^[A-Za-z]{2,6}$", message="Short code must be 2 to 6 letters")],
    )
    kind = RadioField(
        "Kind of authority",
        choices=[SelectChoice(AuthorityKind.LOCAL_AUTHORITY.value, "Local authority"), SelectChoice(AuthorityKind.ICB.value, "Integrated care board (ICB)")],
        widget=GovRadioInput(),
        validators=[DataRequired("Select the kind of authority")],
    )
    oidc_issuer = StringField(
        "Single sign-on issuer (optional)",
        widget=GovTextInput(),
        description="The OpenID Connect issuer URL of the authority's identity provider.",
        validators=[Optional(), URL(require_tld=False, message="Enter the issuer as a full web address"), Length(max=500)],
    )
    oidc_client_id = _text("Single sign-on client ID (optional)", 255)
    oidc_client_secret = _text("Single sign-on client secret (optional)", 500)
    oidc_emails_verified = BooleanField(
        "This identity provider only issues verified email addresses",
        widget=GovCheckboxInput(),
        description=(
            "Tick only if every email address the provider sends belongs to a mailbox the "
            "authority controls. Otherwise a first sign-in needs the email_verified claim."
        ),
    )
    submit = submit("Save authority")

    # Set when editing an authority whose secret is stored: a blank secret then keeps it.
    stored_secret = False

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        secret = self.oidc_client_secret.data or (self.stored_secret and self.oidc_issuer.data)
        sso = [self.oidc_issuer.data, self.oidc_client_id.data, secret]
        if any(sso) and not all(sso):
            self.oidc_issuer.errors = list(self.oidc_issuer.errors) + [
                "Enter the issuer, client ID and client secret together, or none of them"
            ]
            return False
        return True


class FirstAdminForm(Form):
    name = _text("Full name", 200, "Enter their full name")
    email = email_field(required="Enter their email address")
    submit = submit("Add administrator")


class ProviderForm(Form):
    name = _text("Provider name", 200, "Enter the provider's name")
    cqc_provider_id = StringField(
        "CQC provider ID",
        widget=GovTextInput(),
        description="For example 1-101234567.",
        validators=[DataRequired("Enter the CQC provider ID"), Regexp(r"^1-\d{6,12}$", message="Enter a CQC provider ID in the format 1-101234567")],
    )
    submit = submit("Save provider")


class LocationForm(Form):
    name = _text("Location name", 200, "Enter the location's name")
    cqc_location_id = StringField(
        "CQC location ID",
        widget=GovTextInput(),
        description="For example 1-123456789.",
        validators=[DataRequired("Enter the CQC location ID"), Regexp(r"^1-\d{6,12}$", message="Enter a CQC location ID in the format 1-123456789")],
    )
    address_line_1 = _text("Address line 1", 200, "Enter the first line of the address")
    address_line_2 = _text("Address line 2 (optional)", 200)
    town = _text("Town or city", 100, "Enter the town or city")
    postcode = StringField(
        "Postcode",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the postcode"), Regexp(r"^[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}$", message="Enter a real postcode")],
    )
    service_type = _text("Type of service (optional)", 100)
    registered_manager = _text("Registered manager (optional)", 200)
    host_authority_id = SelectField(
        "Host authority", coerce=int, widget=GovSelect(), validators=[DataRequired("Select the host authority")]
    )
    submit = submit("Save location")


class ProviderUserForm(Form):
    name = _text("Full name", 200, "Enter their full name")
    email = email_field(required="Enter their email address")
    role = RadioField(
        "Role",
        choices=[SelectChoice(ProviderRole.MANAGER.value, "Provider manager"), SelectChoice(ProviderRole.CONTRIBUTOR.value, "Provider contributor")],
        widget=GovRadioInput(),
        validators=[DataRequired("Select a role")],
    )
    submit = submit("Add provider user")
