"""GOV.UK Frontend's fonts and images at /assets, where its stylesheet expects them."""

from flask import Blueprint

GOVUK_FRONTEND_VERSION = "6.3.0"
HTMX_VERSION = "2.0.11"

bp = Blueprint(
    "assets",
    __name__,
    static_folder=f"static/vendor/govuk-frontend-{GOVUK_FRONTEND_VERSION}/assets",
    static_url_path="/assets",
)
