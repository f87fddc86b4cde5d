"""Candidate fixes from the evidence, scored, ranked, routed and explained.

Score (transparent, per fix ``f`` on place ``p``)::

    demand_f(p)  = sum over reports r on p of
                   weight(r) * share(r, p) * relevance[f][category(r)][period(r)]
    factor(p)    = footfall_floor + (1 - footfall_floor) * footfall(p)          # 0..1 footfall
    rr_f         = relative risk of the fix's cause from the RTM model (under_lit for lighting
                   fixes, vegetation for clear_vegetation), used only when p < risk_alpha,
                   clipped to rr_bounds; 1 for the other fix types
    score        = demand_f(p) * factor(p) * rr_f / cost_class[f]

``weight`` and ``share`` are defined in ``gis.priority.demand`` and ``gis.priority.snapping``,
``relevance`` and ``cost_class`` in ``gis.priority.params``. Green areas take the largest
footfall of their own segments. Ties are broken by lower cost, then place and fix type, so the
ranking is deterministic. Generation rules are in the table of ``gis.priority.params``;
``repair_lamps`` is always listed (routine maintenance) even with zero demand.
"""

from __future__ import annotations

from gis.core.lazy import lazy_module
from gis.priority._explain import py, sentence
from gis.priority._schema import CATEGORIES
from gis.priority.params import FIX_TYPES, PriorityParams

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")

FIX_DEPARTMENT: dict[str, str] = {
    "repair_lamps": "street",
    "add_lighting": "street",
    "clear_vegetation": "parks",
    "redesign": "street",
    "clean": "street",
    "refer_police": "police",
    "refer_housing": "housing",
    "refer_social": "social",
}
FIX_COVARIATE: dict[str, str | None] = {
    "repair_lamps": "under_lit",
    "add_lighting": "under_lit",
    "clear_vegetation": "vegetation",
    "redesign": None,
    "clean": None,
    "refer_police": None,
    "refer_housing": None,
    "refer_social": None,
}
_ROW_COLUMNS = {
    "segment_id",
    "green_area_id",
    "green_area_name",
    "highway",
    "lit",
    "footfall",
    "lighting_verdict",
    "lighting_reasons",
    "en13201_class",
    "required_avg_lux",
    "required_min_lux",
    "lux_n",
    "lux_mean",
    "lux_min",
    "lux_ids",
    "lamp_gap_m",
    "lamp_gap_all_m",
    "lamps_working",
    "lamps_broken",
    "broken_lamp_ids",
    "veg_flagged",
    "veg_near",
    "veg_flagged_ids",
}
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
    "footfall_factor",
    "relative_risk",
)


def relevant_demand(links: pd.DataFrame, params: PriorityParams) -> pd.DataFrame:
    """Demand each fix type can relieve on each place, with the ids of the reports behind it.

    Parameters
    ----------
    links : DataFrame
        ``gis.priority.demand.place_links`` output.
    params : PriorityParams
        ``relevance`` table and ``housing_sources``.

    Returns
    -------
    DataFrame
        place_kind, place_id, fix_type, demand, reports (sum of shares), night_reports,
        pin_ids, finding_ids, incident_ids.
    """
    parts = []
    night = (links["period"] == "night").to_numpy()
    for fix in FIX_TYPES:
        table = params.relevance.get(fix, {})
        day_w = links["category"].map({c: table.get(c, (0.0, 0.0))[0] for c in CATEGORIES})
        night_w = links["category"].map({c: table.get(c, (0.0, 0.0))[1] for c in CATEGORIES})
        w = np.where(night, night_w.to_numpy(dtype=float), day_w.to_numpy(dtype=float))
        if fix == "refer_housing":
            w = w * links["origin"].isin(list(params.housing_sources)).to_numpy()
        sel = links.loc[w > 0].copy()
        if len(sel) == 0:
            continue
        sel["rel"] = links["demand"].to_numpy()[w > 0] * w[w > 0]
        sel["night_share"] = np.where(sel["period"] == "night", sel["share"], 0.0)
        keys = ["place_kind", "place_id"]
        agg = sel.groupby(keys, sort=False).agg(
            demand=("rel", "sum"), reports=("share", "sum"), night_reports=("night_share", "sum")
        )
        ids: dict[tuple, dict[str, list]] = {}
        for kind, pid, source, sid in zip(
            sel["place_kind"], sel["place_id"], sel["source"], sel["source_id"], strict=True
        ):
            ids.setdefault((kind, pid), {}).setdefault(source, []).append(sid)
        for source in ("pin", "finding", "incident"):
            agg[f"{source}_ids"] = [
                sorted(ids.get(key, {}).get(source, []), key=_id_order) for key in agg.index
            ]
        agg = agg.reset_index()
        agg["fix_type"] = fix
        parts.append(agg)
    cols = [
        "place_kind",
        "place_id",
        "fix_type",
        "demand",
        "reports",
        "night_reports",
        "pin_ids",
        "finding_ids",
        "incident_ids",
    ]
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    return pd.concat(parts, ignore_index=True)[cols]


