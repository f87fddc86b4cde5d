"""Photo intake: validate an upload as an image, read its GPS, re-encode it without metadata.

The upload is judged by its content, never by its name or declared type: only Pillow's JPEG,
PNG and WebP decoders are tried, its dimensions are checked from the header before any pixel
is decoded (which refuses decompression bombs), and the pixels must then decode. JPEGs are
decoded reduced (libjpeg's draft scales); PNG and WebP have no reduced decode, so every pixel
of theirs would be decoded, and they get the lower cap `max_full_decode_pixels`
(`TRYGG_PHOTO_MAX_PIXELS_FULL_DECODE`): a 7 KB PNG of 7,700 x 7,700 pixels is refused from its
header instead of costing seconds and most of a gigabyte. The stored
image is a fresh JPEG built from the pixels only, so EXIF (GPS position, device make and model,
time), comments, trailing bytes (a polyglot's script or archive) and any other metadata are
gone; the GPS position is read first so that it can be offered as the location. Damaged
metadata never refuses a photo: it only means no position and no rotation.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "MPO"})
# The decoders tried on an upload (the JPEG decoder also opens MPO, a phone's multi-picture JPEG).
DECODERS = ("JPEG", "PNG", "WEBP")
# Formats whose decoder can decode at a reduced scale (Pillow's `draft`).
REDUCED_DECODE = frozenset({"JPEG", "MPO"})
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


@contextmanager
def _untrusted_decoding() -> Iterator[None]:
    """Pillow's warnings while decoding an upload: a decompression bomb's warning is an error
    (refused below), Pillow's complaints about damaged metadata are ignored (it is dropped)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _full_decode_cap(value: int | None) -> int:
    if value is None:
        from gis.core import conf

        value = int(conf.setting("TRYGG_PHOTO_MAX_PIXELS_FULL_DECODE"))
    if value <= 0:
        raise ValueError(f"max_full_decode_pixels must be > 0, got {value}")
    return value


def _open_checked(
    data: bytes, max_pixels: int, max_side: int, max_full_decode_pixels: int
) -> Image.Image:
    """Open (header only) and refuse non-images, other formats and oversized dimensions; a
    format without a reduced decode has the lower pixel cap."""
    try:
        image = Image.open(io.BytesIO(data), formats=DECODERS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(_("The image has too many pixels.")) from None
    except Exception:  # whatever a decoder raises on hostile bytes means "not an image"
        raise PhotoError(_("The file is not an image (JPEG, PNG or WebP).")) from None
    if image.format not in ACCEPTED_FORMATS:
        raise PhotoError(_("The file is not an image (JPEG, PNG or WebP)."))
    width, height = image.size
    if width <= 0 or height <= 0 or max(width, height) > max_side:
        raise PhotoError(
            _("The image is too large: %(width)d × %(height)d pixels.")
            % {"width": width, "height": height}
        )
    cap = max_pixels if image.format in REDUCED_DECODE else min(max_pixels, max_full_decode_pixels)
    if width * height > cap:
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
    except Exception:  # absent or damaged EXIF (any parser error) means no position
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or (lat == 0.0 and lon == 0.0):
        return None
    return round(lat, 7), round(lon, 7)


def _decode_reduced(image: Image.Image, side: int) -> None:
    """Decode the pixels, a JPEG at the smallest of 1/2, 1/4, 1/8 scale that still covers
    `side` on its longest side (libjpeg's draft mode: less memory and time for big photos)."""
    width, height = image.size
    scale = min(1.0, side / max(width, height))
    image.draft(None, (math.ceil(width * scale), math.ceil(height * scale)))
    image.load()


def _upright_rgb(image: Image.Image) -> Image.Image:
    """The decoded image turned as its EXIF says (unturned if that is damaged), in RGB or L,
    transparent pixels on white."""
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:  # damaged EXIF orientation: keep the pixels as they are
        upright = image
    if upright.mode in ("RGB", "L"):
        return upright
    background = Image.new("RGB", upright.size, "white")
    rgba = upright.convert("RGBA")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _jpeg(image: Image.Image, side: int) -> bytes:
    """The pixels as a JPEG of at most `side` px; nothing of `info` (Pillow would carry the
    original's comment over, and with it whatever a polyglot hid there)."""
    copy = image.copy()
    copy.info = {}
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
    max_full_decode_pixels: int | None = None,
) -> tuple[float, float] | None:
    """Validate an upload as an image and return its EXIF GPS position without keeping it.

    Parameters
    ----------
    upload
        The raw bytes, or a binary file object positioned at the start.
    max_bytes, max_pixels, max_side
        Limits: file size in bytes, width × height in pixels, longest side in pixels.
    max_full_decode_pixels
        Pixel cap of PNG and WebP (no reduced decode); default
        `TRYGG_PHOTO_MAX_PIXELS_FULL_DECODE`.

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
    full_decode = _full_decode_cap(max_full_decode_pixels)
    data = _read_all(upload, max_bytes)
    with _untrusted_decoding():
        return read_gps(_open_checked(data, max_pixels, max_side, full_decode))


def process_photo(
    upload: bytes | BinaryIO,
    *,
    max_bytes: int,
    max_pixels: int,
    max_side: int,
    stored_side: int = 2048,
    thumb_side: int = 320,
    max_full_decode_pixels: int | None = None,
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
    max_full_decode_pixels
        Pixel cap of PNG and WebP, which are decoded in full (JPEGs are decoded reduced, to
        just cover `stored_side`); default `TRYGG_PHOTO_MAX_PIXELS_FULL_DECODE`.

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
    full_decode = _full_decode_cap(max_full_decode_pixels)
    data = _read_all(upload, max_bytes)
    with _untrusted_decoding():
        image = _open_checked(data, max_pixels, max_side, full_decode)
        try:
            image.verify()
            image = _open_checked(data, max_pixels, max_side, full_decode)
            gps = read_gps(image)
            _decode_reduced(image, stored_side)
            upright = _upright_rgb(image)
        except PhotoError:
            raise
        except Exception:  # whatever a decoder raises on damaged pixel data
            raise PhotoError(_("The image is damaged and cannot be read.")) from None
    stored = _jpeg(upright, stored_side)
    thumbnail = _jpeg(upright, thumb_side)
    width, height = Image.open(io.BytesIO(stored)).size
    return Photo(image=stored, thumbnail=thumbnail, width=width, height=height, gps=gps)
