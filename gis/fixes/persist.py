"""Recompute the ranked fixes of a municipality and store them, keeping every planner's work.

``recompute`` loads the layers with :mod:`gis.frames` (storage CRS, metres), adapts them to the
engine, runs :func:`gis.priority.prioritise`, and stores the ranked fixes as ``Fix`` rows of a
new ``AnalysisRun`` (kind ``prioritise``) whose ``summary`` keeps the Risk Terrain Model table.

Rules of the store:

* A fix is identified by (fix type, place). An existing fix keeps its id, status, dates,
  answer and history; only its rank, score, reasons, explanation, department and run change.
* A fix the new run no longer proposes keeps everything but its rank (set to empty) — unless
  it is still ``proposed`` and was never touched, then it is deleted as stale.
* Property fixes (repair, lighting of the surroundings, alarm: :mod:`gis.priority.properties`)
  are stored with the others, owned by the property's department, their place the property's
  area. Their score (demand ÷ cost class, no footfall factor or relative risk) is not comparable
  with the street and park fixes' score, so they are ranked after all of them, in their own
  order; the ranks of the other fixes do not change.
* ``Fix.pins`` are the pins of the categories the fix fully relieves (relevance 1 by day and
  by night in ``PriorityParams.relevance``) on its place; of a property fix, the pins its reasons
  name. Links of done, verified and rejected
  fixes are never changed: those pins got their answer.

Adapter rules (the database vocabulary differs from the engine's in a few places):

* Hedges mapped as lines are buffered by ``HEDGE_HALF_WIDTH_M`` into thin polygons.
* Pins closed as duplicates and pins already fixed are not counted.
* Reports answered by a done fix no longer count: the pins linked to it, and the pins, findings
  and incidents of a category it fully relieves within the snapping tolerance of its place
  made before it was done. Lux readings within the lux tolerance of a done lighting fix
  measured before it was done are superseded. The follow-up (:mod:`gis.fixes.followup`)
  compares exactly those reports with the ones after.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from django.utils import timezone

from gis import frames
from gis.core.lazy import lazy_module
from gis.core.models import Municipality
from gis.fixes.models import Fix, FixStatusChange
from gis.hotspots.models import AnalysisRun
from gis.priority import PriorityParams, PriorityResult, prioritise
from gis.priority.properties import PROPERTY_FIX_TYPES, property_fixes

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")
shapely = lazy_module("shapely")

ANSWERED = "answered"
EXCLUDED_PIN_STATUSES = ("closed_duplicate", "fixed", ANSWERED)
HEDGE_HALF_WIDTH_M = 0.5
ENGINE_LAYERS = (
    "green_areas",
    "pins",
    "findings",
    "incidents",
    "lux",
    "lamps",
    "vegetation",
    "cameras",
)
LIGHTING_FIXES = ("repair_lamps", "add_lighting")
CLOSED_FIX_STATUSES = (Fix.Status.DONE, Fix.Status.VERIFIED, Fix.Status.REJECTED)
ANSWERING_FIX_STATUSES = (Fix.Status.DONE, Fix.Status.VERIFIED)
# Time zone of a municipality's incident hours when it differs from the installation's.
_BATCH = 500


@dataclass
class Inputs:
    """The engine's input frames for one municipality (storage CRS, metres)."""

    segments: gpd.GeoDataFrame
    green_areas: gpd.GeoDataFrame
    pins: gpd.GeoDataFrame
    findings: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    lux: gpd.GeoDataFrame
    lamps: gpd.GeoDataFrame
    vegetation: gpd.GeoDataFrame
    cameras: gpd.GeoDataFrame
    answered: dict[str, int]
    properties: gpd.GeoDataFrame | None = None

    def engine_frames(self) -> dict[str, gpd.GeoDataFrame]:
        """Keyword arguments of :func:`gis.priority.prioritise` other than ``segments``."""
        return {name: getattr(self, name) for name in ENGINE_LAYERS}


@dataclass
class Recompute:
    """What :func:`recompute` did."""

    run: AnalysisRun
    result: PriorityResult
    created: int
    updated: int
    kept: int
    removed: int
    seconds: float


def default_params(municipality: Municipality, **overrides: object) -> PriorityParams:
    """The engine settings for a municipality: its time zone, the database's pin statuses.

    Parameters
    ----------
    municipality : Municipality
        The municipality whose pin statuses are read. Incident hours are read in the installation's
        time zone (``settings.TIME_ZONE``), as everywhere (gis.core.timeofday).
    **overrides
        Any ``PriorityParams`` field; invalid values raise ValueError naming the field.

    Returns
    -------
    PriorityParams
    """
    values = {
        "timezone": settings.TIME_ZONE,
        "excluded_pin_statuses": EXCLUDED_PIN_STATUSES,
        **overrides,
    }
    unknown = sorted(set(values) - {f.name for f in dataclasses.fields(PriorityParams)})
    if unknown:
        raise ValueError(f"unknown prioritisation parameters {unknown}")
    return PriorityParams(**values)


