"""Configuration from environment variables, with safe defaults for development."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from app.secret_box import DEV_SECRETS_ENCRYPTION_KEY, check_keys, parse_keys

INSTANCE_DIR = Path(os.environ.get("PCP_INSTANCE_DIR", Path.cwd() / "instance"))

DEV_SECRET_KEY = "development-only-secret-key-not-for-production"
DEV_AUDIT_HMAC_KEY = "development-only-audit-key-not-for-production"


class ConfigError(RuntimeError):
    """The environment does not describe a safe configuration."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config dict from the environment and any test overrides."""
    env = os.environ.get("PCP_ENV", "development")
    production = env == "production"
    config = {
        "PCP_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or (None if production else DEV_SECRET_KEY),
        # Keys the audit trail's hash chain. Never stored in the database: whoever can rewrite
        # rows there cannot recompute the hashes without it. Changing it breaks verification of
        # every event written before.
        "AUDIT_HMAC_KEY": os.environ.get("AUDIT_HMAC_KEY") or (None if production else DEV_AUDIT_HMAC_KEY),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
        ),
        # Migrations run as the role that owns the tables; the app role only gets DML, so
        # that PostgreSQL row-level security applies to every query the app makes.
        "MIGRATION_DATABASE_URL": os.environ.get("MIGRATION_DATABASE_URL"),
        "DATABASE_APP_ROLE": os.environ.get("DATABASE_APP_ROLE", "pcp_app"),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "FILE_STORAGE_DIR": os.environ.get("FILE_STORAGE_DIR", str(INSTANCE_DIR / "files")),
        # Where evidence files go (app.storage): "local" (FILE_STORAGE_DIR, the embedded
        # default) or "s3" (AWS S3 or an S3-compatible server such as MinIO at S3_ENDPOINT_URL;
        # credentials from these settings or boto3's usual chain).
        "FILE_STORAGE": os.environ.get("FILE_STORAGE", "local"),
        "S3_BUCKET": os.environ.get("S3_BUCKET", ""),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", ""),
        "S3_REGION": os.environ.get("S3_REGION", ""),
        "S3_ACCESS_KEY_ID": os.environ.get("S3_ACCESS_KEY_ID", ""),
        "S3_SECRET_ACCESS_KEY": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
        # The largest evidence file taken, checked while the upload streams in.
        "EVIDENCE_MAX_BYTES": _int("EVIDENCE_MAX_BYTES", 100 * 1024 * 1024),
        "SESSION_COOKIE_NAME": "pcp_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", env != "development"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", env != "development"),
        "REMEMBER_COOKIE_DURATION": timedelta(hours=8),
        # A session ends after this long unused (idle) and, however busy, this long after
        # sign-in (absolute); both are checked on the server (app.auth.sessions).
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=_int("SESSION_LIFETIME_MINUTES", 480)),
        "SESSION_ABSOLUTE_HOURS": _int("SESSION_ABSOLUTE_HOURS", 12),
        # Werkzeug refuses larger bodies with 413 before a view runs.
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 25 * 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": _int("MAX_FORM_MEMORY_SIZE", 500 * 1024),
        "MAX_FORM_PARTS": 1000,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SIGN_IN_RATE_LIMIT": os.environ.get("SIGN_IN_RATE_LIMIT", "20 per minute"),
        "SIGN_IN_MAX_FAILURES": _int("SIGN_IN_MAX_FAILURES", 5),
        "SIGN_IN_FIRST_DELAY_SECONDS": _int("SIGN_IN_FIRST_DELAY_SECONDS", 30),
        "SIGN_IN_LOCKOUT_MINUTES": _int("SIGN_IN_LOCKOUT_MINUTES", 15),
        "INVITATION_MAX_AGE_HOURS": _int("INVITATION_MAX_AGE_HOURS", 72),
        # Public feedback forms (app/quality): how long a link or letter code stays open, and
        # how many submissions and look-ups one client address may make in a minute.
        "FEEDBACK_LINK_DAYS": _int("FEEDBACK_LINK_DAYS", 28),
        "FEEDBACK_ATTEMPTS_PER_MINUTE": _int("FEEDBACK_ATTEMPTS_PER_MINUTE", 10),
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", "demo-password-2026"),
        "SERVICE_NAME": "Provider concerns",
        "OIDC_ALLOW_INSECURE_ISSUERS": _bool("OIDC_ALLOW_INSECURE_ISSUERS", not production),
        # How long an identity provider's discovery document (and so its keys) is trusted
        # before the next sign-in fetches it again.
        "OIDC_METADATA_MAX_AGE_SECONDS": _int("OIDC_METADATA_MAX_AGE_SECONDS", 3600),
        # Fernet keys, comma-separated, newest first: secrets kept in the database (an
        # authority's OIDC client secret) are encrypted with the first (app.secret_box).
        "SECRETS_ENCRYPTION_KEY": os.environ.get("SECRETS_ENCRYPTION_KEY")
        or (None if production else DEV_SECRETS_ENCRYPTION_KEY),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAIL_CHANNEL": os.environ.get("MAIL_CHANNEL", "file"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Provider concerns <no-reply@provider-concerns.invalid>"),
        "MAIL_FOLDER": os.environ.get("MAIL_FOLDER", str(INSTANCE_DIR / "mail")),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME"),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "NOTIFY_API_KEY": os.environ.get("NOTIFY_API_KEY", ""),
        "NOTIFY_TEMPLATE_ID": os.environ.get("NOTIFY_TEMPLATE_ID", ""),
        "NOTIFY_BASE_URL": os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"),
        "OUTBOX_MAX_ATTEMPTS": _int("OUTBOX_MAX_ATTEMPTS", 6),
        "OUTBOX_LEASE_SECONDS": _int("OUTBOX_LEASE_SECONDS", 300),
        "OUTBOX_RETRY_BASE_SECONDS": _int("OUTBOX_RETRY_BASE_SECONDS", 30),
        # RQ kills a delivery job after this long; the lease must outlast it (checked below).
        "OUTBOX_JOB_TIMEOUT_SECONDS": _int("OUTBOX_JOB_TIMEOUT_SECONDS", 120),
        # A message handed to RQ comes back after this long if no worker took it (the relay
        # also takes back at once a message whose job Redis no longer holds).
        "OUTBOX_QUEUED_LEASE_SECONDS": _int("OUTBOX_QUEUED_LEASE_SECONDS", 900),
        "OUTBOX_RELAY_INTERVAL_SECONDS": _int("OUTBOX_RELAY_INTERVAL_SECONDS", 10),
        "SWEEP_INTERVAL_SECONDS": _int("SWEEP_INTERVAL_SECONDS", 900),
        # How long a channel waits on the mail server (SMTP or Notify) for each answer.
        "MAIL_TIMEOUT_SECONDS": _int("MAIL_TIMEOUT_SECONDS", 30),
        # Without Redis a web request delivers its own messages: it waits at most this long.
        "OUTBOX_INLINE_TIMEOUT_SECONDS": _int("OUTBOX_INLINE_TIMEOUT_SECONDS", 5),
        # Without Redis, any request retries due messages, at most this often.
        "OUTBOX_INLINE_RETRY_SECONDS": _int("OUTBOX_INLINE_RETRY_SECONDS", 30),
        # /healthz says degraded when a due message has waited longer than this.
        "HEALTH_STALL_SECONDS": _int("HEALTH_STALL_SECONDS", 300),
        "RQ_QUEUE": os.environ.get("RQ_QUEUE", "default"),
        # How many proxies (load balancer, TLS terminator) stand in front of the app: their
        # X-Forwarded-* headers are then believed, so that links and SSO redirects use https.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # The address people reach the service at: every link in a message or document and
        # the SSO redirect URI are built from it (app.links), never from the Host header.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        # Put before every email subject, as council mail is marked (empty: no marking).
        "PROTECTIVE_MARKING": os.environ.get("PROTECTIVE_MARKING", "OFFICIAL-SENSITIVE"),
    }
    if overrides:
        config.update(overrides)
    check_config(config)
    return config


