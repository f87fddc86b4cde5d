"""Where a record lies, and the traps of a real file: coordinates from columns (lon/lat
degrees, x/y in a projected CRS, WKT) or the file's geometry, transformed into the storage CRS
(metres); and, checked on the first chunk before anything is written, latitude and longitude
swapped, a projected file read as degrees, degrees read as a projected CRS, and a file that
lies wholly elsewhere. Each trap is an ImportFileError of one line. Pure: pyproj and shapely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gis.core.lazy import lazy_module

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

from layers.imports import ImportFileError
from layers.imports.columns import is_blank, parse_number
from layers.imports.reading import GEOMETRY

# Imported on first use: the web process imports this module at boot (the import page).
np = lazy_module("numpy")
pyproj = lazy_module("pyproj")
shapely = lazy_module("shapely")

WGS84 = "EPSG:4326"


def crs_label(crs: str | None) -> str:
    """ "EPSG:N" for a CRS with an EPSG code, else its name (for messages and batches)."""
    if not crs:
        return ""
    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:
        return str(crs)[:60]
    code = parsed.to_epsg()
    return f"EPSG:{code}" if code else parsed.name[:60]


def parse_crs(option: str | None) -> pyproj.CRS | None:
    """The CRS that ``--crs`` names (EPSG:N or N), or None; an ImportFileError if unknown."""
    if not option:
        return None
    text = option.strip()
    try:
        return pyproj.CRS.from_user_input(f"EPSG:{text}" if text.isdigit() else text)
    except pyproj.exceptions.CRSError:
        raise ImportFileError(f"--crs must be a CRS such as EPSG:3008, got {option!r}") from None


@dataclass
class Locator:
    """Turns a record into a geometry in the storage CRS.

    `columns` holds which columns carry the location: "lon"/"lat", "x"/"y" or "wkt" (field →
    column); when empty the record's GEOMETRY (WKB from a GDAL file) is used. `crs` is the
    coordinates' CRS."""

    crs: pyproj.CRS
    storage_srid: int
    columns: dict[str, str]

    def __post_init__(self) -> None:
        storage = pyproj.CRS.from_epsg(self.storage_srid)
        self._to_storage = pyproj.Transformer.from_crs(self.crs, storage, always_xy=True)

    @property
    def geographic(self) -> bool:
        return self.crs.is_geographic

    def raw(self, record: dict) -> BaseGeometry:
        """The record's geometry in its own CRS; ValueError for a missing or bad one."""
        if "lon" in self.columns or "x" in self.columns:
            xcol = self.columns.get("lon") or self.columns["x"]
            ycol = self.columns.get("lat") or self.columns["y"]
            x, y = record.get(xcol), record.get(ycol)
            if is_blank(x) or is_blank(y):
                raise ValueError("no coordinates")
            return shapely.Point(parse_number(x), parse_number(y))
        if "wkt" in self.columns:
            text = record.get(self.columns["wkt"])
            if is_blank(text):
                raise ValueError("no geometry")
            try:
                return shapely.from_wkt(str(text))
            except shapely.errors.GEOSException:
                raise ValueError("the WKT geometry cannot be read") from None
        wkb = record.get(GEOMETRY)
        if wkb is None:
            raise ValueError("no geometry")
        return shapely.from_wkb(wkb)

    def geometry(self, record: dict) -> BaseGeometry:
        """The record's geometry in the storage CRS (metres); ValueError for a bad one."""
        raw = self.raw(record)
        if raw.is_empty:
            raise ValueError("empty geometry")
        if self.geographic:
            self._check_degrees(raw)
        projected = shapely.transform(raw, self._transform, interleaved=False)
        if not shapely.is_valid(projected) and projected.geom_type in {"Polygon", "MultiPolygon"}:
            projected = shapely.make_valid(projected)
        return projected

    def geometries(self, records: list[dict]) -> np.ndarray:
        """The records' geometries in the storage CRS, computed for the whole chunk at once
        (one transformation of all coordinates); None where a record is not plainly good
        (no or bad coordinates, empty, not degrees, an invalid polygon), so that the caller
        asks :meth:`geometry` for that record's exact reason. What is not None equals what
        :meth:`geometry` returns for the record."""
        n = len(records)
        out = np.full(n, None, dtype=object)
        if n == 0 or "wkt" in self.columns:  # WKT is rare and small: record by record
            return out
        try:
            raws = self._raws(records)
        except shapely.errors.GEOSException:
            return out
        ok = ~shapely.is_missing(raws)
        ok &= ~shapely.is_empty(raws)
        if self.geographic and ok.any():
            xmin, ymin, xmax, ymax = shapely.bounds(raws[ok]).T
            degrees = (
                (np.minimum(xmin, ymin) >= -180)
                & (np.maximum(xmax, ymax) <= 180)
                & (np.maximum(np.abs(ymin), np.abs(ymax)) <= 90)
            )
            ok[np.flatnonzero(ok)[~degrees]] = False
        if not ok.any():
            return out
        located = raws[ok]
        if (shapely.get_type_id(located) == 0).all() and not shapely.has_z(located).any():
            # Points (the large files: lamps, readings): transform their x and y and make new
            # points, the same coordinates as shapely.transform gives, without its overhead.
            xy = shapely.get_coordinates(located)
            projected = shapely.points(*self._transform(xy[:, 0], xy[:, 1]))
        else:
            projected = shapely.transform(located, self._transform, interleaved=False)
        polygonal = np.isin(shapely.get_type_id(projected), (3, 6))
        plain = ~polygonal | shapely.is_valid(projected)
        out[np.flatnonzero(ok)[plain]] = projected[plain]
        return out

    def _raws(self, records: list[dict]) -> np.ndarray:
        """As :meth:`raw` for a chunk of records, without WKT: None where a record has no or
        bad coordinates; a GEOSException when a WKB cannot be read."""
        n = len(records)
        raws = np.full(n, None, dtype=object)
        if "lon" in self.columns or "x" in self.columns:
            xcol = self.columns.get("lon") or self.columns["x"]
            ycol = self.columns.get("lat") or self.columns["y"]
            xs = _numbers([record.get(xcol) for record in records])
            ys = _numbers([record.get(ycol) for record in records])
            ok = ~(np.isnan(xs) | np.isnan(ys))
            raws[ok] = shapely.points(xs[ok], ys[ok])
            return raws
        wkbs = np.array([record.get(GEOMETRY) for record in records], dtype=object)
        ok = np.array([wkb is not None for wkb in wkbs], dtype=bool)
        raws[ok] = shapely.from_wkb(wkbs[ok])
        return raws

    def _transform(self, x, y):
        return self._to_storage.transform(x, y)

    def _check_degrees(self, geom: BaseGeometry) -> None:
        xmin, ymin, xmax, ymax = geom.bounds
        if min(xmin, ymin) < -180 or max(xmax, ymax) > 180 or max(abs(ymin), abs(ymax)) > 90:
            raise ValueError(
                f"coordinates ({xmax:.0f}, {ymax:.0f}) are not degrees: a projected file read as "
                "longitude/latitude"
            )

    def check_sample(self, records: list[dict], boundary: BaseGeometry) -> None:
        """Refuse the file, before anything is written, when the located records of a sample
        show a trap. `boundary` is the municipality's, in the storage CRS, with its tolerance."""
        try:
            found = [] if "wkt" in self.columns else self._raws(records)
            raws = [raw for raw in found if raw is not None]
        except shapely.errors.GEOSException:
            found = []
        if not len(found):
            raws = []
            for record in records:
                try:
                    raws.append(self.raw(record))
                except ValueError:
                    continue
        raws = [raw for raw in raws if not raw.is_empty]
        if not raws:
            return
        xs, ys = _coords(raws)
        if self.geographic and (abs(xs).max() > 180 or abs(ys).max() > 90):
            raise ImportFileError(
                f"the coordinates go up to ({abs(xs).max():.0f}, {abs(ys).max():.0f}): metres, not "
                f"degrees; this is a projected file read as degrees (give --crs EPSG:N, e.g. "
                f"EPSG:3006, with --x/--y)"
            )
        inside = _inside(self._project(raws), boundary)
        if inside:
            return
        swapped = [shapely.transform(raw, lambda c: c[:, ::-1]) for raw in raws]
        if _inside(self._project(swapped), boundary) * 2 > len(raws):
            what = "latitude and longitude" if self.geographic else "x and y (east and north)"
            raise ImportFileError(
                f"{what} are swapped: no located row lies in the municipality, but they do "
                f"when swapped; give the columns the other way round"
            )
        if not self.geographic and abs(xs).max() <= 180 and abs(ys).max() <= 90:
            raise ImportFileError(
                f"the coordinates look like degrees, but the CRS is {crs_label(self.crs.srs)}; "
                f"give --lon/--lat (or --crs EPSG:4326)"
            )
        raise ImportFileError(
            f"none of the first {len(raws)} located rows lies in the municipality; check the "
            f"CRS ({crs_label(self.crs.srs)}) and the coordinate columns"
        )

    def _project(self, geoms: list[BaseGeometry]) -> list[BaseGeometry]:
        try:  # all at once; one by one only when some cannot be transformed
            return list(shapely.transform(np.array(geoms), self._transform, interleaved=False))
        except Exception:
            pass
        out = []
        for geom in geoms:
            try:
                projected = shapely.transform(geom, self._transform, interleaved=False)
            except Exception:
                continue
            out.append(projected)
        return out


