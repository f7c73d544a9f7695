"""Oversized or malformed input, a wrong CSRF token and an unknown id each get a clear page."""

from __future__ import annotations

from tests.support.clients import csrf_token, sign_in


def test_wrong_csrf_token_gets_a_clear_page(app, world):
    response = app.test_client().post(
        "/sign-in", data={"email": "a@example.org", "password": "x", "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert "Your form could not be sent" in response.get_data(as_text=True)


def test_oversized_form_gets_a_clear_page(app, world):
    client = app.test_client()
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"email": "a" * (600 * 1024), "password": "x", "csrf_token": token}
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_overlong_field_is_a_validation_error_not_a_crash(app, world):
    client = app.test_client()
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"email": "a" * 300 + "@example.org", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 200
    assert "254 characters or fewer" in response.get_data(as_text=True)


def test_unknown_ids_get_not_found(app, world):
    client = sign_in(app.test_client(), world.users["host_a_admin"])
    a = world.host_a
    for path in (f"/authorities/{a}/cases/999999", f"/authorities/{a}/residents/999999",
                 f"/authorities/{a}/users/999999", "/no-such-page", "/authorities/999999/"):
        response = client.get(path)
        assert response.status_code in (403, 404), path
        assert "Page not found" in response.get_data(as_text=True) or response.status_code == 403


def test_malformed_choice_and_missing_fields_show_the_error_summary(app, world):
    client = sign_in(app.test_client(), world.users["platform_admin"])
    token = csrf_token(client, f"/admin/providers/{world.provider_a}/locations/new")
    response = client.post(
        f"/admin/providers/{world.provider_a}/locations/new",
        data={"csrf_token": token, "name": "Kept name", "host_authority_id": "not-a-number",
              "postcode": "nonsense"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in body and "Enter a real postcode" in body
    assert "Kept name" in body


def test_invalid_utf8_and_odd_methods_do_not_crash(app, world):
    client = app.test_client()
    response = client.post(
        "/sign-in", data=b"email=%ff%fe&password=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert client.delete("/sign-in").status_code == 405
