"""The visibility rules leave PostgreSQL an index to find a tenant's cases (issue 16).

With sequential scans priced out (``enable_seqscan = off``), a query that can reach the
cases through an index does so; one whose WHERE clause admits no index path still scans the
table. A rule written as ``tenant_id = X OR EXISTS (share ...)`` is such a clause: at 10,000
cases the dashboard read every case of every tenant.
"""

from __future__ import annotations

from sqlalchemy import event

from app.extensions import db
from tests.support.clients import sign_in


def _plans(app, client, path: str) -> list[str]:
    with app.app_context():
        engine = db.engine
    captured = []

    def grab(conn, cursor, statement, params, context, executemany):
        captured.append((statement, params))

    client.get(path)
    event.listen(engine, "before_cursor_execute", grab)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("set local enable_seqscan = off")
        plans = []
        for statement, params in captured:
            if statement.lstrip().lower().startswith("select set_config"):
                cursor.execute(statement, params)  # the request's row-level security settings
            elif "FROM cases" in statement:
                cursor.execute("EXPLAIN " + statement, params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        return plans
    finally:
        raw.rollback()
        raw.close()


def test_the_dashboard_finds_the_cases_through_indexes(app, world, client):
    sign_in(client, world.users["host_a_lead"])
    plans = _plans(app, client, f"/authorities/{world.host_a}/cases")
    assert plans and not [plan for plan in plans if "Seq Scan on cases" in plan], plans


def test_a_placing_authoritys_dashboard_finds_its_shared_cases_through_indexes(app, world, client):
    sign_in(client, world.users["placing_shared_lead"])
    plans = _plans(app, client, f"/authorities/{world.placing_shared}/cases")
    assert plans and not [plan for plan in plans if "Seq Scan on cases" in plan], plans
