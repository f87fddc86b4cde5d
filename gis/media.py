"""Serving of uploaded files: everything under MEDIA_URL, in every setting (demo, tests,
production), by one Django view; nothing under MEDIA_ROOT is ever served as something a browser
runs.

* **Where.** The path is resolved inside MEDIA_ROOT (no ``..``, no absolute or empty parts, no
  backslash or NUL, no symlink out of it); anything else is 404.
* **Whose.** A file is served only when a record's file field names it (a photo, its thumbnail,
  an analysis raster); a file no record names is 404. Each model with a file field has an access
  rule in `RULES`; a model without one is never served (a test requires every model to have
  one). The rules:

  - a resident pin's photo and thumbnail: to anyone when the pin is published; otherwise only to
    staff of the pin's municipality who may view pin photos, or to a request carrying the pin's
    tracking token (``?token=``, which the tracking page adds);
  - a walk finding's photo: to staff of the walk's municipality who may view or change finding
    photos, or, while the walk is not closed, to a request carrying the walk's join code
    (``?code=``; the code is what opens the walk's findings in the public API, whose photo links
    carry it);
  - an analysis run's raster: to staff of the run's municipality who may view analysis runs;
  - a digital walk's photo: to anyone once its feature is published; otherwise only to staff of
    the campaign's municipality who may view its photos.

  Refusals are 404, so a file's existence is not disclosed.
* **As what.** The content type comes from the file's first bytes, never from its name, and
  from an allow-list: JPEG, PNG and WebP are served inline as ``image/jpeg``, ``image/png``,
  ``image/webp``; anything else (a GeoTIFF, an unknown file) as ``application/octet-stream``
  with ``Content-Disposition: attachment``. Every answer carries ``X-Content-Type-Options:
  nosniff`` and ``Content-Security-Policy: sandbox; default-src 'none'`` (which
  `gis.middleware.ContentSecurityPolicyMiddleware` keeps), so even a file that a browser chose
  to render could run nothing and reach nothing.

The view is a plain Django view: `gis.ratelimit` counts it against the page limits by address.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.apps import apps
from django.conf import settings
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from gis.core import tenancy

CSP = "sandbox; default-src 'none'"
ATTACHMENT = "application/octet-stream"
# The allow-list of types served inline: (first bytes, content type).
INLINE_TYPES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def content_type_of(head: bytes) -> tuple[str, bool]:
    """The content type to serve a file with, from its first bytes, and whether it is inline.

    Only JPEG, PNG and WebP are inline images; everything else is an attachment of type
    ``application/octet-stream`` (GeoTIFF rasters included).
    """
    for magic, content_type in INLINE_TYPES:
        if head.startswith(magic):
            return content_type, True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", True
    return ATTACHMENT, False


def media_prefix() -> str:
    """MEDIA_URL's path without slashes at either end (the URL pattern's prefix)."""
    return urlsplit(settings.MEDIA_URL).path.strip("/")


def resolve(name: str) -> Path | None:
    """The regular file `name` names inside MEDIA_ROOT, or None if it is outside, odd or absent."""
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts) or "\\" in name or "\0" in name:
        return None
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        path = root.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


# --- who may see a file --------------------------------------------------------------------

Rule = Callable[[HttpRequest, models.Model], bool]


def staff_may_view(user, municipality_id: int, *permissions: str) -> bool:
    """Whether `user` is active staff of the municipality holding one of `permissions`."""
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        return False
    ids = tenancy.municipality_ids(user)
    if ids is not None and municipality_id not in ids:
        return False
    return any(user.has_perm(permission) for permission in permissions)


def _given(request: HttpRequest, key: str, secret: str, *, upper: bool = False) -> bool:
    """Whether the query parameter `key` is `secret` (join codes are typed in any case)."""
    value = request.GET.get(key, "")
    value = value.upper() if upper else value
    return bool(value) and bool(secret) and constant_time_compare(value, secret)


def _pin_photo(request: HttpRequest, photo) -> bool:
    pin = photo.pin
    if pin.published or _given(request, "token", pin.tracking_token):
        return True
    return staff_may_view(request.user, pin.municipality_id, "walks.view_pinphoto")


def _finding_photo(request: HttpRequest, photo) -> bool:
    walk = photo.finding.walk
    is_open = walk.status != walk.Status.CLOSED  # a closed walk's code opens nothing
    if is_open and _given(request, "code", walk.join_code, upper=True):
        return True
    return staff_may_view(
        request.user,
        photo.finding.municipality_id,
        "walks.view_findingphoto",
        "walks.change_findingphoto",
    )


def _campaign_photo(request: HttpRequest, photo) -> bool:
    feature = photo.feature
    if feature.status == "published":
        return True
    return staff_may_view(
        request.user, feature.response.campaign.municipality_id, "campaigns.view_campaignphoto"
    )


def _analysis_run(request: HttpRequest, run) -> bool:
    return staff_may_view(request.user, run.municipality_id, "hotspots.view_analysisrun")


# Access rules by model label; a model with a file field but no rule is never served.
RULES: dict[str, Rule] = {
    "walks.pinphoto": _pin_photo,
    "walks.findingphoto": _finding_photo,
    "hotspots.analysisrun": _analysis_run,
    "campaigns.campaignphoto": _campaign_photo,
}


@cache
def file_fields() -> tuple[tuple[type[models.Model], str], ...]:
    """(model, field name) of every file field (FileField, ImageField) of every model."""
    return tuple(
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    )


def referenced_files() -> set[str]:
    """Every file name (relative to MEDIA_ROOT) that a record's file field holds: the files that
    belong to records. The rest is served to nobody (see `owner_of`) and swept
    (gis.media_sweep)."""
    names: set[str] = set()
    for model, field in file_fields():
        names.update(
            model._default_manager.exclude(**{field: ""})
            .exclude(**{f"{field}__isnull": True})
            .values_list(field, flat=True)
        )
    return names


def owner_of(name: str) -> models.Model | None:
    """The record whose file field names the file `name` (relative to MEDIA_ROOT), if any."""
    for model, field in file_fields():
        record = model._default_manager.filter(**{field: name}).first()
        if record is not None:
            return record
    return None


def may_see(request: HttpRequest, record: models.Model) -> bool:
    """Whether the request may have the file of `record` (see the module's rules)."""
    rule = RULES.get(record._meta.label_lower)
    return rule is not None and rule(request, record)


def url_with(url: str, **query: str) -> str:
    """A media URL with the key that opens it (``token=`` or ``code=``) appended."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"


@require_safe
def serve(request: HttpRequest, name: str) -> HttpResponse:
    """Serve the uploaded file `name` (under MEDIA_ROOT) to whoever may see it, else 404."""
    path = resolve(name)
    record = owner_of(name) if path is not None else None
    if record is None or not may_see(request, record):
        raise Http404("no such file")
    with path.open("rb") as head:
        content_type, inline = content_type_of(head.read(16))
    filename = os.path.basename(name)
    response: HttpResponse
    if request.method == "HEAD":  # the headers only; no file is left open
        response = HttpResponse(content_type=content_type)
        response["Content-Length"] = str(path.stat().st_size)
        response["Content-Disposition"] = content_disposition_header(not inline, filename)
    else:
        response = FileResponse(
            path.open("rb"), content_type=content_type, as_attachment=not inline, filename=filename
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CSP
    response["Cache-Control"] = "private, no-store"
    if getattr(record, "pin", None) is not None and record.pin.published:
        response["Cache-Control"] = "private, max-age=3600"
    return response