def _numbers(values: list) -> np.ndarray:
    """The cells as floats, NaN where :func:`parse_number` would fail or the cell is blank."""
    fast = _plain_numbers(values)
    if fast is not None:
        return fast
    out = np.full(len(values), np.nan)
    for i, value in enumerate(values):
        if is_blank(value):
            continue
        try:
            out[i] = parse_number(value)
        except ValueError:
            continue
    return out


def _plain_numbers(values: list) -> np.ndarray | None:
    """The cells as :func:`parse_number` reads them, done for the whole column at once when
    every cell is a plain float or a text that parses (the usual file); None otherwise, and the
    caller goes cell by cell. The text's cleaning (spaces, the minus sign, a decimal comma in a
    column without points) is done on the column joined into one string."""
    if not values:
        return None
    kinds = set(map(type, values))
    try:
        if kinds <= {float, int}:
            return np.array(values, dtype=float)
        if kinds != {str}:
            return None
        text = "\n".join(values)
        text = text.replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
        if "." not in text:  # as parse_number: a comma is the decimal mark when no point is
            text = text.replace(",", ".")
        cells = text.split("\n")
        if len(cells) != len(values) or not all(cells):
            return None  # a line break inside a cell, or a blank cell
        return np.array(cells, dtype=float)
    except ValueError:
        return None


def _coords(geoms: list[BaseGeometry]):
    coords = shapely.get_coordinates(geoms)
    return coords[:, 0], coords[:, 1]


def _inside(geoms: list[BaseGeometry], boundary: BaseGeometry) -> int:
    shapely.prepare(boundary)
    count = 0
    for geom in geoms:
        coords = shapely.get_coordinates(geom)
        finite = len(coords) and bool((abs(coords) < 1e15).all())  # pyproj's inf: no place
        if finite and boundary.intersects(geom):
            count += 1
    return count
