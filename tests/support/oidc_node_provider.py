"""panva's ``oidc-provider`` (npm, OpenID Certified) run by Node on loopback for the SSO tests.

``scripts/test`` installs it from the committed lock file (``tests/support/oidc_node``) with
``npm ci``; nothing is downloaded while the tests run. Unlike ``oidc_provider.py``, written here
for fast negative cases, nobody here wrote this one: it is the check that the portal works with
a provider that follows the specifications to the letter (claims at userinfo, PKCE, RFC 9207,
RP-initiated logout) through its own login, consent and logout pages.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import time
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "oidc_node"


def missing() -> str | None:
    """Why the provider cannot be started here, or None."""
    if shutil.which("node") is None:
        return "node is not installed (Debian: apt-get install nodejs npm); scripts/test checks"
    if not (FOLDER / "node_modules" / "oidc-provider").is_dir():
        return f"oidc-provider is not installed: run `npm ci` in {FOLDER} (scripts/test does)"
    return None


class NodeOidcProvider:
    def __init__(self, clients: list[dict], accounts: dict[str, dict]):
        self.config = {"clients": clients, "accounts": accounts}
        self.process: subprocess.Popen | None = None
        self.issuer = ""

    def __enter__(self) -> NodeOidcProvider:
        problem = missing()
        if problem:
            raise RuntimeError(problem)
        self.process = subprocess.Popen(
            ["node", str(FOLDER / "provider.mjs")],
            cwd=FOLDER,
            env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(self.config), "NODE_ENV": "test"},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.issuer = self._first_line(timeout=20)["issuer"]
        return self

    def _first_line(self, timeout: float) -> dict:
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                line = self.process.stdout.readline()
                if line:
                    return json.loads(line)
            if self.process.poll() is not None:
                break
        self.stop()
        raise RuntimeError("oidc-provider did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def __exit__(self, *exc) -> None:
        self.stop()
