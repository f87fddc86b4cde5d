"""Hostile uploads for the photo tests: bombs, huge dimensions, polyglots and non-images.

Every generator is deterministic (no randomness, or a seed) and returns the file's bytes.
"""

from __future__ import annotations

import io
import random
import struct
import warnings
import zipfile
import zlib

from PIL import Image

from tests.walks.conftest import exif_with_gps, jpeg_bytes

PHP_PAYLOAD = b"<?php system($_GET['cmd']); ?>"
HTML_PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + data))
    return struct.pack(">I", len(data)) + kind + data + crc


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG claiming `width` × `height` pixels (a decompression bomb's header)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _png_chunk(b"IEND", b"")
    )


def png_bytes(size=(64, 48), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode != "L" else 128).save(out, format="PNG")
    return out.getvalue()


def png_with_text(key: bytes, text: bytes) -> bytes:
    """A valid PNG carrying `text` in a tEXt chunk before IEND (e.g. a script)."""
    data = png_bytes()
    end = data.rindex(b"IEND") - 4
    return data[:end] + _png_chunk(b"tEXt", key + b"\0" + text) + data[end:]


def png_text_bomb(inflated_bytes: int = 64 * 1024 * 1024) -> bytes:
    """A PNG whose zTXt chunk inflates to `inflated_bytes` (a bomb in the metadata)."""
    data = png_bytes()
    end = data.rindex(b"IEND") - 4
    bomb = zlib.compress(b"\0" * inflated_bytes, 9)
    return data[:end] + _png_chunk(b"zTXt", b"Comment\0\0" + bomb) + data[end:]


def jpeg_with_size(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims `width` × `height` pixels."""
    data = bytearray(jpeg_bytes(size=(16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_with_comment(comment: bytes) -> bytes:
    """A valid JPEG with `comment` in a COM segment right after SOI."""
    data = jpeg_bytes(size=(32, 24))
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data[:2] + segment + data[2:]


def zip_archive(name: str = "shell.php", content: bytes = PHP_PAYLOAD) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, content)
    return out.getvalue()


def jpeg_then(payload: bytes) -> bytes:
    """A polyglot: a valid JPEG with `payload` appended after its end marker."""
    return jpeg_bytes(size=(48, 32)) + payload


def gifar() -> bytes:
    """A GIF with a Java archive appended (GIFAR): valid as both."""
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, format="GIF")
    return out.getvalue() + zip_archive("Evil.class", b"\xca\xfe\xba\xbe")


def tiff_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(out, format="TIFF")
    return out.getvalue()


def truncated_jpeg() -> bytes:
    data = jpeg_bytes(size=(800, 600))
    return data[: len(data) // 2]


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 64


def gps_jpeg(lat: float = 60.1699, lon: float = 24.9384) -> bytes:
    """A JPEG with a GPS position and a device make and model in its EXIF."""
    return jpeg_bytes(size=(64, 48), exif=exif_with_gps(lat, lon))


def mutants(seed: int, count: int) -> list[bytes]:
    """`count` damaged copies of valid JPEG (with EXIF), PNG and WebP files: bytes overwritten,
    deleted or inserted at seeded random places."""
    rng = random.Random(seed)
    webp = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(webp, format="WEBP", exif=exif_with_gps(1, 2))
    originals = [gps_jpeg(), png_bytes(mode="RGBA"), png_bytes(mode="P"), webp.getvalue()]
    result = []
    for _ in range(count):
        data = bytearray(rng.choice(originals))
        for _edit in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            roll = rng.random()
            if roll < 0.6:
                data[at] = rng.randrange(256)
            elif roll < 0.8:
                del data[at : at + rng.randint(1, 16)]
            else:
                data[at:at] = rng.randbytes(rng.randint(1, 16))
        result.append(bytes(data))
    return result


# --- files a browser would run: for the media-serving and upload-field tests ------------------

JS_PAYLOAD = b"fetch('/api/dashboard/features/resident/1/').then(r=>r.text()).then(alert);\n"
SVG_PAYLOAD = SVG_WITH_SCRIPT


def gif_then(payload: bytes) -> bytes:
    """A polyglot: a valid GIF with `payload` (e.g. HTML) after its trailer."""
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, format="GIF")
    return out.getvalue() + payload


def png_then(payload: bytes) -> bytes:
    """A polyglot: a valid PNG with `payload` after its IEND chunk."""
    return png_bytes() + payload


def tiff_then(payload: bytes) -> bytes:
    """A TIFF header (and a small image) followed by `payload`: a ".tif" that is also a page."""
    return tiff_bytes() + payload


def geotiff_bytes() -> bytes:
    """A real single-band GeoTIFF (SWEREF 99 TM) of 4 x 4 cells."""
    import numpy as np
    import rasterio
    from affine import Affine
    from rasterio.io import MemoryFile

    profile = {
        "driver": "GTiff",
        "width": 4,
        "height": 4,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:3006",
        "transform": Affine(100, 0, 670000, 0, -100, 6580000),
    }
    with warnings.catch_warnings():  # rasterio's own use of affine's deprecated `*`
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        with rasterio.Env(), MemoryFile() as memory:
            with memory.open(**profile) as dataset:
                dataset.write(np.ones((1, 4, 4), dtype="float32"))
            return memory.read()


# (label, bytes, file name): each would be run or rendered by a browser if served as it claims.
ACTIVE_CONTENT = [
    ("HTML", HTML_PAYLOAD, "page.html"),
    ("HTML named .jpg", HTML_PAYLOAD, "photo.jpg"),
    ("SVG with a script", SVG_WITH_SCRIPT, "image.svg"),
    ("JavaScript", JS_PAYLOAD, "app.js"),
    ("GIF + HTML", gif_then(HTML_PAYLOAD), "anim.gif"),
    ("JPEG + HTML", jpeg_then(HTML_PAYLOAD), "photo.jpg"),
    ("PNG + HTML", png_then(HTML_PAYLOAD), "photo.png"),
    ("TIFF + HTML named .tif", tiff_then(HTML_PAYLOAD), "raster.tif"),
    ("HTML named .tif", HTML_PAYLOAD, "raster.tif"),
]
