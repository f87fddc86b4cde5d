"""Photo intake: validate an upload as an image, read its GPS, re-encode it without metadata.

The upload is judged by its content, never by its name: Pillow must recognise it as JPEG, PNG
or WebP, its dimensions are checked from the header before any pixel is decoded (which refuses
decompression bombs), and the pixels must then decode. The stored image is a fresh JPEG built
from the pixels only, so EXIF (GPS position, device make and model, time) and any other
metadata is gone; the GPS position is read first so that it can be offered as the location.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "MPO"})
JPEG_QUALITY = 85


class PhotoError(ValueError):
    """An upload refused as a photo; the message is safe to show to the person uploading."""


@dataclass(frozen=True)
class Photo:
    """A re-encoded photo: JPEG bytes of the image and its thumbnail, and where it was taken.

    `gps` is (latitude, longitude) in WGS 84 degrees read from the original EXIF, or None.
    """

    image: bytes
    thumbnail: bytes
    width: int
    height: int
    gps: tuple[float, float] | None


def _check_limits(max_bytes: int, max_pixels: int, max_side: int) -> None:
    for label, value in (("max_bytes", max_bytes), ("max_pixels", max_pixels)):
        if value <= 0:
            raise ValueError(f"{label} must be > 0, got {value}")
    if max_side <= 0:
        raise ValueError(f"max_side must be > 0 px, got {max_side}")


def _open_checked(data: bytes, max_pixels: int, max_side: int) -> Image.Image:
    """Open (header only) and refuse non-images, other formats and oversized dimensions."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(_("The image has too many pixels.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoError(_("The file is not an image (JPEG, PNG or WebP).")) from None
    if image.format not in ACCEPTED_FORMATS:
        raise PhotoError(_("The file is not an image (JPEG, PNG or WebP)."))
    width, height = image.size
    if width <= 0 or height <= 0 or max(width, height) > max_side:
        raise PhotoError(
            _("The image is too large: %(width)d × %(height)d pixels.")
            % {"width": width, "height": height}
        )
    if width * height > max_pixels:
        raise PhotoError(_("The image has too many pixels."))
    return image


def _dms_to_degrees(value, ref: str) -> float:
    degrees, minutes, seconds = (float(part) for part in value)
    result = degrees + minutes / 60.0 + seconds / 3600.0
    return -result if str(ref).upper() in {"S", "W"} else result


def read_gps(image: Image.Image) -> tuple[float, float] | None:
    """The (latitude, longitude) in WGS 84 degrees from an image's EXIF GPS block, or None.

    Parameters
    ----------
    image
        An opened Pillow image (the original, before re-encoding).

    Returns
    -------
    tuple of float or None
        Latitude and longitude in degrees; None when absent, malformed or out of range.
    """
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        lat = _dms_to_degrees(gps[ExifTags.GPS.GPSLatitude], gps[ExifTags.GPS.GPSLatitudeRef])
        lon = _dms_to_degrees(gps[ExifTags.GPS.GPSLongitude], gps[ExifTags.GPS.GPSLongitudeRef])
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError, OSError):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or (lat == 0.0 and lon == 0.0):
        return None
    return round(lat, 7), round(lon, 7)


def _jpeg(image: Image.Image, side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _read_all(upload: bytes | BinaryIO, max_bytes: int) -> bytes:
    is_bytes = isinstance(upload, bytes | bytearray)
    data = bytes(upload) if is_bytes else upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        size = f"{max_bytes / 2**20:.1f} MB" if max_bytes >= 2**20 else f"{max_bytes / 1024:.0f} kB"
        raise PhotoError(_("The file is larger than %(size)s.") % {"size": size})
    if not data:
        raise PhotoError(_("The file is empty."))
    return data


def inspect_photo(
    upload: bytes | BinaryIO,
    *,
    max_bytes: int,
    max_pixels: int,
    max_side: int,
) -> tuple[float, float] | None:
    """Validate an upload as an image and return its EXIF GPS position without keeping it.

    Parameters
    ----------
    upload
        The raw bytes, or a binary file object positioned at the start.
    max_bytes, max_pixels, max_side
        Limits: file size in bytes, width × height in pixels, longest side in pixels.

    Returns
    -------
    tuple of float or None
        (latitude, longitude) in WGS 84 degrees, or None when the photo has no position.

    Raises
    ------
    PhotoError
        When the upload is not an acceptable image (message safe to show).
    """
    _check_limits(max_bytes, max_pixels, max_side)
    data = _read_all(upload, max_bytes)
    image = _open_checked(data, max_pixels, max_side)
    return read_gps(image)


def process_photo(
    upload: bytes | BinaryIO,
    *,
    max_bytes: int,
    max_pixels: int,
    max_side: int,
    stored_side: int = 2048,
    thumb_side: int = 320,
) -> Photo:
    """Validate an upload as an image and re-encode it as JPEG without any metadata.

    Parameters
    ----------
    upload
        The raw bytes, or a binary file object positioned at the start.
    max_bytes, max_pixels, max_side
        Limits: file size in bytes, width × height in pixels, longest side in pixels.
    stored_side, thumb_side
        Longest side in pixels of the stored image and of the thumbnail (never enlarged).

    Returns
    -------
    Photo
        JPEG bytes of the image (EXIF orientation applied, then all metadata dropped) and the
        thumbnail, the stored size in pixels, and the original GPS position if any.

    Raises
    ------
    PhotoError
        When the upload is not an acceptable image (message safe to show).
    ValueError
        When a limit is not positive.
    """
    _check_limits(max_bytes, max_pixels, max_side)
    for label, value in (("stored_side", stored_side), ("thumb_side", thumb_side)):
        if value <= 0:
            raise ValueError(f"{label} must be > 0 px, got {value}")
    data = _read_all(upload, max_bytes)
    image = _open_checked(data, max_pixels, max_side)
    try:
        image.verify()
        image = _open_checked(data, max_pixels, max_side)
        gps = read_gps(image)
        image.load()
        upright = ImageOps.exif_transpose(image)
        if upright.mode not in ("RGB", "L"):
            background = Image.new("RGB", upright.size, "white")
            rgba = upright.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            upright = background
    except PhotoError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoError(_("The image is damaged and cannot be read.")) from None
    stored = _jpeg(upright, stored_side)
    thumbnail = _jpeg(upright, thumb_side)
    width, height = Image.open(io.BytesIO(stored)).size
    return Photo(image=stored, thumbnail=thumbnail, width=width, height=height, gps=gps)
