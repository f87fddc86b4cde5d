"""The demo's presence measures: three measures EST decided, each at a planted place.

Generated, like every report of the demo:

* night walking on Friday and Saturday nights at the square where groups gather
  (``persistent_gathering`` of :mod:`gis.demo.plan`), by the demo's night walkers, for the six
  weeks that ended a week ago, done. EST decided it after a surge of police incidents at the
  square in the six weeks before: this module plants that surge (``SURGE`` incidents on Friday
  and Saturday nights within 60 m of the place, source ``demo``, ids ``measure-surge-<n>``), so
  the follow-up finds fewer reports during the measure against a steady comparison ring;
* safety hosts at the new hidden corner for the coming four weeks, planned;
* dialogue with young people along the intensifying park path, from in two weeks, recorded.

Idempotent: the measures are found by title, the surge by its source ids.
"""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from django.contrib.gis.geos import Point
from django.utils import timezone

from gis.core.models import Municipality
from gis.core.partners import Partner
from gis.demo.places import demo_places
from gis.demo.plan import SOURCE
from gis.presence.models import PresenceMeasure
from layers.models import Incident

SURGE = 40
WEEKS = 6
NIGHT_WALKING = "Nattvandring fredag–lördag vid torget"
SAFETY_HOSTS = "Trygghetsvärdar vid det dolda hörnet"
YOUTH_DIALOGUE = "Dialog med unga längs parkstigen"


def ensure_demo_measures(municipality: Municipality, now: datetime | None = None) -> list:
    """Create the three measures (and the night walking's surge) unless they exist."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    places = demo_places(municipality).set_index("key")
    partner = Partner.objects.filter(
        municipality=municipality, kind=Partner.Kind.NIGHT_WALKERS
    ).first()

    def point(key: str) -> Point:
        shape = places.loc[key].geometry
        return Point(shape.x, shape.y, srid=municipality.boundary.srid)

    ends = today - timedelta(days=7)
    starts = ends - timedelta(weeks=WEEKS) + timedelta(days=1)
    square = point("persistent_gathering")
    specs = [
        {
            "title": NIGHT_WALKING,
            "kind": PresenceMeasure.Kind.NIGHT_WALKING,
            "description": "Två grupper nattvandrare fredag och lördag 21–02 runt torget.",
            "geom": square,
            "radius_m": 150,
            "starts_on": starts,
            "ends_on": ends,
            "decided_on": starts - timedelta(days=4),
            "status": PresenceMeasure.Status.DONE,
            "done_at": timezone.make_aware(datetime.combine(ends, time(23, 0))),
        },
        {
            "title": SAFETY_HOSTS,
            "kind": PresenceMeasure.Kind.SAFETY_HOSTS,
            "description": "Bostadsbolagets trygghetsvärdar går förbi kvällstid.",
            "geom": point("new_hidden_corner"),
            "radius_m": 120,
            "starts_on": today,
            "ends_on": today + timedelta(weeks=4),
            "decided_on": today - timedelta(days=3),
            "status": PresenceMeasure.Status.PLANNED,
        },
        {
            "title": YOUTH_DIALOGUE,
            "kind": PresenceMeasure.Kind.YOUTH_DIALOGUE,
            "description": "Fältassistenter och fritidsgården bjuder in till samtal.",
            "geom": point("intensifying_park_path"),
            "radius_m": 200,
            "starts_on": today + timedelta(weeks=2),
            "ends_on": today + timedelta(weeks=10),
            "status": PresenceMeasure.Status.RECORDED,
        },
    ]
    measures = []
    for spec in specs:
        title = spec.pop("title")
        measure, _created = PresenceMeasure.objects.get_or_create(
            municipality=municipality, title=title, defaults={**spec, "partner": partner}
        )
        measures.append(measure)
    _plant_surge(municipality, square, starts)
    return measures


def _plant_surge(municipality: Municipality, square: Point, starts) -> None:
    """``SURGE`` police incidents on Friday and Saturday nights in the six weeks before the
    night walking began, spread on a circle of up to 60 m around the square."""
    if Incident.objects.filter(source=SOURCE, source_id="measure-surge-0").exists():
        return
    first = starts - timedelta(weeks=WEEKS)
    nights = [first + timedelta(days=d) for d in range(WEEKS * 7)]
    nights = [d for d in nights if d.weekday() in (4, 5)]  # Friday, Saturday
    rows = []
    for k in range(SURGE):
        day = nights[k % len(nights)]
        at = timezone.make_aware(datetime.combine(day, time(22, 0)) + timedelta(minutes=9 * k))
        angle, reach = 2.4 * k, 10 + (k * 7) % 50
        rows.append(
            Incident(
                municipality=municipality,
                type=Incident.Type.GATHERING,
                reported_by=Incident.Source.POLICE,
                occurred_at=at,
                description="Grupp som stör vid torget",
                geom=Point(
                    square.x + reach * math.cos(angle),
                    square.y + reach * math.sin(angle),
                    srid=square.srid,
                ),
                source=SOURCE,
                source_id=f"measure-surge-{k}",
            )
        )
    Incident.objects.bulk_create(rows)
