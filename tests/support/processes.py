"""Real service processes the job tests start and kill: a private Redis and RQ workers."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from redis import Redis

from tests.support.mail import free_port

ROOT = Path(__file__).resolve().parents[2]


class RedisServer:
    """A redis-server of the test's own, so that stopping it disturbs nothing else."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: scripts/test installs it")
        self.process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if Redis.from_url(self.url).ping():
                    return self
            except Exception:  # not listening yet
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


class Worker:
    """``rq worker`` in its own process group, configured through the environment."""

    def __init__(self, env: dict, queue: str, burst: bool = False):
        # As the README runs it: the settings module builds the app once, before any fork.
        command = [sys.executable, "-m", "rq.cli", "worker", "-c", "app.jobs.rq_settings",
                   "--url", env["REDIS_URL"], queue]
        if burst:
            command.insert(-1, "--burst")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """Kill the worker and its work horse at once, as a crash or an OOM kill would."""
        # RQ's work horse moves to a process group of its own, so kill by parentage too.
        for pid in [*_descendants(self.process.pid), self.process.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(10)

    def stop(self) -> str:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            output, _ = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
            output = b""
        return (output or b"").decode(errors="replace")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def wait_for(condition, timeout: float = 20, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {condition}")