def _id_order(value: object) -> tuple:
    """Numbers first in numeric order, then anything else as text."""
    if isinstance(value, int | float | np.integer | np.floating):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def build_fixes(
    segment_evidence: pd.DataFrame,
    green_evidence: pd.DataFrame,
    links: pd.DataFrame,
    risk: pd.DataFrame,
    *,
    segment_geometry: gpd.GeoSeries,
    green_geometry: gpd.GeoSeries,
    params: PriorityParams,
) -> gpd.GeoDataFrame:
    """Generate, score, rank and explain fixes.

    Parameters
    ----------
    segment_evidence : DataFrame
        Per-segment evidence built by ``gis.priority.pipeline`` (segment_id, demand_*,
        footfall, lighting, vegetation and green-area columns).
    green_evidence : DataFrame
        Per-green-area evidence (green_area_id, name, footfall, demand_*).
    links : DataFrame
        Report-to-place links with demand (``gis.priority.demand.place_links``).
    risk : DataFrame
        ``gis.priority.risk.fit_risk_terrain`` output.
    segment_geometry, green_geometry : GeoSeries
        Geometries aligned with the two evidence frames (metric CRS).
    params : PriorityParams
        Settings.

    Returns
    -------
    GeoDataFrame
        ``FIX_COLUMNS`` + geometry, ranked (rank 1 = best score).
    """
    crs = segment_geometry.crs
    rel_frame = relevant_demand(links, params)
    rel_index = rel_frame.set_index(["place_kind", "place_id", "fix_type"])
    rel = rel_index.to_dict("index")
    rr = _risk_lookup(risk, params)
    rows = []
    places = (
        ("segment", segment_evidence, "segment_id", segment_geometry),
        ("green_area", green_evidence, "green_area_id", green_geometry),
    )
    for kind, ev, id_col, geoms in places:
        masks = _triggers(kind, ev, rel_index, params)
        hit = np.flatnonzero(
            np.logical_or.reduce([m for m in masks.values()] + [np.zeros(len(ev), dtype=bool)])
        )
        needed = [c for c in ev.columns if c in _ROW_COLUMNS]
        records = dict(zip(hit.tolist(), ev[needed].iloc[hit].to_dict("records"), strict=True))
        geom_values = geoms.values
        for fix, mask in masks.items():
            for i in np.flatnonzero(mask).tolist():
                row = records[i]
                key = (kind, row[id_col], fix)
                rows.append(
                    _make_fix(kind, row, id_col, fix, rel.get(key), rr, params, geom_values[i])
                )
    frame = pd.DataFrame(rows, columns=[*FIX_COLUMNS[1:], "geometry"])
    if len(frame):
        frame = frame.assign(_pid=frame["place_id"].astype(str))
        frame = frame.sort_values(
            ["score", "cost_class", "place_kind", "_pid", "fix_type"],
            ascending=[False, True, True, True, True],
            kind="mergesort",
        ).drop(columns="_pid")
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    geometry = gpd.GeoSeries(frame["geometry"].to_numpy(dtype=object), crs=crs)
    return gpd.GeoDataFrame(
        frame.drop(columns="geometry").reset_index(drop=True), geometry=geometry.values, crs=crs
    )


def _triggers(kind, ev, rel, params) -> dict[str, np.ndarray]:
    def rel_ok(fix):
        try:
            d = rel.xs((kind, fix), level=("place_kind", "fix_type"))["demand"]
        except KeyError:
            return np.zeros(len(ev), dtype=bool)
        ids = ev["segment_id" if kind == "segment" else "green_area_id"]
        vals = d.groupby(level=0).sum().reindex(ids.to_numpy(dtype=object)).to_numpy()
        return np.nan_to_num(vals.astype(float), nan=0.0) > params.min_demand

    def col(name):
        return ev[name].to_numpy(dtype=float) if name in ev else np.zeros(len(ev))

    out = {
        "clear_vegetation": (col("veg_flagged") + col("demand_vegetation") > 0)
        & rel_ok("clear_vegetation"),
        "redesign": (col("demand_hidden_place") > 0) & rel_ok("redesign"),
        "clean": (col("demand_graffiti") + col("demand_litter") > 0) & rel_ok("clean"),
        "refer_police": (col("demand_traffic") > 0) & rel_ok("refer_police"),
        "refer_housing": rel_ok("refer_housing"),
        "refer_social": (col("demand_gathering") > 0) & rel_ok("refer_social"),
    }
    if kind == "segment":
        verdict = ev["lighting_verdict"].to_numpy(dtype=object)
        poor = np.isin(verdict, ["dark", "under_lit"])
        gap_all = np.nan_to_num(col("lamp_gap_all_m"), nan=0.0)
        broken = col("lamps_broken")
        out["repair_lamps"] = broken > 0
        out["add_lighting"] = (
            poor & ((broken == 0) | (gap_all > params.max_lamp_gap_m)) & rel_ok("add_lighting")
        )
    return out


