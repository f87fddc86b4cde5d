"""Content checks of uploaded files: judged by their bytes, never by their name or declared type.

* :func:`check_json_depth` and :func:`check_xml_depth` refuse JSON and XML nested deeper than a
  limit *before* a parser sees them, so no recursive parser (Python's ``json``, a GeoJSON walker,
  an XML tree builder) can run out of stack on a hostile file; XML with a document type
  declaration (entity tricks) is refused too. Every nested text Trygg parses from a person (route
  text, route files, GPX) goes through them; the public API's JSON bodies have their own cap
  (``gis.core.api.limits``).
* :func:`validate_geotiff` accepts a raster only when rasterio opens it as a GeoTIFF with a
  coordinate reference system: an HTML page or script named ``.tif`` is refused.

Photos are checked (and re-encoded) by ``walks.photos``; what the media view serves is decided
by ``gis.media``.
"""

from __future__ import annotations

import re
import warnings
import xml.parsers.expat
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gis.core.lazy import lazy_module

np = lazy_module("numpy")

# A JSON string (with its escapes); its brackets are text, not nesting.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _OPEN | _CLOSE)


class NestingError(ValueError):
    """A document nested deeper than allowed (or, for XML, with a DTD); the message is safe to
    show to the person who sent it."""


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text, read without parsing it.

    Strings are taken out first (a bracket in a string is not nesting); malformed text gets a
    number too, and the parser refuses it afterwards. Linear in the size (numpy), whatever the
    nesting: a file of a million brackets is measured in milliseconds.
    """
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where(np.isin(codes, list(_OPEN)), 1, -1).astype(np.int64)
    return int(np.cumsum(steps).max())


def check_json_depth(data: bytes, limit: int) -> None:
    """Raise `NestingError` when JSON text nests arrays and objects more than `limit` deep."""
    if json_depth(data) > limit:
        raise NestingError(
            _("The JSON is nested too deeply (at most %(limit)d levels).") % {"limit": limit}
        )


class _TooDeepError(Exception):
    pass


class _DoctypeError(Exception):
    pass


def check_xml_depth(data: bytes, limit: int) -> None:
    """Raise `NestingError` when XML nests elements more than `limit` deep or declares a DTD.

    Expat reads the document as a stream (no tree, no recursion) and stops at the first element
    past the limit. Malformed XML passes here: the real parser refuses it with its own message.
    """
    depth = 0

    def start(_name, _attributes) -> None:
        nonlocal depth
        depth += 1
        if depth > limit:
            raise _TooDeepError

    def end(_name) -> None:
        nonlocal depth
        depth -= 1

    def doctype(*_args) -> None:
        raise _DoctypeError

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except _TooDeepError:
        raise NestingError(
            _("The XML is nested too deeply (at most %(limit)d levels).") % {"limit": limit}
        ) from None
    except _DoctypeError:
        raise NestingError(_("The XML must not have a document type declaration.")) from None
    except xml.parsers.expat.ExpatError:
        return


def validate_geotiff(upload: BinaryIO) -> None:
    """A Django validator: the upload must be a GeoTIFF that rasterio opens, with a CRS.

    Reads the file from its start and leaves it there. Raises `ValidationError` otherwise
    (an HTML page, a script or an image named ``.tif`` are not rasters).
    """
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioError
    from rasterio.io import MemoryFile

    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not data.startswith((b"II*\0", b"MM\0*", b"II+\0", b"MM\0+")):
        raise ValidationError(_("The file is not a GeoTIFF."), code="not_geotiff")
    with warnings.catch_warnings():  # a plain TIFF is refused below, not warned about
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        try:
            with (
                rasterio.Env(GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR"),
                MemoryFile(data) as memory,
                memory.open() as dataset,
            ):
                ok = dataset.driver == "GTiff" and dataset.crs is not None and dataset.count > 0
        except (RasterioError, ValueError):
            ok = False
    if not ok:
        raise ValidationError(_("The file is not a GeoTIFF."), code="not_geotiff")
