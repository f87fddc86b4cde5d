"""Plain-English sentence of a fix, written from its structured reasons (the source of truth)."""

from __future__ import annotations

import math

from gis.core.lazy import lazy_module

np = lazy_module("numpy")

ACTIONS = {
    "repair_lamps": "Repair broken lamps",
    "add_lighting": "Add lighting",
    "clear_vegetation": "Clear vegetation that blocks sightlines",
    "redesign": "Redesign to open up a hidden place",
    "clean": "Clean graffiti and litter",
    "refer_police": "Refer to the police",
    "refer_housing": "Refer to the housing company",
    "refer_social": "Refer to social services",
}
_TOPIC = {
    "redesign": "reports of a hidden place",
    "clean": "graffiti/litter reports",
    "refer_police": "traffic reports",
    "refer_housing": "incidents reported by the housing company",
    "refer_social": "reports of gatherings",
}
_MAX_IDS = 10


def py(value: object) -> object:
    """Convert numpy scalars/arrays (and NaN) to plain Python for JSON (NaN -> None)."""
    if isinstance(value, list | tuple | np.ndarray):
        return [py(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _ids(label: str, ids: list) -> str:
    if not ids:
        return ""
    shown = ", ".join(str(i) for i in ids[:_MAX_IDS])
    more = f" and {len(ids) - _MAX_IDS} more" if len(ids) > _MAX_IDS else ""
    return f"{label} {shown}{more}"


def _lighting_cause(r: dict) -> str:
    verdict = "dark" if r["verdict"] == "dark" else "under-lit"
    cls = r["en13201_class"]
    if r["lux_n"]:
        readings = _ids("readings", r["reading_ids"])
        return (
            f"{verdict}: mean {r['lux_mean']:.1f} lux, lowest {r['lux_min']:.1f} lux ({readings}) "
            f"against EN 13201 {cls} ({r['required_avg_lux']:g} lux average, "
            f"{r['required_min_lux']:g} lux minimum)"
        )
    codes = r["reason_codes"]
    why = []
    if "osm_lit_no" in codes:
        why.append("mapped as unlit, lit=no")
    if "osm_lit_limited" in codes:
        why.append("lit only part of the night, lit=limited")
    if "no_working_lamps" in codes:
        why.append("no working lamp along it")
    return f"{verdict} ({', '.join(why) or 'lamp evidence'}; class {cls})"


def sentence(
    fix: str, place_kind: str, place_id: object, highway: object, reasons: list[dict]
) -> str:
    """One English sentence naming the action, place, cause, evidence ids and score terms."""
    by_code = {r["code"]: r for r in reasons}
    if place_kind == "segment":
        kind = f" ({highway})" if isinstance(highway, str) else ""
        place = f"segment {place_id}{kind}"
    else:
        name = by_code.get("in_green_area", {}).get("name")
        place = f"green area {place_id}" + (f" ({name})" if name else "")
    causes = []
    if "lighting" in by_code:
        causes.append(_lighting_cause(by_code["lighting"]))
    if "lamp_gap" in by_code:
        g = by_code["lamp_gap"]
        causes.append(
            f"largest gap between working lamps {g['gap_m']:.0f} m (limit {g['threshold_m']:g} m)"
        )
    if "broken_lamps" in by_code:
        b = by_code["broken_lamps"]
        causes.append(f"{b['count']} broken lamp(s) ({_ids('lamps', b['lamp_ids'])})")
    if "vegetation" in by_code and by_code["vegetation"]["flagged"]:
        v = by_code["vegetation"]
        causes.append(
            f"{v['flagged']} sightline-blocking plant(s) within {v['buffer_m']:g} m "
            f"({_ids('vegetation', v['vegetation_ids'])})"
        )
    if fix in _TOPIC:
        causes.append(_TOPIC[fix])
    if "in_green_area" in by_code and place_kind == "segment":
        causes.append(f"in green area {by_code['in_green_area']['green_area_id']}")
    text = f"{ACTIONS[fix]} on {place}"
    if causes:
        text += ": " + "; ".join(causes)
    rep = by_code.get("reports")
    if rep:
        ids = "; ".join(
            s
            for s in (
                _ids("pins", rep["pin_ids"]),
                _ids("findings", rep["finding_ids"]),
                _ids("incidents", rep["incident_ids"]),
            )
            if s
        )
        text += (
            f". Relevant reports: {rep['reports']:g} ({rep['night_reports']:g} in the "
            f"evening/night; {ids}), weighted demand {rep['relevant_demand']:.2f}"
        )
    else:
        text += ". No relevant reports yet"
    s = by_code["score"]
    ff = by_code["footfall"]
    text += (
        f"; footfall {ff['footfall']:.2f} (factor {s['footfall_factor']:.2f}), "
        f"relative risk {s['relative_risk']:.2f}, cost class {s['cost_class']}, "
        f"score {s['score']:.2f}."
    )
    return text
