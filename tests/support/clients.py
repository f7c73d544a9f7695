"""Sign a test client in through the real sign-in forms."""

from __future__ import annotations

from tests.factories import PASSWORD


def csrf_token(client, path: str) -> str:
    import re

    if not client.application.config.get("WTF_CSRF_ENABLED", True):
        return ""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, email: str, *, provider: bool = False, password: str = PASSWORD):
    path = "/provider/sign-in" if provider else "/sign-in"
    response = client.post(
        path, data={"email": email, "password": password, "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 302, f"sign-in of {email} failed"
    return client
