"""Request body caps (gis.bodylimit): every route refuses a body over its cap with 413 before
anything reads it, the 50 MB multipart login included; a body without a declared length is never
read past the cap; the answers are JSON for the API and a short page for people."""

from __future__ import annotations

import json

import pytest
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpResponse
from django.test import Client, RequestFactory

from gis import bodylimit
from tests.trust.test_rate_limits import public_paths

MB = 2**20
BOUNDARY = "trygg-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


class CountingBody:
    """A request body made on the fly (never held whole in memory) that counts the bytes read:
    a multipart form with a username and password and one large file of zeros."""

    def __init__(self, file_bytes: int) -> None:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="username"\r\n\r\nadmin\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="password"\r\n\r\nx\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.head = head
        self.size = len(head) + file_bytes + len(self.tail)
        self.file_bytes = file_bytes
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        remaining = self.size - self.consumed
        size = remaining if size is None or size < 0 else min(size, remaining)
        out = bytearray()
        while len(out) < size:
            at = self.consumed + len(out)
            want = size - len(out)
            if at < len(self.head):
                out += self.head[at : at + want]
            elif at < len(self.head) + self.file_bytes:
                out += b"\0" * min(want, len(self.head) + self.file_bytes - at)
            else:
                start = at - len(self.head) - self.file_bytes
                out += self.tail[start : start + want]
        self.consumed += len(out)
        return bytes(out)

    def readline(self, size: int = -1) -> bytes:
        return self.read(min(size, 65536) if size and size > 0 else 65536)


def send(client: Client, method: str, path: str, body: CountingBody, *, length: bool = True):
    extra = {"wsgi.input": body, "CONTENT_TYPE": MULTIPART}
    if length:
        extra["CONTENT_LENGTH"] = str(body.size)
    else:
        extra["HTTP_TRANSFER_ENCODING"] = "chunked"
    return client.generic(method, path, **extra)


def test_a_50_mb_multipart_login_is_413_without_reading_it(db):
    body = CountingBody(50 * MB)
    response = send(Client(enforce_csrf_checks=True), "POST", "/login/", body)
    assert response.status_code == 413
    assert body.consumed < bodylimit.LOGIN_FORM_BYTES + 64 * 1024
    assert body.consumed == 0
    page = response.content.decode()
    assert "16 kB" in page and "<script" not in page and response["Cache-Control"] == "no-store"


def test_every_route_refuses_a_body_over_its_cap_before_reading_it(db):
    """Each URL pattern (both languages), POST, PUT and PATCH: a body one byte over the route's
    cap, and one of 64 MB, is a 413 with nothing read; never a 500."""
    client = Client()
    failures = []
    paths = public_paths()
    assert len(paths) > 60
    for path, name in sorted(paths.items()):
        cap = bodylimit.cap_for(RequestFactory().post(path, content_type=MULTIPART))
        for method in ("POST", "PUT", "PATCH"):
            for file_bytes in (cap + 1, 64 * MB):
                body = CountingBody(file_bytes)
                response = send(client, method, path, body)
                if response.status_code != 413 or body.consumed:
                    failures.append((method, path, name, response.status_code, body.consumed))
                elif path.startswith(("/api/", "/open311/")):
                    answer = response.json()
                    assert answer["code"] == "too_large" and answer["max_bytes"] == cap, path
    assert not failures, f"bodies over the cap not refused before reading: {failures}"


@pytest.mark.parametrize(
    ("path", "route_class"),
    [
        ("/login/", "login"),
        ("/en/login/", "login"),
        ("/admin/login/", "login"),
        ("/i18n/setlang/", "login"),
        ("/logout/", "login"),
        ("/walks/new/", "route_upload"),
        ("/import/", "import_upload"),
        ("/en/import/", "import_upload"),
        ("/admin/walks/residentpin/1/change/", "admin"),
        ("/fixes/1/status/", "form"),
        ("/no/such/page/", "form"),
        ("/api/pins/", "api"),
        ("/api/walks/ABCD/findings/", "api"),
        ("/open311/v2/requests.json", "api"),
        ("/api/dashboard/pins/1/triage/", "api"),
        ("/api/partners/v1/incidents", "partner_api"),
    ],
)
def test_each_route_has_its_class(path, route_class):
    assert bodylimit.route_class(bodylimit.resolve_path(path)).name == route_class


def test_the_caps_follow_the_api_and_photo_settings(settings):
    settings.TRYGG_PHOTO_MAX_BYTES = 1_000_000
    settings.TRYGG_API_BODY_MAX_BYTES = 50_000
    factory = RequestFactory()
    multipart = factory.post("/api/pins/", content_type=MULTIPART)
    as_json = factory.post("/api/pins/", content_type="application/json")
    assert bodylimit.cap_for(multipart) == 1_000_000 + 256 * 1024
    assert bodylimit.cap_for(as_json) == 50_000
    admin = factory.post("/admin/walks/pinphoto/add/", content_type=MULTIPART)
    assert bodylimit.cap_for(admin) == settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1_000_000


def test_a_body_within_the_cap_reaches_the_view(db):
    body = CountingBody(bodylimit.LOGIN_FORM_BYTES - 1024)
    response = send(Client(), "POST", "/login/", body)
    assert response.status_code == 200  # the login form again: wrong password
    assert body.consumed == body.size


def test_a_chunked_body_without_length_is_not_read(db):
    """Django reads a body only up to its declared length; without one nothing is read."""
    body = CountingBody(50 * MB)
    response = send(Client(), "POST", "/login/", body, length=False)
    assert response.status_code in (200, 413)
    assert body.consumed <= bodylimit.LOGIN_FORM_BYTES + 1


@pytest.mark.parametrize("length", [True, False], ids=["declared-small", "chunked"])
def test_reading_the_raw_input_past_the_cap_is_413(db, length):
    """Whatever reads `wsgi.input` itself stops one byte past the cap, and the answer is 413
    (the exception is answered where it was raised, as Django does, never a 500)."""
    body = CountingBody(10 * MB)
    environ = {"wsgi.input": body, "CONTENT_TYPE": MULTIPART}
    if length:
        environ["CONTENT_LENGTH"] = "100"  # a lie: the input holds far more
    else:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    request = RequestFactory().generic("POST", "/login/", **environ)

    def view(request):
        request.environ["wsgi.input"].read()
        return HttpResponse("read it all")

    middleware = bodylimit.BodyLimitMiddleware(convert_exception_to_response(view))
    response = middleware(request)
    assert response.status_code == 413
    assert body.consumed == bodylimit.LOGIN_FORM_BYTES + 1


def test_the_api_413_is_json_in_the_clients_language(db):
    body = CountingBody(11 * MB)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = send(client, "POST", "/api/pins/", body)
    assert response.status_code == 413 and body.consumed == 0
    answer = json.loads(response.content)
    assert answer["detail"].startswith("The request is too large (at most 10.2 MB)")
    swedish = send(Client(), "POST", "/api/pins/", CountingBody(11 * MB))
    assert swedish.status_code == 413 and "Content-Security-Policy" in swedish
