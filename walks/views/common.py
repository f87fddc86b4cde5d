"""Helpers shared by the API views: idempotent creation, area checks and photo storage."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, AllowAny

from gis.core import conf
from gis.core.api import limits
from gis.core.api.params import reject_null_path_parts
from gis.core.api.schema import ApiSchema
from gis.core.geometry import validate_geometry
from gis.core.throttles import ReadThrottle, WriteThrottle
from walks.photos import Photo, PhotoError, inspect_photo, process_photo

M = TypeVar("M", bound=models.Model)


class PublicEndpoint:
    """Anonymous access without session authentication (so no CSRF token is needed and a
    queued upload replayed hours later still goes through).

    The API has no language prefix, so messages follow the client's language cookie or
    Accept-Language header (Swedish by default) rather than the site's default language.
    Reads and writes are rate-limited by address unless a view names its own limits
    (gis.core.throttles). Bodies are capped (gis.core.api.limits): by their length before the
    limits count the request, by their content after.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ReadThrottle, WriteThrottle]
    schema = ApiSchema()

    def initial(self, request, *args, **kwargs):
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        limits.check_length(request)
        super().initial(request, *args, **kwargs)
        reject_null_path_parts(kwargs)
        if request.method not in SAFE_METHODS:
            limits.parsed_data(request)


def create_once(model: type[M], client_uuid: uuid.UUID, create: Callable[[], M]) -> tuple[M, bool]:
    """Create a record with this `client_uuid`, or return the one stored meanwhile.

    Callers look for an existing record first (a replay is answered without writing).
    `create` saves the record (and its children) inside one transaction. Two concurrent
    requests with the same id both reach the database's unique constraint: the loser's
    IntegrityError rolls back its transaction and the winner's row is returned.
    Returns (record, created).
    """
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        existing = model.objects.filter(client_uuid=client_uuid).first()
        if existing is None:
            raise
        return existing, False


def check_inside(geom, municipality, field: str = "geometry") -> None:
    """Raise a DRF ValidationError naming `field` when `geom` lies outside the municipality."""
    try:
        validate_geometry(geom, field=field, boundary=municipality.boundary)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.message_dict) from None


def _limits() -> dict[str, int]:
    return {
        "max_bytes": int(conf.setting("TRYGG_PHOTO_MAX_BYTES")),
        "max_pixels": int(conf.setting("TRYGG_PHOTO_MAX_PIXELS")),
        "max_side": int(conf.setting("TRYGG_PHOTO_MAX_SIDE")),
    }


def read_photo(upload, field: str = "photo") -> Photo:
    """Validate and re-encode an uploaded file; a DRF ValidationError names `field` if refused."""
    if upload is None or not hasattr(upload, "read"):
        raise serializers.ValidationError({field: [_("No file was submitted.")]})
    limits = _limits()
    try:
        return process_photo(
            upload,
            **limits,
            stored_side=int(conf.setting("TRYGG_PHOTO_STORED_SIDE")),
            thumb_side=int(conf.setting("TRYGG_PHOTO_THUMB_SIDE")),
        )
    except PhotoError as error:
        raise serializers.ValidationError({field: [str(error)]}) from None


def photo_gps(upload, field: str = "photo") -> tuple[float, float] | None:
    """The GPS position of an uploaded photo (nothing is stored); errors name `field`."""
    if upload is None or not hasattr(upload, "read"):
        raise serializers.ValidationError({field: [_("No file was submitted.")]})
    try:
        return inspect_photo(upload, **_limits())
    except PhotoError as error:
        raise serializers.ValidationError({field: [str(error)]}) from None


def attach_photo(instance, photo: Photo) -> None:
    """Store a re-encoded photo on a FindingPhoto/PinPhoto under random file names."""
    name = uuid.uuid4().hex
    instance.image.save(f"{name}.jpg", ContentFile(photo.image), save=False)
    instance.thumbnail.save(f"{name}-thumb.jpg", ContentFile(photo.thumbnail), save=False)
    instance.save()
