"""Answers that browsers and proxies revalidate: a body with its ETag, or 304 Not Modified.

The ETag is a digest of the bytes themselves (BLAKE2b, 128 bits), so equal bytes give equal
tags whatever made them, and a client that sends the tag back in ``If-None-Match`` gets an
empty 304 while the bytes are unchanged. Used by every tile and style endpoint: the public
basemap (:mod:`layers.views`) and the dashboard's private data tiles; :func:`revalidate` does the
same for a DRF answer once rendered (the public Open311 lists).
"""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers


def etag_of(body: bytes) -> str:
    """The strong ETag of `body`: its BLAKE2b digest (16 bytes, hex), quoted."""
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def revalidated(
    request: HttpRequest, body: bytes, content_type: str, *, max_age: int, public: bool
) -> HttpResponse:
    """`body` as a 200, or 304 when the request's ``If-None-Match`` names its ETag.

    Parameters
    ----------
    request : HttpRequest
        The request (a DRF request too); its conditional headers decide.
    body : bytes
        The whole answer.
    content_type : str
        Its media type.
    max_age : int
        Seconds a cache may reuse it before revalidating (``Cache-Control: max-age``).
    public : bool
        Whether shared caches may keep it (``public``) or only the user's browser
        (``private``: anything behind a login).

    Returns
    -------
    HttpResponse
        With ``ETag`` and ``Cache-Control`` on both the 200 and the 304.
    """
    etag = etag_of(body)
    response = get_conditional_response(request, etag=etag) or HttpResponse(
        body, content_type=content_type
    )
    response["ETag"] = etag
    response["Cache-Control"] = f"{'public' if public else 'private'}, max-age={max_age}"
    return response


def revalidate(
    request: HttpRequest, response: HttpResponse, *, max_age: int, vary: tuple[str, ...] = ()
) -> HttpResponse:
    """A successful public GET `response` (a DRF one is rendered here) with its ETag and
    ``Cache-Control: public``, or an empty 304 when the request's ``If-None-Match`` names it.

    Anything else (an error, a write, a HEAD) is returned as it is. `vary` names the request
    headers besides the address the body depends on (``Vary``), so that a shared cache keeps
    one copy per language, say.
    """
    if request.method != "GET" or response.status_code != 200:
        return response
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    etag = etag_of(response.content)
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={max_age}"
    if vary:
        patch_vary_headers(response, vary)
    return get_conditional_response(request, etag=etag, response=response) or response
