"""gis.core.api.conditional: a body with its ETag, 304 for a matching If-None-Match."""

from __future__ import annotations

from django.test import RequestFactory

from gis.core.api.conditional import etag_of, revalidated


def test_a_body_answers_with_its_etag_and_cache_control():
    request = RequestFactory().get("/tile")
    response = revalidated(request, b"tile bytes", "application/x-test", max_age=60, public=False)
    assert response.status_code == 200 and response.content == b"tile bytes"
    assert response["Content-Type"] == "application/x-test"
    assert response["ETag"] == etag_of(b"tile bytes") != etag_of(b"other bytes")
    assert response["Cache-Control"] == "private, max-age=60"


def test_a_matching_tag_answers_304_and_another_the_body():
    tag = etag_of(b"style")
    same = RequestFactory().get("/style", HTTP_IF_NONE_MATCH=tag)
    response = revalidated(same, b"style", "application/json", max_age=300, public=True)
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == tag and response["Cache-Control"] == "public, max-age=300"
    changed = RequestFactory().get("/style", HTTP_IF_NONE_MATCH=etag_of(b"old style"))
    response = revalidated(changed, b"style", "application/json", max_age=300, public=True)
    assert response.status_code == 200 and response.content == b"style"