def full_relevance(params: PriorityParams, fix_type: str) -> set[str]:
    """Report categories a fix type fully relieves (relevance >= 1 by day and by night)."""
    table = params.relevance.get(fix_type, {})
    return {cat for cat, (day, night) in table.items() if min(day, night) >= 1.0}


def load_inputs(
    municipality: Municipality, *, as_of: dt.datetime, params: PriorityParams
) -> Inputs:
    """Load and adapt the engine's inputs (see the module docstring for the adapter rules).

    Parameters
    ----------
    municipality : Municipality
        Whose layers to load.
    as_of : datetime
        Tz-aware; reports and lux readings after it are left out.
    params : PriorityParams
        Snapping tolerances and relevance table of the answered-report rule.

    Returns
    -------
    Inputs
        Frames in the storage CRS (metres) and counts of answered reports per source.
    """
    until = as_of + dt.timedelta(microseconds=1)
    vegetation = frames.vegetation(municipality)
    lines = vegetation.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()
    if lines.any():
        vegetation.loc[lines, "geometry"] = vegetation.geometry[lines].buffer(
            HEDGE_HALF_WIDTH_M, cap_style="flat"
        )
    inputs = Inputs(
        segments=frames.segments(municipality),
        green_areas=frames.green_areas(municipality),
        pins=frames.pins(municipality, until=until),
        findings=frames.findings(municipality, until=until),
        incidents=frames.incidents(municipality, until=until),
        lux=frames.lux(municipality, until=until),
        lamps=frames.lamps(municipality),
        vegetation=vegetation,
        cameras=frames.cameras(municipality),
        answered={},
        properties=frames.properties(municipality),
    )
    _set_aside_answered(inputs, municipality, params)
    return inputs


def _set_aside_answered(inputs: Inputs, municipality: Municipality, params: PriorityParams):
    done = list(
        Fix.objects.filter(
            municipality=municipality, status__in=ANSWERING_FIX_STATUSES, done_at__isnull=False
        ).prefetch_related("pins")
    )
    pins = inputs.pins
    masks = {
        "pins": np.zeros(len(pins), dtype=bool),
        "findings": np.zeros(len(inputs.findings), dtype=bool),
        "incidents": np.zeros(len(inputs.incidents), dtype=bool),
        "lux": np.zeros(len(inputs.lux), dtype=bool),
    }
    incident_category = inputs.incidents["type"].map(params.incident_category)
    sources = {
        "pins": (pins, pins["category"], pins["created_at"]),
        "findings": (inputs.findings, inputs.findings["category"], inputs.findings["created_at"]),
        "incidents": (inputs.incidents, incident_category, inputs.incidents["occurred_at"]),
    }
    for fix in done:
        place = shapely.from_wkb(bytes(fix.geom.wkb))
        done_at = pd.Timestamp(fix.done_at)
        cats = full_relevance(params, fix.fix_type)
        masks["pins"] |= pins["id"].isin([p.pk for p in fix.pins.all()]).to_numpy()
        for name, (frame, category, when) in sources.items():
            if len(frame) == 0 or not cats:
                continue
            masks[name] |= (
                category.isin(cats).to_numpy()
                & (when < done_at).to_numpy()
                & shapely.dwithin(frame.geometry.values, place, params.snap_tolerance_m)
            )
        if fix.fix_type in LIGHTING_FIXES and len(inputs.lux):
            masks["lux"] |= (inputs.lux["measured_at"] < done_at).to_numpy() & shapely.dwithin(
                inputs.lux.geometry.values, place, params.lux_tolerance_m
            )
    inputs.pins = pins.assign(status=np.where(masks["pins"], ANSWERED, pins["status"]))
    inputs.findings = inputs.findings.loc[~masks["findings"]].reset_index(drop=True)
    inputs.incidents = inputs.incidents.loc[~masks["incidents"]].reset_index(drop=True)
    inputs.lux = inputs.lux.loc[~masks["lux"]].reset_index(drop=True)
    inputs.answered = {name: int(mask.sum()) for name, mask in masks.items()}


