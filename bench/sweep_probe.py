"""The reminder sweep and ``flask verify-audit`` over the scale world (issue 16 point 6).

    .venv/bin/python bench/generate.py            # once: the world, in pcp_bench_scale
    .venv/bin/python bench/sweep_probe.py [--database pcp_bench_scale]

Runs the sweep over every open case of every authority twice (the first pass queues the
reminders, the repeat pass finds each already queued: idempotency keys are checked in bulk)
and times each pass with its statements; then times ``flask verify-audit`` over the whole
audit trail. PostgreSQL as the app role, row-level security on.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="pcp_bench_scale")
    args = parser.parse_args()

    import psycopg
    from probes import counted

    from app import create_app
    from app.extensions import db
    from app.jobs.sweep import sweep_once
    from tests.conftest import pg_config
    from tests.support.services import OWNER_ROLE, url

    with psycopg.connect(url(OWNER_ROLE, args.database).replace("+psycopg", "")) as conn:
        open_cases = conn.execute("select count(*) from cases where stage != 'closed'").fetchone()[0]
        events = conn.execute("select count(*) from audit_event").fetchone()[0]
    app = create_app(pg_config(args.database))
    now = datetime.now(UTC)
    with app.app_context():
        for label in ("first pass", "repeat pass"):
            with counted(db.engine) as sent:
                started = time.perf_counter()
                queued = sweep_once(now)
                took = time.perf_counter() - started
            db.session.remove()
            print(f"sweep over {open_cases} open cases, {label}: {took:.2f} s, {len(sent)} statements, "
                  f"{queued} reminders queued", flush=True)
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    took = time.perf_counter() - started
    assert result.exit_code == 0, result.output[-2000:]
    print(f"flask verify-audit over {events} events: {took:.2f} s")


if __name__ == "__main__":
    main()