def check_config(config: dict) -> None:
    """Refuse to start with an unsafe delivery lease, or in production without its settings."""
    if config["OUTBOX_LEASE_SECONDS"] <= config["OUTBOX_JOB_TIMEOUT_SECONDS"]:
        # A lease that ends while its job still runs would let a second worker send it again.
        raise ConfigError("OUTBOX_LEASE_SECONDS must be longer than OUTBOX_JOB_TIMEOUT_SECONDS")
    if config.get("FILE_STORAGE", "local") not in {"local", "s3"}:
        raise ConfigError("FILE_STORAGE must be local or s3")
    if config.get("FILE_STORAGE") == "s3" and not config.get("S3_BUCKET"):
        raise ConfigError("FILE_STORAGE=s3 needs S3_BUCKET")
    if config["PCP_ENV"] != "production":
        return
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise ConfigError("PCP_ENV=production needs SECRET_KEY set to a long random value")
    if not str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        raise ConfigError("PCP_ENV=production needs DATABASE_URL pointing at PostgreSQL")
    if config["MAIL_CHANNEL"] not in {"smtp", "notify"}:
        raise ConfigError("PCP_ENV=production needs MAIL_CHANNEL set to smtp or notify")
    if not str(config.get("PUBLIC_URL", "")).startswith("https://"):
        raise ConfigError("PCP_ENV=production needs PUBLIC_URL set to the service's https address")
    if not config.get("SESSION_COOKIE_SECURE"):
        raise ConfigError("PCP_ENV=production needs secure session cookies")
    _check_secrets_key(config.get("SECRETS_ENCRYPTION_KEY"))
    if not config.get("AUDIT_HMAC_KEY") or config["AUDIT_HMAC_KEY"] == DEV_AUDIT_HMAC_KEY:
        raise ConfigError("PCP_ENV=production needs AUDIT_HMAC_KEY set to a long random value")


def _check_secrets_key(setting: str | None) -> None:
    problem = check_keys(setting)
    if problem:
        raise ConfigError(
            f"PCP_ENV=production needs SECRETS_ENCRYPTION_KEY set to Fernet keys ({problem}); "
            "make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        )
    if DEV_SECRETS_ENCRYPTION_KEY in parse_keys(setting):
        raise ConfigError("PCP_ENV=production must not use the development SECRETS_ENCRYPTION_KEY")