def compute(
    municipality: Municipality,
    *,
    as_of: dt.datetime | None = None,
    params: PriorityParams | None = None,
) -> tuple[PriorityResult, Inputs]:
    """Run the prioritisation for a municipality without storing anything.

    Parameters
    ----------
    municipality : Municipality
        Whose fixes to rank.
    as_of : datetime, optional
        Tz-aware date of the analysis; now when omitted.
    params : PriorityParams, optional
        ``default_params(municipality)`` when omitted.

    Returns
    -------
    (PriorityResult, Inputs)
    """
    as_of = timezone.now() if as_of is None else as_of
    if not isinstance(as_of, dt.datetime) or timezone.is_naive(as_of):
        raise ValueError(f"as_of must be a timezone-aware datetime, got {as_of!r}")
    params = default_params(municipality) if params is None else params
    inputs = load_inputs(municipality, as_of=as_of, params=params)
    if len(inputs.segments) == 0:
        raise ValueError(f"municipality {municipality.code} has no street segments")
    result = prioritise(inputs.segments, **inputs.engine_frames(), as_of=as_of, params=params)
    result.fixes = with_property_fixes(result.fixes, inputs, as_of=as_of, params=params)
    return result, inputs


def with_property_fixes(
    fixes: gpd.GeoDataFrame, inputs: Inputs, *, as_of: dt.datetime, params: PriorityParams
) -> gpd.GeoDataFrame:
    """The engine's ranked fixes followed by the property fixes (storage CRS, metres).

    The property fixes keep their own order and are ranked after every other fix (their scores
    are not comparable, see the module docstring), so the other fixes keep their ranks.
    """
    if inputs.properties is None or len(inputs.properties) == 0:
        return fixes
    extra = property_fixes(
        inputs.properties,
        pins=inputs.pins,
        findings=inputs.findings,
        incidents=inputs.incidents,
        lamps=inputs.lamps,
        as_of=as_of,
        params=params,
    )
    if len(extra) == 0:
        return fixes
    extra["rank"] = extra["rank"] + len(fixes)
    if extra.geometry.name != fixes.geometry.name:
        extra = extra.rename_geometry(fixes.geometry.name)
    extra = extra.reindex(columns=fixes.columns)
    combined = pd.concat([fixes, extra], ignore_index=True)
    return gpd.GeoDataFrame(combined, geometry=fixes.geometry.name, crs=fixes.crs)


def recompute(
    municipality: Municipality,
    *,
    as_of: dt.datetime | None = None,
    params: PriorityParams | None = None,
    user=None,
) -> Recompute:
    """Rank the fixes of a municipality and store them (see the module docstring).

    Parameters
    ----------
    municipality : Municipality
        Whose fixes to rank.
    as_of : datetime, optional
        Tz-aware date of the analysis; now when omitted.
    params : PriorityParams, optional
        ``default_params(municipality)`` when omitted.
    user : User, optional
        Who asked for the run (``AnalysisRun.created_by``).

    Returns
    -------
    Recompute
    """
    started = time.perf_counter()
    as_of = timezone.now() if as_of is None else as_of
    params = default_params(municipality) if params is None else params
    result, inputs = compute(municipality, as_of=as_of, params=params)
    with transaction.atomic():
        run = AnalysisRun.objects.create(
            municipality=municipality,
            kind=AnalysisRun.Kind.PRIORITISE,
            params=_jsonable(dataclasses.asdict(params)),
            period_end=as_of,
            created_by=user if getattr(user, "is_authenticated", False) else None,
            summary={},
        )
        counts = _store(municipality, run, result, inputs, params)
        seconds = time.perf_counter() - started
        run.summary = _summary(result, inputs, counts, as_of, seconds)
        run.save(update_fields=["summary"])
    return Recompute(run, result, seconds=seconds, **counts)


