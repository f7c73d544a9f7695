"""Load benchmark for issue 16: the production setup under a bounded load, page by page,
against the framework floor (``/healthz``) measured in the same run.

    .venv/bin/python bench/load.py [--cases 200] [--workers 4] [--connections 8]
                                   [--duration 10] [--database pcp_bench_load]

What it does, in order:
1. makes sure ``wrk`` is installed (``apt-get install wrk`` when run as root on Debian;
   otherwise it stops and says so);
2. (re)creates the database ``--database`` on 127.0.0.1 with the owner and app roles, migrates
   it and seeds one host with ``--cases`` open cases (``bench/probes.py``'s world: each case
   with a placing authority's share, a held meeting, a risk and an action);
3. starts gunicorn as the README's production section describes (``PCP_ENV=production``,
   PostgreSQL as the app role with row-level security, Redis for rate limits and jobs) with
   ``--workers`` sync workers on a free loopback port;
4. signs in as the host's lead officer through the real sign-in form;
5. drives each page with ``wrk`` (``--connections`` clients on loopback, two threads, for
   ``--duration`` seconds, the session cookie sent on every request) and prints requests per
   second, p50/p95/p99 latency, non-2xx answers and the ratio to ``/healthz``.

Exits 1 when a page answers anything but 2xx under load (a benchmark of error pages would
flatter the figures).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (apt-get) ...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                       stdout=subprocess.DEVNULL)
        return shutil.which("wrk") or sys.exit("wrk did not install")
    sys.exit("bench/load.py needs wrk: sudo apt-get install wrk")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(database: str, cases: int) -> dict[str, str]:
    """Create, migrate and fill the database; return the pages to drive, by name."""
    from probes import World

    from app import create_app
    from app.extensions import db
    from tests.conftest import create_test_database, migrate_up, pg_config

    create_test_database(database)
    app = create_app({**pg_config(database), "WTF_CSRF_ENABLED": False})
    migrate_up(app)
    started = time.perf_counter()
    with app.app_context():
        world = World()
        world.grow(cases)
        pages = world.pages()
        pages["Word agenda"] = pages["meeting page"] + "/agenda.docx"
        db.session.remove()
        db.engine.dispose()
    print(f"seeded {cases} open cases in {time.perf_counter() - started:.0f} s", flush=True)
    return {"/healthz": "/healthz", **pages}


def production_environment(database: str) -> dict[str, str]:
    from cryptography.fernet import Fernet

    from tests.support.services import APP_ROLE, OWNER_ROLE, url

    return {
        **os.environ,
        "PCP_ENV": "production",
        "SECRET_KEY": os.urandom(32).hex(),
        "AUDIT_HMAC_KEY": os.urandom(32).hex(),
        "SECRETS_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "PUBLIC_URL": "https://concerns.bench.invalid",
        "DATABASE_URL": url(APP_ROLE, database),
        "MIGRATION_DATABASE_URL": url(OWNER_ROLE, database),
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
        "MAIL_CHANNEL": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "PCP_INSTANCE_DIR": tempfile.mkdtemp(prefix="pcp-bench-"),
    }


def start_gunicorn(env: dict[str, str], workers: int, port: int) -> subprocess.Popen:
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            if server.poll() is not None:
                sys.exit("gunicorn exited while starting")
            time.sleep(0.2)
    sys.exit("gunicorn did not start listening")


def sign_in(base: str, email: str, password: str) -> str:
    """Sign in through the form and return the Cookie header for later requests.

    Production cookies are ``Secure``, so an HTTP client would keep them from plain-HTTP
    loopback: the cookies are carried by hand instead."""
    import requests

    cookies: dict[str, str] = {}

    def keep(response):
        for cookie in response.cookies:
            cookies[cookie.name] = cookie.value

    def header() -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}

    page = requests.get(f"{base}/sign-in", timeout=10)
    keep(page)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    answer = requests.post(f"{base}/sign-in", headers={**header(), "Referer": f"{base}/sign-in"},
                           data={"email": email, "password": password, "csrf_token": token},
                           allow_redirects=False, timeout=10)
    keep(answer)
    if answer.status_code != 302:
        sys.exit(f"sign-in failed: {answer.status_code}")
    return header()["Cookie"]


WRK_SCRIPT = """
wrk.headers["Cookie"] = os.getenv("PCP_BENCH_COOKIE")
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
            + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %f %f %f %f %d\\n", summary.requests,
           summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
           latency:percentile(95) / 1000, latency:percentile(99) / 1000, bad))
end
"""


def drive(wrk: str, url: str, cookie: str, connections: int, duration: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    output = subprocess.run(
        [wrk, "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
         "-s", script.name, url],
        env={**os.environ, "PCP_BENCH_COOKIE": cookie}, capture_output=True, text=True, check=True)
    os.unlink(script.name)
    line = next(line for line in output.stdout.splitlines() if line.startswith("RESULT"))
    _, total, rps, p50, p95, p99, bad = line.split()
    return {"requests": int(total), "rps": float(rps), "p50": float(p50), "p95": float(p95),
            "p99": float(p99), "bad": int(bad)}


def check_page(base: str, path: str, cookie: str) -> None:
    import requests

    answer = requests.get(base + path, headers={"Cookie": cookie}, allow_redirects=False, timeout=30)
    if answer.status_code != 200:
        sys.exit(f"{path} answered {answer.status_code} before the load: not benchmarking an error")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (README: 4)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--database", default="pcp_bench_load")
    args = parser.parse_args()

    os.environ.setdefault("PCP_FAST_PASSWORD_HASHING", "1")  # seeding only; sign-in verifies any hash
    wrk = ensure_wrk()
    pages = seed(args.database, args.cases)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(production_environment(args.database), args.workers, port)
    try:
        from tests.factories import PASSWORD

        cookie = sign_in(base, "lead@probe.example", PASSWORD)
        results = {}
        for name, path in pages.items():
            check_page(base, path, cookie)
            results[name] = drive(wrk, base + path, cookie, args.connections, args.duration)
            print(f"  measured {name}", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    floor = results["/healthz"]["rps"]
    print(f"\n{args.cases} open cases, gunicorn {args.workers} sync workers, {args.connections} "
          f"connections for {args.duration} s each (wrk, loopback):\n")
    print(f"  {'page':<20} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'of floor':>9} {'errors':>7}")
    failed = False
    for name, r in results.items():
        failed |= r["bad"] > 0
        print(f"  {name:<20} {r['rps']:>8.1f} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} "
              f"{r['rps'] / floor:>8.1%} {r['bad']:>7}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
