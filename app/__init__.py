"""The Provider Concerns Portal."""

from __future__ import annotations

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader


def create_app(overrides: dict | None = None) -> Flask:
    """Create the app from environment settings, with ``overrides`` for tests."""
    from app import case_workspace, cli, errors, ids, security, templating
    from app.config import load_config
    from app.extensions import csrf, db, htmx, limiter, login_manager, migrate, oauth
    from app.jobs import in_process
    from app.tenants import context

    app = Flask(__name__, static_folder="static")
    app.config.from_mapping(load_config(overrides))
    _ensure_local_folders(app)
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("app"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )

    from app import models  # noqa: F401  (register every model before the extensions bind)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    oauth.init_app(app)
    templating.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    context.init_app(app)
    cli.init_app(app)
    in_process.init_app(app)
    ids.init_app(app)
    # Before the blueprints: the case routes' address converter knows the sections' keys.
    case_workspace.init_app(app)
    _register_blueprints(app)
    _register_documents()
    _trust_proxies(app)
    return app


def _register_documents() -> None:
    # The outbox (core) names documents by kind; the areas that build them are wired here.
    from app.closing.attachments import closure_letter_attachment
    from app.jobs.documents import register_document

    register_document("closure_letter", closure_letter_attachment)


def _trust_proxies(app: Flask) -> None:
    count = app.config["TRUSTED_PROXIES"]
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _ensure_local_folders(app: Flask) -> None:
    """Create the folders the embedded default keeps its SQLite file and uploads in."""
    from pathlib import Path

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    Path(app.config["FILE_STORAGE_DIR"]).mkdir(parents=True, exist_ok=True)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _register_blueprints(app: Flask) -> None:
    from app.actions.placing_update_routes import bp as placing_action_updates_bp
    from app.actions.routes import bp as actions_bp
    from app.admin.routes import bp as admin_bp
    from app.assets import bp as assets_bp
    from app.auth.routes import bp as auth_bp
    from app.cases.routes import bp as cases_bp
    from app.closing.routes import bp as closing_bp
    from app.emergency.routes import bp as emergency_bp
    from app.first_response.provider_routes import bp as provider_first_response_bp
    from app.first_response.routes import bp as first_response_bp
    from app.health.routes import bp as health_bp
    from app.intelligence.routes import bp as intelligence_bp
    from app.jobs.routes import bp as jobs_bp
    from app.meetings.routes import bp as meetings_bp
    from app.notices.provider_routes import bp as provider_notices_bp
    from app.notices.routes import bp as notices_bp
    from app.placing.alert_routes import bp as placing_alerts_bp
    from app.placing.coverage_routes import bp as placing_coverage_bp
    from app.placing.routes import bp as placing_bp
    from app.placing.task_routes import bp as placing_tasks_bp
    from app.plans.evidence_provider_routes import bp as provider_evidence_bp
    from app.plans.evidence_routes import bp as evidence_bp
    from app.plans.provider_routes import bp as provider_plans_bp
    from app.plans.provider_version_routes import bp as provider_plan_versions_bp
    from app.plans.routes import bp as plans_bp
    from app.plans.version_routes import bp as plan_versions_bp
    from app.provider_portal.routes import bp as provider_bp
    from app.quality.public_routes import bp as quality_public_bp
    from app.quality.routes import bp as quality_bp
    from app.replies.provider_routes import bp as provider_replies_bp
    from app.replies.routes import bp as replies_bp
    from app.reports.routes import bp as reports_bp
    from app.residents.import_routes import bp as resident_imports_bp
    from app.residents.routes import bp as residents_bp
    from app.risks.routes import bp as risks_bp
    from app.tenants.routes import bp as tenants_bp

    for blueprint in (
        assets_bp,
        health_bp,
        auth_bp,
        tenants_bp,
        residents_bp,
        resident_imports_bp,
        cases_bp,
        placing_bp,
        placing_alerts_bp,
        placing_tasks_bp,
        placing_coverage_bp,
        intelligence_bp,
        emergency_bp,
        closing_bp,
        quality_bp,
        quality_public_bp,
        meetings_bp,
        risks_bp,
        actions_bp,
        placing_action_updates_bp,
        admin_bp,
        jobs_bp,
        provider_bp,
        plans_bp,
        provider_plans_bp,
        evidence_bp,
        provider_evidence_bp,
        replies_bp,
        provider_replies_bp,
        notices_bp,
        provider_notices_bp,
        plan_versions_bp,
        provider_plan_versions_bp,
        first_response_bp,
        provider_first_response_bp,
        reports_bp,
    ):
        app.register_blueprint(blueprint)
