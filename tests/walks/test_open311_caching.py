"""The public Open311 reads (services, the request list, one request) carry
``Cache-Control: public`` and an ETag, so a CDN may keep them, and answer 304 to a matching
If-None-Match; a POST and an error are never public. The body varies with the language."""

from __future__ import annotations

import pytest

from tests.walks.test_open311 import pins  # noqa: F401  (fixture)

PUBLIC_READS = ("services", "requests")


def assert_public(response) -> str:
    assert response.status_code == 200, response.content[:200]
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert "public" in directives and "private" not in directives
    assert any(d.startswith("max-age=") for d in directives)
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"accept-language", "cookie"} <= vary
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 10
    return etag


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("route", PUBLIC_READS)
def test_public_lists_are_public_with_an_etag_and_answer_304(api, pins, route, fmt):  # noqa: F811
    path = f"/open311/v2/{route}.{fmt}"
    etag = assert_public(api.get(path))
    again = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and "public" in again["Cache-Control"]
    stale = api.get(path, HTTP_IF_NONE_MATCH='"not-this-one"')
    assert stale.status_code == 200 and stale["ETag"] == etag


def test_one_request_is_public_and_revalidated(api, pins):  # noqa: F811
    path = f"/open311/v2/requests/{pins['open'].pk}.json"
    etag = assert_public(api.get(path))
    assert api.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_changed_list_gets_a_new_etag(api, pins):  # noqa: F811
    path = "/open311/v2/requests.json"
    etag = assert_public(api.get(path))
    pin = pins["open"]
    pin.public_answer = "Vi tittar på det."
    pin.save()
    changed = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_languages_are_told_apart(api, db):
    english = api.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="en")
    swedish = api.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="sv")
    assert english["Content-Language"] == "en" and swedish["Content-Language"] == "sv"
    assert english["ETag"] != swedish["ETag"]


def test_errors_and_writes_are_not_public(api, demo):
    bad = api.get("/open311/v2/requests.json?status=maybe")
    assert bad.status_code == 400 and "public" not in bad.get("Cache-Control", "")
    missing = api.get("/open311/v2/requests/999999999.json")
    assert missing.status_code == 404 and "public" not in missing.get("Cache-Control", "")
    post = api.post("/open311/v2/requests.json", {"service_code": "lighting"})
    assert post.status_code in (400, 404) and "public" not in post.get("Cache-Control", "")
    assert "ETag" not in post
