"""Benchmark: upload a 100 MB evidence file to the running app and report how much the web
process's memory rose.

    .venv/bin/python bench/upload.py [--megabytes 100] [--storage local|s3]

Builds a small world in a fresh SQLite file (the embedded default), starts gunicorn (one sync
worker, as in production) in a subprocess, signs in as a provider manager over HTTP, adds a
plan item and uploads a PDF of ``--megabytes`` through the real upload form, streamed from
disk. The worker's peak resident memory (VmHWM) is reset just before the upload (through
/proc/<pid>/clear_refs) and read after it: the figure is that peak less the resident memory
before the upload. With ``--storage s3`` the file goes to moto's S3 server in a process of its
own. Exits 1 when the rise reaches ``--target`` MB (default 40).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PCP_FAST_PASSWORD_HASHING", "1")

import requests  # noqa: E402

BOUNDARY = "benchuploadboundary"


def build_world(database: str, files: str, extra: dict) -> tuple[str, int]:
    """Migrate and fill the database; return the provider manager's email and the case id."""
    from app import create_app
    from app.extensions import db
    from tests import provider_records
    from tests.conftest import BASE_CONFIG, migrate_up
    from tests.factories import build_world as world_of

    app = create_app({**BASE_CONFIG, "SERVER_NAME": None, "SQLALCHEMY_DATABASE_URI": database,
                      "FILE_STORAGE_DIR": files, **extra})
    migrate_up(app)
    with app.app_context():
        world = world_of()
    provider_records.build(app, world)
    with app.app_context():
        db.engine.dispose()
    return world.users["provider_a_manager"], world.case_a


def token(session: requests.Session, url: str) -> str:
    page = session.get(url)
    page.raise_for_status()
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)


def kib(pid: int, field: str) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.M).group(1))


def worker_of(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


class Body:
    """The multipart body as a file to read: the form's head, the file from disk, the closing
    boundary. Its length lets the client send a Content-Length, as a browser does."""

    def __init__(self, head: bytes, path: Path, tail: bytes):
        self.length = len(head) + path.stat().st_size + len(tail)
        self._head, self._tail = head, tail
        self._file = path.open("rb")

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        size = 1024 * 1024 if size is None or size < 0 else size
        if self._head:
            chunk, self._head = self._head[:size], self._head[size:]
            return chunk
        chunk = self._file.read(size)
        if chunk:
            return chunk
        chunk, self._tail = self._tail[:size], self._tail[size:]
        return chunk


def make_file(folder: Path, megabytes: int) -> Path:
    path = folder / f"evidence-{megabytes}.pdf"
    with path.open("wb") as file:
        file.write(b"%PDF-1.7\n")
        block = os.urandom(1024 * 1024)
        for _ in range(megabytes):
            file.write(block)
    return path


def serve(env: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", "1", "--timeout", "300",
         "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def upload(base: str, email: str, case_id: int, files: tuple[Path, Path],
           pid: int) -> tuple[int, int, float]:
    """Upload a small file first (the worker then has its storage client made and its code
    loaded, as in steady service), then the large one, measured."""
    from tests.factories import PASSWORD

    session = requests.Session()
    session.post(f"{base}/provider/sign-in", data={
        "email": email, "password": PASSWORD,
        "csrf_token": token(session, f"{base}/provider/sign-in")}).raise_for_status()
    new_item = f"{base}/provider/cases/{case_id}/plan/items/new"
    # The date's day, month and year inputs share the field's name.
    session.post(new_item, data=[
        ("area", "safe"), ("action", "Bench action"), ("lead", "Bench lead"),
        ("target_on", "1"), ("target_on", "1"), ("target_on", "2027"),
        ("evidence_required", "Bench"), ("rag", "red"),
        ("csrf_token", token(session, new_item))]).raise_for_status()
    page = session.get(f"{base}/provider/cases/{case_id}/plan").text
    item = re.search(r"/plan/items/(\d+)/evidence", page).group(1)
    url = f"{base}/provider/cases/{case_id}/plan/items/{item}/evidence"
    send(session, url, files[0])
    before = kib(pid, "VmRSS")
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # peak RSS from now on
    started = time.perf_counter()
    send(session, url, files[1])
    return before, kib(pid, "VmHWM"), time.perf_counter() - started


def send(session: requests.Session, url: str, file: Path) -> None:
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{token(session, url)}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; "
            f"name=\"file\"; filename=\"{file.name}\"\r\nContent-Type: application/pdf\r\n\r\n"
            ).encode()
    body = Body(head, file, f"\r\n--{BOUNDARY}--\r\n".encode())
    answer = session.post(url, data=body, allow_redirects=False, headers={
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    if answer.status_code != 302:
        raise RuntimeError(f"upload answered {answer.status_code}: {answer.text[:500]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--storage", choices=("local", "s3"), default="local")
    parser.add_argument("--target", type=float, default=40.0)
    arguments = parser.parse_args()
    from tests.support.mail import free_port

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        database, files = f"sqlite:///{folder / 'bench.sqlite3'}", str(folder / "files")
        s3 = None
        storage = {"FILE_STORAGE": "local"}
        if arguments.storage == "s3":
            from tests.support.s3 import S3Server

            s3 = S3Server().start()
            storage = s3.config("bench-evidence")
        email, case_id = build_world(database, files, storage)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": database, "FILE_STORAGE_DIR": files,
               "PCP_INSTANCE_DIR": scratch, "PUBLIC_URL": f"http://127.0.0.1:{port}",
               "EVIDENCE_MAX_BYTES": str((arguments.megabytes + 1) * 1024 * 1024),
               **{key: str(value) for key, value in storage.items()}}
        server = serve(env, port)
        try:
            files = (make_file(folder, 1), make_file(folder, arguments.megabytes))
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(f"{base}/healthz", timeout=10)
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            pid = worker_of(server.pid)
            before, peak, seconds = upload(base, email, case_id, files, pid)
        finally:
            server.terminate()
            server.wait(30)
            if s3 is not None:
                s3.stop()
    rise = (peak - before) / 1024
    print(f"{arguments.megabytes} MB uploaded to {arguments.storage} storage in {seconds:.1f} s; "
          f"worker RSS before {before / 1024:.1f} MB, peak during {peak / 1024:.1f} MB, "
          f"rise {rise:.1f} MB (target under {arguments.target:g} MB)")
    return 0 if rise < arguments.target else 1


if __name__ == "__main__":
    sys.exit(main())
