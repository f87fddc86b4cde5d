"""Fixes for the municipality's own properties: repair, lighting of the surroundings, alarm.

Pure function over GeoDataFrames in one projected metric CRS (metres). A report (pin, finding or
incident, weighted as in :mod:`gis.priority.demand`) belongs to a property when it lies on it or
within ``distance_m`` of it (the nearest property; the same rule as the routing of reports,
``TRYGG_PROPERTY_ROUTING_M``). For each property with reports:

=================  ====  ========================================================================
fix type           cost  proposed when
=================  ====  ========================================================================
property_repair    2     damage: incidents of vandalism, graffiti, glass or fire, or reports of
                         graffiti or litter
property_lighting  3     reports in the evening or at night (or about lighting) and fewer than
                         ``min_lamps`` working lamps within ``lamp_radius_m`` of the property
property_alarm     3     at least ``alarm_min_night`` incidents at night
=================  ====  ========================================================================

Each fix is owned by the property's department and scored like the other fixes,
``score = demand / cost`` (the relevant reports' summed weights; properties lie off the walking
network, so no footfall factor), with reasons naming the counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gis.core.lazy import lazy_module
from gis.priority._explain import py
from gis.priority._schema import check_metric_crs, prepare_frame
from gis.priority.demand import check_as_of, report_items
from gis.priority.params import PriorityParams, check_positive

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")

PROPERTY_FIX_TYPES: tuple[str, ...] = ("property_repair", "property_lighting", "property_alarm")
DAMAGE_INCIDENTS = frozenset({"vandalism", "graffiti", "glass", "fire"})
DAMAGE_CATEGORIES = frozenset({"graffiti", "litter"})
PROPERTY_COLUMNS = ("id", "name", "kind", "department")
FIX_COLUMNS = (
    "rank",
    "fix_type",
    "department",
    "cost_class",
    "score",
    "place_kind",
    "place_id",
    "reasons",
    "explanation",
    "demand",
)


@dataclass(frozen=True)
class PropertyFixParams:
    """Settings of the property fixes (metres, counts).

    Attributes
    ----------
    distance_m : float
        A report on a property or within this distance of it belongs to it.
    lamp_radius_m : float
        Lamps within this distance of a property light its surroundings.
    min_lamps : int
        Fewer working lamps than this around a property with evening/night reports: lighting.
    alarm_min_night : int
        At least this many night incidents at a property: an alarm.
    cost_classes : mapping
        Cost class (>= 1) of each of ``PROPERTY_FIX_TYPES``.
    """

    distance_m: float = 25.0
    lamp_radius_m: float = 30.0
    min_lamps: int = 2
    alarm_min_night: int = 2
    cost_classes: dict[str, int] = field(
        default_factory=lambda: {"property_repair": 2, "property_lighting": 3, "property_alarm": 3}
    )

    def __post_init__(self) -> None:
        check_positive("distance_m", self.distance_m)
        check_positive("lamp_radius_m", self.lamp_radius_m)
        for name in ("min_lamps", "alarm_min_night"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        if set(self.cost_classes) != set(PROPERTY_FIX_TYPES):
            raise ValueError(f"cost_classes must have exactly the keys {list(PROPERTY_FIX_TYPES)}")


def property_fixes(
    properties: gpd.GeoDataFrame,
    *,
    pins: gpd.GeoDataFrame | None = None,
    findings: gpd.GeoDataFrame | None = None,
    incidents: gpd.GeoDataFrame | None = None,
    lamps: gpd.GeoDataFrame | None = None,
    as_of: dt.datetime,
    params: PriorityParams | None = None,
    settings: PropertyFixParams | None = None,
) -> gpd.GeoDataFrame:
    """Ranked repair, lighting and alarm fixes for the properties that have reports.

    Parameters
    ----------
    properties : GeoDataFrame
        ``id``, ``name``, ``kind``, ``department`` and (Multi)Polygon geometry, metric CRS.
    pins, findings, incidents, lamps : GeoDataFrame, optional
        As for :func:`gis.priority.prioritise` (``gis.priority._schema.COLUMNS``), same CRS.
    as_of : datetime
        Tz-aware date of the analysis (recency decay; later reports are not counted).
    params : PriorityParams, optional
        Weights of the reports (``gis.priority.demand``).
    settings : PropertyFixParams, optional
        Distances, thresholds and cost classes.

    Returns
    -------
    GeoDataFrame
        ``FIX_COLUMNS`` + geometry (the property's), ``place_kind`` "property", rank 1 = best.
    """
    params = PriorityParams() if params is None else params
    settings = PropertyFixParams() if settings is None else settings
    as_of = check_as_of(as_of)
    check_metric_crs(properties.crs, "properties")
    missing = [c for c in PROPERTY_COLUMNS if c not in properties]
    if missing:
        raise ValueError(f"properties lacks the columns {missing}")
    crs = properties.crs
    frames = {
        name: prepare_frame(frame, name, crs)
        for name, frame in (("pins", pins), ("findings", findings), ("incidents", incidents))
    }
    lamps = prepare_frame(lamps, "lamps", crs)
    items, _excluded = report_items(**frames, as_of=as_of, params=params)
    items = _nearest_property(items, properties.reset_index(drop=True), settings.distance_m)
    incident_type = dict(zip(frames["incidents"]["id"], frames["incidents"]["type"], strict=True))
    rows = []
    for index, group in items.groupby("property_index", sort=True):
        place = properties.iloc[int(index)]
        rows.extend(_fixes_of(place, group, incident_type, lamps, settings))
    frame = pd.DataFrame(rows, columns=[*FIX_COLUMNS[1:], "geometry"])
    if len(frame):
        frame = frame.assign(_pid=frame["place_id"].astype(str)).sort_values(
            ["score", "cost_class", "_pid", "fix_type"],
            ascending=[False, True, True, True],
            kind="mergesort",
        )
        frame = frame.drop(columns="_pid")
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    geometry = gpd.GeoSeries(frame["geometry"].to_numpy(dtype=object), crs=crs)
    return gpd.GeoDataFrame(
        frame.drop(columns="geometry").reset_index(drop=True), geometry=geometry.values, crs=crs
    )


def _nearest_property(items, properties, distance_m: float):
    """The items within `distance_m` of a property, with the position of the nearest one."""
    if len(items) == 0 or len(properties) == 0:
        return items.iloc[0:0].assign(property_index=pd.Series([], dtype=int))
    joined = gpd.sjoin_nearest(
        items[["item_key", "geometry"]],
        properties[["geometry"]],
        how="inner",
        max_distance=distance_m,
        distance_col="_distance",
    )
    # Ties: the lower position (properties in input order), as the database routing does.
    joined = joined.sort_values(["_distance", "index_right"]).drop_duplicates("item_key")
    position = dict(zip(joined["item_key"], joined["index_right"], strict=True))
    near = items[items["item_key"].isin(position)].copy()
    near["property_index"] = near["item_key"].map(position).astype(int)
    return near


def _fixes_of(place, items, incident_type, lamps, settings) -> list[dict]:
    is_incident = (items["source"] == "incident").to_numpy()
    types = [
        incident_type.get(sid) if inc else None
        for sid, inc in zip(items["source_id"], is_incident, strict=True)
    ]
    damage = np.array(
        [
            t in DAMAGE_INCIDENTS if inc else c in DAMAGE_CATEGORIES
            for t, c, inc in zip(types, items["category"], is_incident, strict=True)
        ],
        dtype=bool,
    )
    night = (items["period"] == "night").to_numpy()
    dark = night | (items["category"] == "lighting").to_numpy()
    around = place.geometry.buffer(settings.lamp_radius_m)
    near_lamps = lamps[lamps.geometry.within(around)] if len(lamps) else lamps
    working = int((near_lamps["status"] != "broken").sum()) if len(near_lamps) else 0
    broken = int(len(near_lamps) - working)
    night_incidents = int((night & is_incident).sum())
    wanted = {
        "property_repair": damage,
        "property_lighting": dark if working < settings.min_lamps else np.zeros_like(dark),
        "property_alarm": (night & is_incident)
        if night_incidents >= settings.alarm_min_night
        else np.zeros_like(night),
    }
    out = []
    for fix, mask in wanted.items():
        if not mask.any():
            continue
        chosen = items[mask]
        demand = float(chosen["weight"].sum())
        cost = settings.cost_classes[fix]
        reasons = [
            {
                "code": "reports",
                "relevant_demand": round(demand, 4),
                "reports": len(chosen),
                "night_reports": int((chosen["period"] == "night").sum()),
                "pin_ids": py(_ids(chosen, "pin")),
                "finding_ids": py(_ids(chosen, "finding")),
                "incident_ids": py(_ids(chosen, "incident")),
            },
            {
                "code": "property",
                "property_id": py(place["id"]),
                "name": py(place["name"]),
                "kind": py(place["kind"]),
                "distance_m": settings.distance_m,
            },
        ]
        if fix == "property_lighting":
            reasons.append(
                {
                    "code": "lamps_around",
                    "working": working,
                    "broken": broken,
                    "radius_m": settings.lamp_radius_m,
                    "min_lamps": settings.min_lamps,
                }
            )
        if fix == "property_alarm":
            reasons.append(
                {
                    "code": "night_incidents",
                    "count": night_incidents,
                    "threshold": settings.alarm_min_night,
                }
            )
        score = demand / cost
        reasons.append(
            {
                "code": "score",
                "demand": round(demand, 4),
                "cost_class": cost,
                "score": round(score, 4),
            }
        )
        out.append(
            {
                "fix_type": fix,
                "department": str(place["department"]),
                "cost_class": cost,
                "score": score,
                "place_kind": "property",
                "place_id": py(place["id"]),
                "reasons": reasons,
                "explanation": _sentence(fix, place, len(chosen), working, night_incidents),
                "demand": demand,
                "geometry": place.geometry,
            }
        )
    return out


def _ids(items, source: str) -> list:
    return sorted(items.loc[items["source"] == source, "source_id"].tolist(), key=str)


def _sentence(fix: str, place, reports: int, working: int, night_incidents: int) -> str:
    """The reason in one English sentence (the web shows translated words from the reasons)."""
    name = place["name"] or f"property {place['id']}"
    if fix == "property_repair":
        return f"{reports} report(s) of damage at {name}: repair."
    if fix == "property_lighting":
        return (
            f"{reports} evening or night report(s) at {name} with {working} working lamp(s) "
            "around it: light its surroundings."
        )
    return f"{night_incidents} incident(s) at night at {name}: consider an alarm."
