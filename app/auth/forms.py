from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.passwords import MIN_LENGTH
from app.forms import Form, email_field, submit


class SignInForm(Form):
    email = email_field(required="Enter your email address")
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired("Enter your password"),
            Length(max=200, message="Password must be 200 characters or fewer"),
        ],
    )
    submit = submit("Sign in")


class SetPasswordForm(Form):
    password = PasswordField(
        "Create a password",
        widget=GovPasswordInput(),
        description=f"Use at least {MIN_LENGTH} characters.",
        validators=[
            DataRequired("Enter a password"),
            Length(
                min=MIN_LENGTH,
                max=200,
                message=f"Password must be between {MIN_LENGTH} and 200 characters",
            ),
        ],
    )
    confirm = PasswordField(
        "Confirm password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired("Confirm your password"),
            EqualTo("password", "Passwords must match"),
        ],
    )
    submit = submit("Save password and continue")


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired("Enter your current password"),
            Length(max=200, message="Password must be 200 characters or fewer"),
        ],
    )
    submit = submit("Change password")
