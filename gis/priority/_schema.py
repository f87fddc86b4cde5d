"""Column names, code lists and validation of the input frames of the prioritisation engine.

Every frame is a GeoDataFrame in one shared projected metric CRS (metres), e.g. EPSG:3006
(SWEREF 99 TM) or EPSG:3067. ``None`` stands for an empty frame. The column sets below are exactly
what the database loader produces; extra columns are kept and ignored.
"""

from __future__ import annotations

from gis.core import timeofday
from gis.core.lazy import lazy_module

gpd = lazy_module("geopandas")
pd = lazy_module("pandas")
shapely = lazy_module("shapely")

CATEGORIES: tuple[str, ...] = (
    "lighting",
    "vegetation",
    "hidden_place",
    "graffiti",
    "litter",
    "traffic",
    "gathering",
    "wayfinding",
    "other",
)
CATEGORY_DEPARTMENT: dict[str, str] = {
    "lighting": "street",
    "vegetation": "parks",
    "hidden_place": "street",
    "graffiti": "street",
    "litter": "street",
    "traffic": "police",
    "gathering": "social",
    "wayfinding": "street",
    "other": "street",
}
DEPARTMENTS: tuple[str, ...] = ("street", "parks", "property", "housing", "police", "social")
WHEN: tuple[str, ...] = timeofday.NAMES
INCIDENT_TYPES: tuple[str, ...] = (
    "vandalism",
    "graffiti",
    "glass",
    "fire",
    "gathering",
    "illegal_driving",
    "other",
)
INCIDENT_SOURCES: tuple[str, ...] = (
    "police",
    "guard",
    "night_walkers",
    "field_team",
    "housing_company",
)
LIT_VALUES: tuple[str, ...] = ("yes", "no", "24/7", "limited")
LAMP_STATUSES: tuple[str, ...] = ("working", "broken", "unknown")
VEGETATION_KINDS: tuple[str, ...] = ("tree", "scrub", "hedge")

COLUMNS: dict[str, tuple[str, ...]] = {
    "segments": ("id", "osm_id", "u", "v", "highway", "lit", "length_m"),
    "green_areas": ("id", "name"),
    "pins": ("id", "category", "when", "created_at", "votes", "status"),
    "findings": ("id", "category", "severity", "when", "created_at"),
    "incidents": ("id", "type", "source", "occurred_at"),
    "lux": ("id", "lux", "measured_at"),
    "lamps": ("id", "status"),
    "vegetation": ("id", "kind", "height_m", "blocks_sightline"),
    "cameras": ("id", "direction_deg", "fov_deg", "range_m"),
}
GEOMETRY_TYPES: dict[str, tuple[str, ...]] = {
    "segments": ("LineString",),
    "green_areas": ("Polygon", "MultiPolygon"),
    "pins": ("Point",),
    "findings": ("Point", "LineString", "Polygon", "MultiLineString", "MultiPolygon"),
    "incidents": ("Point",),
    "lux": ("Point",),
    "lamps": ("Point",),
    "vegetation": ("Point", "Polygon", "MultiPolygon"),
    "cameras": ("Point",),
}
_CODED: dict[str, dict[str, tuple[str, ...]]] = {
    "pins": {"category": CATEGORIES, "when": WHEN},
    "findings": {"category": CATEGORIES, "when": WHEN},
    "incidents": {"type": INCIDENT_TYPES, "source": INCIDENT_SOURCES},
    "lamps": {"status": LAMP_STATUSES},
    "vegetation": {"kind": VEGETATION_KINDS},
}


def empty_frame(kind: str, crs: object = None) -> gpd.GeoDataFrame:
    """An empty GeoDataFrame with the columns of input ``kind`` in ``crs``."""
    if kind not in COLUMNS:
        raise ValueError(f"kind must be one of {sorted(COLUMNS)}, got {kind!r}")
    data = {c: pd.Series([], dtype=object) for c in COLUMNS[kind]}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def check_metric_crs(crs: object, name: str) -> None:
    """Raise ValueError unless ``crs`` is a projected CRS with metre axes."""
    if crs is None:
        raise ValueError(f"{name}.crs must be a projected metric CRS, got None")
    crs = gpd.GeoSeries([], crs=crs).crs
    units = {a.unit_name for a in crs.axis_info}
    if not crs.is_projected or not units <= {"metre", "meter", "m"}:
        raise ValueError(f"{name}.crs must be a projected CRS in metres, got {crs.to_string()}")


def prepare_frame(frame: gpd.GeoDataFrame | None, kind: str, crs: object) -> gpd.GeoDataFrame:
    """Validate one input frame and return it with a fresh RangeIndex.

    Parameters
    ----------
    frame : GeoDataFrame or None
        The input; ``None`` gives an empty frame of this kind.
    kind : str
        One of the keys of ``COLUMNS``.
    crs : CRS-like
        The shared metric CRS (metres); an empty frame without CRS is given this one.

    Returns
    -------
    GeoDataFrame
        The same rows, index reset, CRS set.

    Raises
    ------
    ValueError
        Missing columns, a different CRS, wrong geometry types, unknown codes or duplicate ids.
    """
    if frame is None:
        return empty_frame(kind, crs)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ValueError(f"{kind} must be a GeoDataFrame, got {type(frame).__name__}")
    missing = [c for c in COLUMNS[kind] if c not in frame.columns]
    if missing:
        raise ValueError(f"{kind} is missing columns {missing}")
    if frame.crs is None and len(frame) == 0:
        frame = frame.set_crs(crs)
    if frame.crs != gpd.GeoSeries([], crs=crs).crs:
        raise ValueError(f"{kind}.crs must equal segments.crs ({crs}), got {frame.crs}")
    out = frame.reset_index(drop=True)
    if len(out) == 0:
        return out
    if out["id"].isna().any() or out["id"].duplicated().any():
        raise ValueError(f"{kind}.id must be unique and not null")
    geom = out.geometry.values
    present = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    types = set(shapely.get_type_id(geom[present]).tolist())
    allowed = {_TYPE_IDS[t] for t in GEOMETRY_TYPES[kind]}
    if not types <= allowed:
        raise ValueError(f"{kind}.geometry must be {'/'.join(GEOMETRY_TYPES[kind])}")
    for column, codes in _CODED.get(kind, {}).items():
        _check_codes(out[column], codes, f"{kind}.{column}")
    return out


def _check_codes(values: pd.Series, codes: tuple[str, ...], name: str) -> None:
    bad = sorted(set(values.dropna().astype(str)) - set(codes))
    if bad or values.isna().any():
        shown = bad[:5] if bad else ["<null>"]
        raise ValueError(f"{name} has unknown codes {shown}; expected one of {list(codes)}")


_TYPE_IDS = {
    "Point": 0,
    "LineString": 1,
    "Polygon": 3,
    "MultiPoint": 4,
    "MultiLineString": 5,
    "MultiPolygon": 6,
}
