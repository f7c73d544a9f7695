"""Counting the SQL statements a request sends, to prove a page's queries do not grow with data."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event

from app.extensions import db


@dataclass
class Statements:
    sent: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sent)


@contextmanager
def counting_statements(app):
    """Count every statement sent on the app's engine inside the block (the ``set_config``
    of each request included, so the figure is what the database sees)."""
    with app.app_context():
        engine = db.engine
    counted = Statements()

    def count(conn, cursor, statement, parameters, context, executemany):
        counted.sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_of(app, client, path: str) -> Statements:
    """GET ``path`` (which must answer 200) and return the statements it sent."""
    with counting_statements(app) as counted:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return counted