def _store(municipality, run, result, inputs, params) -> dict[str, int]:
    existing = {
        _key(f): f for f in Fix.objects.select_for_update().filter(municipality=municipality)
    }
    pin_category = dict(zip(inputs.pins["id"], inputs.pins["category"], strict=True))
    srid = settings.TRYGG_SRID
    created, updated, wanted_pins = [], [], {}
    fixes = result.fixes
    wkb = shapely.to_wkb(fixes.geometry.values)
    for i, row in enumerate(fixes.itertuples(index=False)):
        key = (row.fix_type, row.place_kind, int(row.place_id))
        values = {
            "rank": int(row.rank),
            "score": float(row.score),
            "department": row.department,
            "cost_class": int(row.cost_class),
            "reasons": _jsonable(row.reasons),
            "explanation": row.explanation,
        }
        fix = existing.get(key)
        if fix is None:
            fix = Fix(
                municipality=municipality,
                run=run,
                fix_type=row.fix_type,
                geom=GEOSGeometry(memoryview(wkb[i]), srid=srid),
                **values,
            )
            if row.place_kind == "segment":
                fix.segment_id = key[2]
            elif row.place_kind == "property":
                fix.property_id = key[2]
            else:
                fix.green_area_id = key[2]
            created.append(fix)
        else:
            updated.append((fix, values, wkb[i]))
        named = _report_ids(row.reasons, "pin_ids")
        if row.fix_type in PROPERTY_FIX_TYPES:
            wanted_pins[key] = named
        else:
            cats = full_relevance(params, row.fix_type)
            wanted_pins[key] = [pid for pid in named if pin_category.get(pid) in cats]
    Fix.objects.bulk_create(created, batch_size=500)
    _update_rows(run, updated)
    seen = set(wanted_pins)
    gone = [f for key, f in existing.items() if key not in seen]
    touched = set(
        FixStatusChange.objects.filter(fix__in=[f.pk for f in gone]).values_list(
            "fix_id", flat=True
        )
    )
    stale = [f.pk for f in gone if f.status == Fix.Status.PROPOSED and f.pk not in touched]
    kept = [f for f in gone if f.pk not in set(stale)]
    Fix.objects.filter(pk__in=stale).delete()
    Fix.objects.filter(pk__in=[f.pk for f in kept]).update(rank=None)
    _link_pins([*created, *(fix for fix, _, _ in updated)], wanted_pins)
    return {
        "created": len(created),
        "updated": len(updated),
        "kept": len(kept),
        "removed": len(stale),
    }


def _update_rows(run: AnalysisRun, rows: list[tuple[Fix, dict, bytes]]) -> None:
    """One UPDATE ... FROM (VALUES ...) per batch: bulk_update's CASE chains are ~10x slower."""
    table = connection.ops.quote_name(Fix._meta.db_table)
    srid = int(settings.TRYGG_SRID)
    row_sql = "(%s::bigint, %s::int, %s::float8, %s::text, %s::int, %s::jsonb, %s::text, %s::bytea)"
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        params: list = []
        for fix, v, wkb in batch:
            params += [fix.pk, v["rank"], v["score"], v["department"], v["cost_class"]]
            params += [json.dumps(v["reasons"]), v["explanation"], wkb]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS f SET run_id = %s, rank = v.rank, score = v.score, "
                "department = v.department, cost_class = v.cost_class, reasons = v.reasons, "
                f"explanation = v.explanation, geom = ST_GeomFromWKB(v.geom, {srid}) "
                f"FROM (VALUES {', '.join([row_sql] * len(batch))}) "
                "AS v(id, rank, score, department, cost_class, reasons, explanation, geom) "
                "WHERE f.id = v.id",
                [run.pk, *params],
            )


def _link_pins(fixes: list[Fix], wanted: dict[tuple, list[int]]) -> None:
    through = Fix.pins.through
    open_fixes = [f for f in fixes if f.status not in CLOSED_FIX_STATUSES]
    through.objects.filter(fix_id__in=[f.pk for f in open_fixes]).delete()
    through.objects.bulk_create(
        [
            through(fix_id=f.pk, residentpin_id=pid)
            for f in open_fixes
            for pid in dict.fromkeys(wanted.get(_key(f), []))
        ],
        batch_size=2000,
    )


def _key(fix: Fix) -> tuple[str, str, int]:
    if fix.segment_id is not None:
        return (fix.fix_type, "segment", fix.segment_id)
    if fix.property_id is not None:
        return (fix.fix_type, "property", fix.property_id)
    return (fix.fix_type, "green_area", fix.green_area_id)


def _report_ids(reasons: list[dict], field: str) -> list:
    for reason in reasons:
        if reason.get("code") == "reports":
            return list(reason.get(field) or [])
    return []


def _summary(result, inputs, counts, as_of, seconds) -> dict:
    fixes = result.fixes
    return {
        "as_of": as_of.isoformat(),
        "fixes": len(fixes),
        "by_type": dict(Counter(fixes["fix_type"])),
        "by_department": dict(Counter(fixes["department"])),
        "risk": json.loads(result.risk.to_json(orient="records")),
        "unassigned": dict(Counter(result.unassigned["reason"])),
        "answered": inputs.answered,
        "footfall_method": result.evidence.attrs.get("footfall_method", ""),
        "seconds": round(seconds, 2),
        **counts,
    }


def _jsonable(value: object) -> object:
    """Plain JSON types (numpy scalars -> Python, NaN -> None, tuples -> lists)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
