"""The real PostgreSQL and Redis the suite runs against: find them, or fail loudly."""

from __future__ import annotations

import os
import socket

PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TEST_PG_PORT", "5432"))
PG_SUPERUSER = os.environ.get("TEST_PG_SUPERUSER", "postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

OWNER_ROLE = "pcp_owner"
APP_ROLE = "pcp_app"


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    if not port_open(PG_HOST, PG_PORT):
        raise RuntimeError(
            f"PostgreSQL is not answering on {PG_HOST}:{PG_PORT}. Run the tests with "
            "scripts/test, which starts it, or start it yourself."
        )


def url(role: str, database: str) -> str:
    return f"postgresql+psycopg://{role}@{PG_HOST}:{PG_PORT}/{database}"
