"""Photo intake (`walks.photos`): content-based validation, bombs and huge dimensions refused,
EXIF (GPS, device) stripped after its position is read, re-encoding and thumbnails."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.trust._hostile_files import png_header_only
from tests.walks.conftest import exif_with_gps, jpeg_bytes
from walks.photos import PhotoError, inspect_photo, process_photo

LIMITS = {"max_bytes": 5_000_000, "max_pixels": 40_000_000, "max_side": 10_000}


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def test_reencoded_without_metadata_and_gps_offered():
    data = jpeg_bytes(size=(3000, 2000), exif=exif_with_gps(60.1699, 24.9384))
    photo = process_photo(data, **LIMITS, stored_side=1024, thumb_side=200)
    assert photo.gps == pytest.approx((60.1699, 24.9384), abs=1e-5)
    assert (photo.width, photo.height) == (1024, 683)
    with Image.open(io.BytesIO(photo.image)) as image:
        assert image.format == "JPEG" and not dict(image.getexif())
        assert "exif" not in image.info
    for blob in (photo.image, photo.thumbnail):
        assert b"SecretPhone" not in blob and b"PhoneMaker" not in blob and b"GPS" not in blob
    with Image.open(io.BytesIO(photo.thumbnail)) as thumbnail:
        assert max(thumbnail.size) == 200


def test_orientation_is_applied_before_stripping():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    photo = process_photo(jpeg_bytes(size=(400, 200), exif=exif), **LIMITS)
    assert (photo.width, photo.height) == (200, 400)
    assert photo.gps is None


def test_png_with_transparency_becomes_jpeg():
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 255, 0)).save(out, format="PNG")
    photo = process_photo(out.getvalue(), **LIMITS)
    with Image.open(io.BytesIO(photo.image)) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert image.getpixel((10, 10))[0] > 240  # transparent pixels on white


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03 a windows program",
        b"%PDF-1.7 a document",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"GIF89a" + b"\0" * 20,
    ],
)
def test_non_images_are_refused_whatever_their_name(data):
    with pytest.raises(PhotoError, match="not an image"):
        process_photo(io.BytesIO(data), **LIMITS)


def test_gif_is_not_accepted():
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, format="GIF")
    with pytest.raises(PhotoError, match="not an image"):
        process_photo(out.getvalue(), **LIMITS)


def test_decompression_bomb_is_refused_from_the_header():
    bomb = png_header_only(100_000, 100_000)
    assert len(bomb) < 200
    with pytest.raises(PhotoError, match="too many pixels"):
        process_photo(bomb, **LIMITS)


def test_pillow_bomb_warning_zone_is_refused_too():
    side = int((Image.MAX_IMAGE_PIXELS * 1.5) ** 0.5)
    with pytest.raises(PhotoError, match="too many pixels"):
        process_photo(
            png_header_only(side, side), **{**LIMITS, "max_pixels": 10**12, "max_side": 10**6}
        )


def test_our_pixel_cap_is_below_pillows():
    with pytest.raises(PhotoError, match="too many pixels"):
        process_photo(png_header_only(8000, 8000), **LIMITS)


def test_huge_dimensions_are_refused():
    with pytest.raises(PhotoError, match="too large: 30000 × 2"):
        process_photo(png_header_only(30_000, 2), **LIMITS)


def test_byte_cap():
    data = jpeg_bytes(size=(1000, 1000))
    with pytest.raises(PhotoError, match="larger than"):
        process_photo(io.BytesIO(data), **{**LIMITS, "max_bytes": len(data) - 1})
    process_photo(io.BytesIO(data), **{**LIMITS, "max_bytes": len(data)})


def test_truncated_image_is_refused():
    data = jpeg_bytes(size=(800, 600))
    with pytest.raises(PhotoError):
        process_photo(data[: len(data) // 2], **LIMITS)


def test_empty_file():
    with pytest.raises(PhotoError, match="empty"):
        process_photo(b"", **LIMITS)


def test_inspect_offers_gps_without_reencoding():
    assert inspect_photo(jpeg_bytes(exif=exif_with_gps(-33.5, -70.25)), **LIMITS) == pytest.approx(
        (-33.5, -70.25), abs=1e-5
    )
    assert inspect_photo(jpeg_bytes(), **LIMITS) is None


@pytest.mark.parametrize(
    ("name", "value"),
    [("max_bytes", 0), ("max_pixels", -1), ("max_side", 0), ("stored_side", 0), ("thumb_side", -5)],
)
def test_bad_limits_raise_value_error_naming_the_parameter(name, value):
    with pytest.raises(ValueError, match=name):
        process_photo(jpeg_bytes(), **{**LIMITS, name: value})
