"""The whole prioritisation: evidence per place, risk model, ranked and explained fixes.

Pure function over GeoDataFrames in one projected metric CRS (metres); no database access.
Steps: validate frames -> weighted report items (``demand``) -> snap to segments / green areas
(``snapping``) -> footfall (``footfall``) -> lighting, vegetation, camera evidence -> RTM count
model (``risk``) -> fixes (``fixes``). Every report that is not counted appears in
``PriorityResult.unassigned`` with a reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gis.core.lazy import lazy_module
from gis.priority._schema import check_metric_crs, prepare_frame
from gis.priority.cameras import camera_coverage
from gis.priority.demand import (
    check_as_of,
    demand_summary,
    place_links,
    report_items,
)
from gis.priority.fixes import build_fixes
from gis.priority.footfall import edge_betweenness, segment_lengths
from gis.priority.lighting import lighting_evidence
from gis.priority.params import PriorityParams
from gis.priority.risk import fit_risk_terrain
from gis.priority.snapping import segment_green_area, snap_features
from gis.priority.vegetation import vegetation_evidence

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")
shapely = lazy_module("shapely")

RISK_COVARIATES = ("under_lit", "vegetation", "camera_coverage", "log_footfall")
LOG_FOOTFALL_OFFSET = 0.01


@dataclass
class PriorityResult:
    """Output of :func:`prioritise`.

    Attributes
    ----------
    fixes : GeoDataFrame
        Ranked fixes: rank, fix_type, department, cost_class, score, place_kind, place_id,
        reasons (list of dicts), explanation, demand, footfall_factor, relative_risk, geometry.
    evidence : DataFrame
        One row per segment (input order): demand, footfall, lighting, vegetation, cameras.
    risk : DataFrame
        Relative risks of the RTM model (``gis.priority.risk.RISK_COLUMNS``).
    unassigned : GeoDataFrame
        source ('pin'|'finding'|'incident'|'lux'), source_id, reason, geometry.
    links : DataFrame
        Report-to-place links with demand (``gis.priority.demand.place_links``).
    green_evidence : DataFrame
        One row per green area: name, footfall, demand.
    params : PriorityParams
        The settings used.
    """

    fixes: gpd.GeoDataFrame
    evidence: pd.DataFrame
    risk: pd.DataFrame
    unassigned: gpd.GeoDataFrame
    links: pd.DataFrame
    green_evidence: pd.DataFrame
    params: PriorityParams


def prioritise(
    segments: gpd.GeoDataFrame,
    *,
    green_areas: gpd.GeoDataFrame | None = None,
    pins: gpd.GeoDataFrame | None = None,
    findings: gpd.GeoDataFrame | None = None,
    incidents: gpd.GeoDataFrame | None = None,
    lux: gpd.GeoDataFrame | None = None,
    lamps: gpd.GeoDataFrame | None = None,
    vegetation: gpd.GeoDataFrame | None = None,
    cameras: gpd.GeoDataFrame | None = None,
    as_of: dt.datetime,
    params: PriorityParams | None = None,
) -> PriorityResult:
    """Rank physical-environment fixes for a walking network.

    Parameters
    ----------
    segments : GeoDataFrame
        Walking network (columns in ``gis.priority._schema.COLUMNS``), projected metric CRS.
    green_areas, pins, findings, incidents, lux, lamps, vegetation, cameras : GeoDataFrame
        Optional inputs in the same CRS; ``None`` or 0 rows means no such data.
    as_of : datetime
        Tz-aware date of the analysis (recency decay, later reports excluded).
    params : PriorityParams, optional
        Settings; defaults documented in ``gis.priority.params``.

    Returns
    -------
    PriorityResult
    """
    params = PriorityParams() if params is None else params
    if not isinstance(params, PriorityParams):
        raise ValueError(f"params must be a PriorityParams, got {type(params).__name__}")
    as_of = check_as_of(as_of)
    if not isinstance(segments, gpd.GeoDataFrame):
        raise ValueError(f"segments must be a GeoDataFrame, got {type(segments).__name__}")
    check_metric_crs(segments.crs, "segments")
    crs = segments.crs
    seg = prepare_frame(segments, "segments", crs)
    if len(seg) and (shapely.is_missing(seg.geometry.values) | seg.geometry.is_empty).any():
        raise ValueError("segments.geometry must not be missing or empty")
    ga = prepare_frame(green_areas, "green_areas", crs)
    f = {
        name: prepare_frame(frame, name, crs)
        for name, frame in (
            ("pins", pins),
            ("findings", findings),
            ("incidents", incidents),
            ("lux", lux),
            ("lamps", lamps),
            ("vegetation", vegetation),
            ("cameras", cameras),
        )
    }
    items, excluded = report_items(
        f["pins"], f["findings"], f["incidents"], as_of=as_of, params=params
    )
    features = gpd.GeoDataFrame(
        {"id": items["item_key"].to_numpy(dtype=object)}, geometry=items.geometry.values, crs=crs
    )
    snapped = snap_features(features, seg, ga, tolerance_m=params.snap_tolerance_m)
    links = place_links(items, snapped.assignment)
    evidence, lux_left = _segment_evidence(seg, ga, f, links, params)
    risk = fit_risk_terrain(
        evidence["night_reports"].to_numpy(dtype=float),
        pd.DataFrame(
            {
                "under_lit": evidence["lighting_verdict"].isin(["dark", "under_lit"]).astype(float),
                "vegetation": (evidence["veg_flagged"] > 0).astype(float),
                "camera_coverage": evidence["camera_share"].astype(float),
                "log_footfall": np.log(evidence["footfall"].astype(float) + LOG_FOOTFALL_OFFSET),
            }
        ),
        evidence["length_m"].to_numpy(dtype=float),
    )
    green = _green_evidence(ga, evidence, links)
    fixes = build_fixes(
        evidence,
        green,
        links,
        risk,
        segment_geometry=seg.geometry,
        green_geometry=ga.geometry,
        params=params,
    )
    unassigned = _unassigned(items, excluded, snapped.unassigned, lux_left, crs)
    return PriorityResult(fixes, evidence, risk, unassigned, links, green, params)


def _segment_evidence(seg, ga, f, links, params) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    ids = seg["id"].to_numpy(dtype=object)
    green_id = segment_green_area(seg, ga, min_share=params.green_share_min)
    names = dict(zip(ga["id"].tolist(), ga["name"].tolist(), strict=True))
    ff = edge_betweenness(
        seg,
        k=params.footfall_k,
        seed=params.footfall_seed,
        exact_max_nodes=params.footfall_exact_max_nodes,
        networkx_max_nodes=params.footfall_networkx_max_nodes,
        precision_m=params.node_precision_m,
    )
    light = lighting_evidence(seg, f["lux"], f["lamps"], params=params)
    veg = vegetation_evidence(
        seg,
        f["vegetation"],
        buffer_m=params.sightline_buffer_m,
        shrub_height_m=params.shrub_height_m,
    )
    cams = camera_coverage(seg, f["cameras"], quad_segs=params.camera_quad_segs)
    demand = demand_summary(links, ids, "segment")
    ev = pd.DataFrame(
        {
            "segment_id": ids,
            "osm_id": seg["osm_id"].to_numpy(dtype=object),
            "highway": seg["highway"].to_numpy(dtype=object),
            "lit": seg["lit"].to_numpy(dtype=object),
            "length_m": segment_lengths(seg),
            "green_area_id": green_id.to_numpy(dtype=object),
            "green_area_name": [names.get(g) if g is not None else None for g in green_id],
            "betweenness": ff["betweenness"].to_numpy(),
            "footfall": ff["footfall"].to_numpy(),
        }
    )
    ev["footfall_factor"] = params.footfall_floor + (1 - params.footfall_floor) * ev["footfall"]
    ev = pd.concat(
        [
            ev,
            demand.reset_index(drop=True),
            light.frame.reset_index(drop=True),
            veg.reset_index(drop=True),
        ],
        axis=1,
    )
    ev["camera_share"] = cams.to_numpy()
    ev.attrs["footfall_method"] = ff.attrs["method"]
    return ev, light.unassigned


def _green_evidence(ga, evidence, links) -> pd.DataFrame:
    ids = ga["id"].to_numpy(dtype=object)
    inside = evidence.dropna(subset=["green_area_id"])
    top = (
        inside.groupby("green_area_id")["footfall"].max() if len(inside) else pd.Series(dtype=float)
    )
    out = pd.DataFrame(
        {
            "green_area_id": ids,
            "name": ga["name"].to_numpy(dtype=object),
            "footfall": top.reindex(ids).fillna(0.0).to_numpy(dtype=float),
        }
    )
    out["green_area_name"] = out["name"]
    return pd.concat([out, demand_summary(links, ids, "green_area").reset_index(drop=True)], axis=1)


def _unassigned(items, excluded, snap_left, lux_left, crs) -> gpd.GeoDataFrame:
    key_source = dict(zip(items["item_key"], items["source"], strict=True))
    key_id = dict(zip(items["item_key"], items["source_id"], strict=True))
    parts = [
        pd.DataFrame(
            {
                "source": excluded["source"].to_numpy(dtype=object),
                "source_id": excluded["source_id"].to_numpy(dtype=object),
                "reason": excluded["reason"].to_numpy(dtype=object),
                "geometry": excluded.geometry.values,
            }
        ),
        pd.DataFrame(
            {
                "source": [key_source[k] for k in snap_left["feature_id"]],
                "source_id": [key_id[k] for k in snap_left["feature_id"]],
                "reason": snap_left["reason"].to_numpy(dtype=object),
                "geometry": snap_left.geometry.values,
            }
        ),
        pd.DataFrame(
            {
                "source": ["lux"] * len(lux_left),
                "source_id": lux_left["feature_id"].to_numpy(dtype=object),
                "reason": lux_left["reason"].to_numpy(dtype=object),
                "geometry": lux_left.geometry.values,
            }
        ),
    ]
    frame = pd.concat(
        [p.astype({"source": object, "source_id": object, "reason": object}) for p in parts],
        ignore_index=True,
    )
    return gpd.GeoDataFrame(
        frame.drop(columns="geometry"),
        geometry=gpd.GeoSeries(frame["geometry"].to_numpy(dtype=object), crs=crs).values,
        crs=crs,
    )
