"""The planted dark path's lamps and their repair: the demo's one done fix, from the ranking.

The dark path (``fixed_dark_path`` in :mod:`gis.demo.plan`) had broken lamps until the street
department repaired them two months ago; then its reports stopped. That is the story of the
historical hot spot, of a fix's follow-up and of the before/after notebook. OSM maps no lamp
on that path, so the demo adds the street department's own: one every ``LAMP_SPACING_M`` along
it (at least two, source ``demo``), broken while the path was reported.

The fix is the one the ranking proposed for the path on the day the department took it up
(:func:`gis.fixes.persist.compute` as of that day, nothing stored), so it carries the type,
score, department, reasons and explanation the ranking gave it, as every fix of the demo does.
It is stored done, with its history; it answers the path's reports, and today's ranking, which
no longer proposes it, leaves it without a rank. Once repaired, the lamps light the lux readings
measured after the repair.
"""

from __future__ import annotations

import json
import math
from datetime import datetime

import numpy as np
from django.contrib.gis.geos import MultiPoint
from django.contrib.gis.measure import D
from django.db.models import QuerySet

from gis.core.models import Municipality
from gis.demo.generate import illuminance
from gis.demo.plan import SOURCE
from gis.fixes.models import Fix, FixStatusChange
from gis.fixes.persist import LIGHTING_FIXES, compute
from layers.models import LuxReading, StreetLamp, StreetSegment

#: One lamp per this many metres of the path (at least two), as EN 13201 P-class paths have.
LAMP_SPACING_M = 30.0
#: Lux readings this close to a repaired lamp (metres) get its light after the repair.
LIGHT_REACH_M = 60.0


class DemoFixError(RuntimeError):
    """The ranking of the day proposes no lighting fix on the dark path."""


def add_broken_lamps(municipality: Municipality, segment: StreetSegment) -> list[StreetLamp]:
    """The street department's lamps along `segment`, evenly spaced and broken.

    Returns
    -------
    list of layers.models.StreetLamp
        Points on the segment (storage CRS), status broken, source ``demo``.
    """
    count = max(2, math.ceil(segment.length_m / LAMP_SPACING_M))
    return StreetLamp.objects.bulk_create(
        [
            StreetLamp(
                municipality=municipality,
                status=StreetLamp.Status.BROKEN,
                geom=segment.geom.interpolate_normalized((i + 0.5) / count),
                source=SOURCE,
                source_id=f"dark-path-lamp-{i + 1}",
            )
            for i in range(count)
        ]
    )


def repair_lamps(lamps: list[StreetLamp], repaired_at: datetime) -> None:
    """Mark `lamps` working since `repaired_at` and add their light to the lux readings
    measured at or after it within ``LIGHT_REACH_M`` (:func:`gis.demo.generate.illuminance`)."""
    StreetLamp.objects.filter(pk__in=[lamp.pk for lamp in lamps]).update(
        status=StreetLamp.Status.WORKING, status_checked_at=repaired_at
    )
    where = MultiPoint([lamp.geom for lamp in lamps], srid=lamps[0].geom.srid)
    at = np.array(where.coords)
    lit = list(
        LuxReading.objects.filter(
            municipality=lamps[0].municipality_id,
            measured_at__gte=repaired_at,
            geom__dwithin=(where, D(m=LIGHT_REACH_M)),
        )
    )
    for reading in lit:
        added = float(illuminance(np.array([reading.geom.coords]), at)[0])
        reading.lux = round(reading.lux + added, 2)
    LuxReading.objects.bulk_update(lit, ["lux"])


def light_the_dark_path(
    municipality: Municipality,
    segment: StreetSegment,
    *,
    decided_at: datetime,
    done_at: datetime,
    answer: str,
    pins: QuerySet,
) -> Fix:
    """The dark path's history: its lamps broken, the best-ranked lighting fix of `segment` in
    the ranking of `decided_at` taken up that day and done on `done_at`, the lamps repaired.

    Parameters
    ----------
    municipality : gis.core.models.Municipality
        The demo municipality, its reports loaded.
    segment : layers.models.StreetSegment
        The dark path (storage CRS, metres).
    decided_at, done_at : datetime
        Aware: the day the ranking proposed the fix and it was planned; the day it was done.
    answer : str
        The answer the residents got.
    pins : QuerySet of walks.models.ResidentPin
        The reports the fix answered (linked to it).

    Returns
    -------
    gis.fixes.models.Fix
        Status done, no rank and no run, with its history: proposed → planned → done.

    Raises
    ------
    DemoFixError
        When the ranking of `decided_at` proposes no lighting fix on `segment`.
    """
    lamps = add_broken_lamps(municipality, segment)
    row = _ranked_lighting_fix(municipality, segment, decided_at)
    fix = Fix.objects.create(
        municipality=municipality,
        fix_type=row["fix_type"],
        department=row["department"],
        cost_class=row["cost_class"],
        score=row["score"],
        rank=None,
        segment=segment,
        reasons=row["reasons"],
        explanation=row["explanation"],
        status=Fix.Status.DONE,
        done_at=done_at,
        status_changed_at=done_at,
        answer=answer,
        geom=segment.geom,
    )
    fix.pins.set(pins)
    _history(fix, (Fix.Status.PROPOSED, decided_at), (Fix.Status.PLANNED, done_at))
    repair_lamps(lamps, done_at)
    return fix


def _ranked_lighting_fix(
    municipality: Municipality, segment: StreetSegment, as_of: datetime
) -> dict:
    """The best-ranked lighting fix of `segment` in the ranking of `as_of`, as plain JSON
    (numpy numbers as Python numbers, NaN as null: as the ranking stores its fixes)."""
    fixes = compute(municipality, as_of=as_of)[0].fixes
    mine = fixes[
        (fixes["place_kind"] == "segment")
        & (fixes["place_id"] == segment.pk)
        & fixes["fix_type"].isin(LIGHTING_FIXES)
    ].sort_values("rank")
    if mine.empty:
        raise DemoFixError(
            f"the ranking of {as_of:%Y-%m-%d} proposes no lighting fix on segment "
            f"{segment.pk}, the demo's dark path"
        )
    return json.loads(mine.drop(columns="geometry").head(1).to_json(orient="records"))[0]


def _history(fix: Fix, *steps: tuple[str, datetime]) -> None:
    """Record `fix`'s status changes: from each step's status, at its time, to the next one's
    (the last step goes to the fix's status)."""
    targets = [status for status, _when in steps[1:]] + [fix.status]
    for (from_status, when), to_status in zip(steps, targets, strict=True):
        change = FixStatusChange.objects.create(
            fix=fix, from_status=from_status, to_status=to_status, note="demo"
        )
        # `changed_at` is set on creation; the demo's history happened in the past.
        FixStatusChange.objects.filter(pk=change.pk).update(changed_at=when)