def _risk_lookup(risk: pd.DataFrame, params: PriorityParams) -> dict[str, tuple]:
    out = {}
    low, high = params.rr_bounds
    for _, r in risk.iterrows():
        value, p = r["relative_risk"], r["p_value"]
        used = 1.0
        if np.isfinite(value) and np.isfinite(p) and p < params.risk_alpha:
            used = float(np.clip(value, low, high))
        out[r["covariate"]] = (float(value), float(p), used)
    return out


def _make_fix(kind, row, id_col, fix, r, rr, params, geom) -> dict:
    in_park = row.get("green_area_id") if kind == "segment" else row[id_col]
    in_park = (
        None if in_park is None or (isinstance(in_park, float) and np.isnan(in_park)) else in_park
    )
    department = "parks" if fix == "clean" and in_park is not None else FIX_DEPARTMENT[fix]
    cost = params.cost_classes[fix]
    footfall = float(row.get("footfall", 0.0))
    factor = params.footfall_floor + (1 - params.footfall_floor) * footfall
    demand = float(r["demand"]) if r is not None else 0.0
    cov = FIX_COVARIATE[fix]
    rr_value, rr_p, rr_used = rr.get(cov, (np.nan, np.nan, 1.0)) if cov else (np.nan, np.nan, 1.0)
    score = demand * factor * rr_used / cost
    reasons = []
    if r is not None:
        reasons.append(
            {
                "code": "reports",
                "relevant_demand": round(demand, 4),
                "reports": round(float(r["reports"]), 3),
                "night_reports": round(float(r["night_reports"]), 3),
                "pin_ids": py(r["pin_ids"]),
                "finding_ids": py(r["finding_ids"]),
                "incident_ids": py(r["incident_ids"]),
            }
        )
    reasons.extend(_cause_reasons(fix, row, params))
    if in_park is not None:
        reasons.append(
            {
                "code": "in_green_area",
                "green_area_id": py(in_park),
                "name": py(row.get("green_area_name")),
            }
        )
    reasons.append(
        {"code": "footfall", "footfall": round(footfall, 4), "footfall_factor": round(factor, 4)}
    )
    if cov:
        reasons.append(
            {
                "code": "relative_risk",
                "covariate": cov,
                "relative_risk": py(rr_value),
                "p_value": py(rr_p),
                "used": rr_used,
            }
        )
    reasons.append(
        {
            "code": "score",
            "demand": round(demand, 4),
            "footfall_factor": round(factor, 4),
            "relative_risk": rr_used,
            "cost_class": cost,
            "score": round(score, 4),
        }
    )
    place_id = py(row[id_col])
    return {
        "fix_type": fix,
        "department": department,
        "cost_class": cost,
        "score": score,
        "place_kind": kind,
        "place_id": place_id,
        "reasons": reasons,
        "explanation": sentence(fix, kind, place_id, row.get("highway"), reasons),
        "demand": demand,
        "footfall_factor": factor,
        "relative_risk": rr_used,
        "geometry": geom,
    }


def _cause_reasons(fix, row, params) -> list[dict]:
    out = []
    if fix in ("add_lighting", "repair_lamps"):
        out.append(
            {
                "code": "lighting",
                "verdict": row["lighting_verdict"],
                "en13201_class": row["en13201_class"],
                "required_avg_lux": float(row["required_avg_lux"]),
                "required_min_lux": float(row["required_min_lux"]),
                "lux_n": int(row["lux_n"]),
                "lux_mean": py(row["lux_mean"]),
                "lux_min": py(row["lux_min"]),
                "reading_ids": py(row["lux_ids"]),
                "reason_codes": list(row["lighting_reasons"]),
                "lit": py(row.get("lit")),
            }
        )
        if "lamp_gap" in row["lighting_reasons"] or "no_working_lamps" in row["lighting_reasons"]:
            out.append(
                {
                    "code": "lamp_gap",
                    "gap_m": round(float(row["lamp_gap_m"]), 2),
                    "gap_if_repaired_m": round(float(row["lamp_gap_all_m"]), 2),
                    "threshold_m": params.max_lamp_gap_m,
                    "lamps_working": int(row["lamps_working"]),
                }
            )
        if row["lamps_broken"] > 0:
            out.append(
                {
                    "code": "broken_lamps",
                    "count": int(row["lamps_broken"]),
                    "lamp_ids": py(row["broken_lamp_ids"]),
                }
            )
    if fix == "clear_vegetation" and "veg_flagged" in row:
        out.append(
            {
                "code": "vegetation",
                "flagged": int(row["veg_flagged"]),
                "near": int(row["veg_near"]),
                "vegetation_ids": py(row["veg_flagged_ids"]),
                "buffer_m": params.sightline_buffer_m,
            }
        )
    return out
