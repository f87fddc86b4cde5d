"""Request caps of the public API: body size, files per request and JSON nesting depth.

`check_length` refuses a body by its Content-Length before any of it is read (HTTP 413): a
photo upload may be one photo (`TRYGG_PHOTO_MAX_BYTES`) plus room for the form fields, any
other body `TRYGG_API_BODY_MAX_BYTES`. `parsed_data` parses the body once and turns every way
parsing can fail into a 400 or 413 with a message (Django's field and file counts, JSON nested
deeper than `TRYGG_API_JSON_MAX_DEPTH`, more files than `TRYGG_UPLOAD_MAX_FILES`), never a 500.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.request import Request

from gis.core import conf

MULTIPART_FIELDS_ROOM = 256 * 1024
_CHECKED = "_trygg_body_checked"


class RequestTooLarge(exceptions.APIException):
    """HTTP 413: the body is larger than this endpoint accepts."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def too_large_message(cap: int) -> str:
    """The translated 413 message for a body cap of `cap` bytes (shown in MB or kB)."""
    size = f"{cap / 2**20:.1f} MB" if cap >= 2**20 else f"{cap / 1024:.0f} kB"
    return _("The request is too large (at most %(size)s).") % {"size": size}


def body_cap(content_type: str) -> int:
    """Bytes a body of this content type may have."""
    if content_type.startswith("multipart/"):
        return int(conf.setting("TRYGG_PHOTO_MAX_BYTES")) + MULTIPART_FIELDS_ROOM
    return int(conf.setting("TRYGG_API_BODY_MAX_BYTES"))


def check_length(request) -> None:
    """Raise `RequestTooLarge` when the declared body length is over the cap (nothing read)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    cap = body_cap(request.content_type or "")
    if length > cap:
        raise RequestTooLarge(too_large_message(cap))


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether parsed JSON nests lists and objects more than `limit` levels deep."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _check_files(request: Request) -> None:
    limit = int(conf.setting("TRYGG_UPLOAD_MAX_FILES"))
    names = [name for name, files in request.FILES.lists() for _file in files]
    if len(names) > limit:
        message = ngettext(
            "At most %(n)d file per request.", "At most %(n)d files per request.", limit
        ) % {"n": limit}
        raise exceptions.ValidationError({names[limit]: [message]})


def parsed_data(request: Request):
    """`request.data`, parsed and checked once; a DRF exception (400/413) when refused."""
    try:
        data = request.data
    except RequestDataTooBig:
        raise RequestTooLarge(_("The form fields are too large.")) from None
    except TooManyFieldsSent:
        raise exceptions.ParseError(_("The request has too many fields.")) from None
    except TooManyFilesSent:
        raise exceptions.ParseError(_("The request has too many files.")) from None
    except RecursionError:
        raise exceptions.ParseError(_("The JSON is nested too deeply.")) from None
    if not getattr(request, _CHECKED, False):
        setattr(request, _CHECKED, True)
        limit = int(conf.setting("TRYGG_API_JSON_MAX_DEPTH"))
        if isinstance(data, dict | list) and json_depth_exceeds(data, limit):
            raise exceptions.ParseError(
                _("The JSON is nested too deeply (at most %(n)d levels).") % {"n": limit}
            )
        _check_files(request)
    return data
