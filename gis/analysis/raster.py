"""Raster output of density surfaces: Cloud-Optimized GeoTIFF, PNG overlay, legend, bounds.

Rasters are in the metric CRS they were computed in (e.g. EPSG:3006); only the overlay
bounds are transformed to WGS 84 (EPSG:4326) for web maps.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from os import PathLike

from PIL import Image

from gis.analysis import _validation as check
from gis.analysis.kde import DENSITY_UNITS, DensityRaster
from gis.core.lazy import lazy_attribute, lazy_module

np = lazy_module("numpy")
rasterio = lazy_module("rasterio")
Transformer = lazy_attribute("pyproj", "Transformer")
Resampling = lazy_attribute("rasterio.enums", "Resampling")

#: Yellow -> red colour ramp (ColorBrewer YlOrRd), positions in [0, 1] of the value range.
HEAT_RAMP: tuple[tuple[float, str], ...] = (
    (0.0, "#ffffb2"),
    (0.25, "#fecc5c"),
    (0.5, "#fd8d3c"),
    (0.75, "#f03b20"),
    (1.0, "#bd0026"),
)
_BLOCK = 512


def _cog_available() -> bool:
    with rasterio.Env() as env:
        return "COG" in env.drivers()


def write_cog(
    raster: DensityRaster,
    path: str | PathLike[str],
    *,
    dtype: str = "float32",
    nodata: float | None = math.nan,
) -> None:
    """Write a density raster as a Cloud-Optimized GeoTIFF (deflate, 512 px tiles, overviews).

    Uses GDAL's "COG" driver when present, otherwise a tiled GTiff with internal overviews.
    Tags: ``units``, ``kernel``, ``bandwidth_m``, ``cell_size_m``, ``n_points``, every other
    entry of ``raster.params``, and ``params_json`` (all params, for exact read-back).

    Parameters
    ----------
    raster : DensityRaster
        Surface to write; its ``crs`` string is written as the file's CRS.
    path : str or path-like
        Output file (.tif).
    dtype : str
        Storage type, "float32" (default, ~7 significant digits) or "float64".
    nodata : float or None
        Nodata value recorded in the file (NaN by default; densities are never NaN).
    """
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    rows, cols = raster.shape
    profile = {
        "width": cols,
        "height": rows,
        "count": 1,
        "dtype": dtype,
        "crs": raster.crs,
        "transform": raster.transform,
        "nodata": nodata,
        "compress": "DEFLATE",
    }
    if _cog_available():
        profile.update(driver="COG", blocksize=_BLOCK, overview_resampling="AVERAGE")
    else:  # pragma: no cover - GDAL < 3.1
        profile.update(driver="GTiff", tiled=True, blockxsize=_BLOCK, blockysize=_BLOCK)
    tags = {key: str(value) for key, value in raster.params.items()}
    tags.update(units=raster.units, params_json=json.dumps(raster.params, sort_keys=True))
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(raster.array.astype(dtype), 1)
        dst.update_tags(**tags)
        if profile["driver"] == "GTiff":  # pragma: no cover - GDAL < 3.1
            factors = [2**i for i in range(1, 12) if max(rows, cols) / 2**i >= _BLOCK / 2]
            dst.build_overviews(factors, Resampling.average)


def read_raster(path: str | PathLike[str]) -> DensityRaster:
    """Read a raster written by :func:`write_cog` back into a :class:`DensityRaster`.

    Parameters
    ----------
    path : str or path-like
        GeoTIFF file.

    Returns
    -------
    DensityRaster
        float64 values (nodata cells as NaN), transform, CRS string ("EPSG:xxxx" when
        known), params from the ``params_json`` tag (else all tags) and units.
    """
    with rasterio.open(path) as src:
        arr = src.read(1, masked=True).astype(np.float64).filled(np.nan)
        tags = src.tags()
        crs = src.crs.to_string() if src.crs else None
        transform = src.transform
    params = json.loads(tags["params_json"]) if "params_json" in tags else dict(tags)
    return DensityRaster(arr, transform, crs, params, tags.get("units", DENSITY_UNITS))


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _ramp_colours(t: np.ndarray, ramp: Sequence[tuple[float, str]]) -> np.ndarray:
    pos = np.array([p for p, _ in ramp], dtype=np.float64)
    rgb = np.array([_rgb(c) for _, c in ramp], dtype=np.float64)
    return np.stack([np.interp(t, pos, rgb[:, i]) for i in range(3)], axis=-1)


def render_png(
    raster: DensityRaster,
    *,
    vmax: float | None = None,
    ramp: Sequence[tuple[float, str]] = HEAT_RAMP,
    min_alpha: float = 0.35,
    max_alpha: float = 0.85,
) -> bytes:
    """Render a density raster to RGBA PNG bytes: transparent at zero, yellow -> red.

    Parameters
    ----------
    raster : DensityRaster
        Surface to draw; row 0 (north) becomes the top of the image.
    vmax : float, optional
        Value drawn in the last ramp colour; larger values saturate. Default: the maximum.
    ramp : sequence of (position, "#rrggbb")
        Colour stops at positions 0..1 of [0, vmax].
    min_alpha, max_alpha : float
        Opacity (0..1) of the smallest non-zero value and of ``vmax``.

    Returns
    -------
    bytes
        PNG image of ``raster.shape`` pixels.
    """
    arr = np.nan_to_num(np.asarray(raster.array, dtype=np.float64), nan=0.0)
    top = float(arr.max()) if vmax is None else check.positive("vmax", vmax, unit="")
    for name, value in (("min_alpha", min_alpha), ("max_alpha", max_alpha)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    t = np.clip(arr / top, 0.0, 1.0) if top > 0 else np.zeros_like(arr)
    rgba = np.zeros((*arr.shape, 4), dtype=np.uint8)
    rgba[..., :3] = np.rint(_ramp_colours(t, ramp)).astype(np.uint8)
    alpha = np.where(arr > 0, min_alpha + (max_alpha - min_alpha) * t, 0.0)
    rgba[..., 3] = np.rint(alpha * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def colour_legend(
    vmax: float, n: int = 5, ramp: Sequence[tuple[float, str]] = HEAT_RAMP
) -> list[tuple[float, str]]:
    """Legend entries for :func:`render_png`: ``n`` evenly spaced (value, "#rrggbb") pairs.

    Parameters
    ----------
    vmax : float
        The ``vmax`` used for rendering (the raster maximum by default), in raster units.
    n : int
        Number of entries (>= 2), from vmax / n up to vmax; zero is transparent.
    ramp : sequence of (position, "#rrggbb")

    Returns
    -------
    list of (float, str)
    """
    top = check.positive("vmax", vmax, unit="")
    if check.non_negative_int("n", n) < 2:
        raise ValueError(f"n must be >= 2, got {n}")
    fractions = np.arange(1, n + 1) / n
    colours = np.rint(_ramp_colours(fractions, ramp)).astype(int)
    return [
        (float(f * top), "#{:02x}{:02x}{:02x}".format(*c))
        for f, c in zip(fractions, colours, strict=True)
    ]


def wgs84_bounds(
    raster: DensityRaster, crs: str | None = None
) -> tuple[float, float, float, float]:
    """WGS 84 bounding box (west, south, east, north) of a raster, for a web image overlay.

    The raster edges are densified before transforming, so the box contains the whole
    raster. For folium / Leaflet use ``[[south, west], [north, east]]``; the overlay is
    stretched to that box, which is a close approximation for municipal extents.

    Parameters
    ----------
    raster : DensityRaster
    crs : str, optional
        CRS of the raster coordinates; default ``raster.crs``.

    Returns
    -------
    tuple of float
        Degrees (west, south, east, north).
    """
    source = crs or raster.crs
    if not source:
        raise ValueError("crs must be given when the raster has no crs, got None")
    transformer = Transformer.from_crs(source, "EPSG:4326", always_xy=True)
    xmin, ymin, xmax, ymax = raster.bounds
    west, south, east, north = transformer.transform_bounds(xmin, ymin, xmax, ymax, densify_pts=21)
    return float(west), float(south), float(east), float(north)
