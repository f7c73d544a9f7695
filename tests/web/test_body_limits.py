"""Every body limit holds whether or not the request says how long its body is.

A chunked request carries no Content-Length: its server sets ``wsgi.input_terminated`` and the
limits must be enforced while the body is read. The test client sends such requests the way
gunicorn and Werkzeug's server hand them on; one test sends a real chunked request to the app
served by Werkzeug's own server.
"""

from __future__ import annotations

import http.client
import threading
from io import BytesIO

import pytest
from werkzeug.serving import make_server

FORM_LIMIT = 500 * 1024
URLENCODED = "application/x-www-form-urlencoded"
UPLOAD_LIMIT = 2 * 1024 * 1024


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = "pcpboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + b"x" * size + (
        f"\r\n--{boundary}--\r\n").encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _send(app, body: bytes, content_type: str, chunked: bool):
    client = app.test_client()
    if not chunked:
        return client.post("/sign-in", data=body, content_type=content_type)
    # No Content-Length: the server says it ends the stream itself, as for a chunked body.
    return client.post("/sign-in", input_stream=BytesIO(body), content_type=content_type,
                       environ_overrides={"wsgi.input_terminated": True})


@pytest.fixture
def limits(app):
    app.config["MAX_CONTENT_LENGTH"] = UPLOAD_LIMIT
    return app


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("content_type", [URLENCODED, "application/json", "text/plain"])
def test_a_non_file_body_over_the_form_limit_is_refused(limits, world, chunked, content_type):
    body = b"email=" + b"a" * FORM_LIMIT + b"&password=x"
    response = _send(limits, body, content_type, chunked)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


@pytest.mark.parametrize("chunked", [False, True])
def test_a_multipart_body_over_the_upload_limit_is_refused(limits, world, chunked):
    body, content_type = _multipart(UPLOAD_LIMIT + 1)
    assert _send(limits, body, content_type, chunked).status_code == 413


@pytest.mark.parametrize("chunked", [False, True])
def test_bodies_within_the_limits_are_still_read(limits, world, chunked):
    # No CSRF token: the form is refused as expired (400), so it was read, not refused as large.
    form = b"email=someone%40example.org&password=x&pad=" + b"a" * (FORM_LIMIT - 100)
    assert _send(limits, form, URLENCODED, chunked).status_code == 400
    body, content_type = _multipart(UPLOAD_LIMIT - 1024)
    assert _send(limits, body, content_type, chunked).status_code == 400


@pytest.fixture
def served(limits):
    server = make_server("127.0.0.1", 0, limits, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join()


def _chunks(body: bytes, size: int = 16 * 1024):
    for start in range(0, len(body), size):
        yield body[start:start + size]


def test_a_real_chunked_form_over_the_limit_is_refused(served, world):
    body = b"email=" + b"a" * FORM_LIMIT + b"&password=x"
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=30)
    try:
        connection.request("POST", "/sign-in", body=_chunks(body), encode_chunked=True,
                           headers={"Content-Type": URLENCODED})
        response = connection.getresponse()
        assert response.status == 413
        assert b"too large" in response.read()
    finally:
        connection.close()
