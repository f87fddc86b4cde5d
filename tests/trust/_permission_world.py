"""The objects and actors the permission matrix is tested with, and the request for each row.

One world per test module: the demo municipality (where the staff actors work) with a walk, two
participants' findings, a resident's pin with contact details and a photo, and ranked fixes; and
a small second municipality with a walk, a pin and a fix of its own. Every request names objects
of the demo municipality; `other_municipality` is a coordinator of the second one.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gis.core.models import Municipality
from gis.core.partners import Partner
from gis.fixes.models import Fix
from gis.hotspots.models import AnalysisRun
from layers.models import Incident, StreetSegment
from tests.dashboard.conftest import add_fixes
from tests.walks.conftest import finding_feature, inside_lonlat, jpeg_bytes, make_walk, upload
from walks.models import (
    Category,
    ContactAccess,
    PinContact,
    PinPhoto,
    ResidentPin,
    SafetyWalk,
    WalkAudit,
    WalkFinding,
    WalkParticipant,
)

from .permission_matrix import IMPORTERS, ROLES

CONTACT = {"name": "Rut Resident", "email": "rut.resident@example.org", "phone": "+46 70 111 22 33"}
OTHER_CODE = "perm-annanstad"


@dataclass
class World:
    """What the requests name; `here` is where the staff actors work, `there` is elsewhere."""

    here: Municipality
    there: Municipality
    users: dict[str, User]
    tokens: dict[str, str]  # device tokens of the actors that have one
    other_token: str  # the device token of another participant of the same walk
    walk: SafetyWalk
    own_finding: WalkFinding  # recorded by `participant`
    others_finding: WalkFinding  # recorded by another participant
    audit: WalkAudit
    pin: ResidentPin  # `resident`'s, with contact details and a photo
    pin_photo: PinPhoto
    hidden_photo: PinPhoto  # the photo of another pin of `resident`'s, not published
    street_fix: Fix
    parks_fix: Fix
    there_walk: SafetyWalk
    there_pin: ResidentPin
    there_fix: Fix
    admin_objects: dict[str, models.Model] = field(default_factory=dict)
    inside: tuple[float, float] = (0.0, 0.0)  # (lon, lat) inside `here`, WGS 84 degrees


def _user(name: str, *groups: str, municipality=None, superuser: bool = False) -> User:
    user = User.objects.create_user(name, is_staff=True, is_superuser=superuser)
    for group in groups:
        user.groups.add(Group.objects.get(name=group))
    if municipality is not None:
        municipality.staff.add(user)
    return user


def _square_municipality(here: Municipality, east_km: int, name: str, code: str) -> Municipality:
    """A municipality, a square of 2 km, `east_km` kilometres east of the demo."""
    centre = here.boundary.point_on_surface
    x, y = centre.x + east_km * 1000, centre.y
    square = Polygon.from_bbox((x - 1000, y - 1000, x + 1000, y + 1000))
    boundary = MultiPolygon(square, srid=settings.TRYGG_SRID)
    return Municipality.objects.create(name=name, code=code, boundary=boundary)


def _second_municipality(here: Municipality) -> tuple[Municipality, SafetyWalk, ResidentPin, Fix]:
    """A municipality 300 km east of the demo, with a street, a fix, a pin and a walk."""
    srid = settings.TRYGG_SRID
    there = _square_municipality(here, 300, "Annanstad", OTHER_CODE)
    x, y = there.boundary.centroid.x, there.boundary.centroid.y
    street = StreetSegment.objects.create(
        municipality=there,
        name="Annangatan",
        highway="residential",
        lit="no",
        length_m=200,
        geom=LineString((x - 100, y), (x + 100, y), srid=srid),
    )
    fix = Fix.objects.create(
        municipality=there,
        fix_type="add_lighting",
        department="street",
        cost_class=2,
        score=5.0,
        rank=1,
        segment=street,
        geom=street.geom,
        explanation="there: add lighting",
    )
    pin = ResidentPin.objects.create(
        municipality=there,
        category=Category.objects.get(code="lighting"),
        when="evening",
        description="Mörkt på Annangatan",
        geom=Point(x, y, srid=srid),
        reported_at=timezone.now(),
        client_uuid=uuid.uuid4(),
    )
    PinContact.objects.create(pin=pin, name="Anna There", email="anna.there@example.org")
    walk = SafetyWalk.objects.create(
        municipality=there, title="Annanstad kväll", starts_at=timezone.now(), route=street.geom
    )
    return there, walk, pin, fix


def _finding(walk: SafetyWalk, participant: WalkParticipant, note: str) -> WalkFinding:
    return WalkFinding.objects.create(
        municipality=walk.municipality,
        walk=walk,
        participant=participant,
        author_role=participant.role,
        category=Category.objects.get(code="lighting"),
        severity=3,
        when="evening",
        note=note,
        geom=walk.route.interpolate_normalized(0.5),
        observed_at=timezone.now(),
        client_uuid=uuid.uuid4(),
    )


def build_world(here: Municipality) -> World:
    """Create the world (inside the caller's transaction)."""
    from walks.views.common import read_photo
    from walks.views.pins import create_pin

    there, there_walk, there_pin, there_fix = _second_municipality(here)
    users = {role: _user(f"perm-{role}", role, municipality=here) for role in ROLES}
    users["no_role"] = _user("perm-no-role", municipality=here)
    users["other_municipality"] = _user("perm-other", "coordinator", municipality=there)
    users["superuser"] = _user("perm-superuser", superuser=True)
    shift_partner = Partner.objects.create(
        municipality=here, name="Matrisnattvandrarna", kind=Partner.Kind.NIGHT_WALKERS
    )
    shift_partner.members.add(users["partner"])

    tokens = {"resident": str(uuid.uuid4()), "participant": str(uuid.uuid4())}
    other_token = str(uuid.uuid4())
    walk = make_walk(here, title="Matrisvandring")
    mine, theirs = (
        WalkParticipant.objects.create(walk=walk, role=role, device_token=token)
        for role, token in (("resident", tokens["participant"]), ("police", other_token))
    )
    audit = WalkAudit.objects.create(
        municipality=here,
        walk=walk,
        geom=walk.route.interpolate_normalized(0.2),
        observed_at=timezone.now(),
        client_uuid=uuid.uuid4(),
        **{name: 2 for name in WalkAudit.PARAMETERS},
    )
    lon, lat = inside_lonlat(here)
    point = Point(lon, lat, srid=4326).transform(settings.TRYGG_SRID, clone=True)
    values = {
        "category": Category.objects.get(code="lighting"),
        "when": "evening",
        "description": "Mörk passage vid skolan",
        "client_uuid": uuid.uuid4(),
        "published": True,
    }
    photo = read_photo(upload("pin.jpg", jpeg_bytes()))
    pin = create_pin(values, point, here, photo, contact=CONTACT)
    hidden = {**values, "client_uuid": uuid.uuid4(), "published": False}
    hidden_pin = create_pin(
        hidden, point, here, read_photo(upload("h.jpg", jpeg_bytes())), contact={}
    )

    # The browser tests commit fixes on the same places; out of the way (rolled back).
    Fix.objects.filter(municipality=here, explanation__startswith="web:").delete()
    fixes = add_fixes(here, "perm")
    world = World(
        here=here,
        there=there,
        users=users,
        tokens=tokens,
        other_token=other_token,
        walk=walk,
        own_finding=_finding(walk, mine, "Min egen notering"),
        others_finding=_finding(walk, theirs, "Någon annans notering"),
        audit=audit,
        pin=pin,
        pin_photo=pin.photos.get(),
        hidden_photo=hidden_pin.photos.get(),
        street_fix=next(f for f in fixes if f.department == "street"),
        parks_fix=next(f for f in fixes if f.department == "parks"),
        there_walk=there_walk,
        there_pin=there_pin,
        there_fix=there_fix,
    )
    world.admin_objects = _admin_objects(world)
    world.inside = (lon, lat)
    return world


def _empty_municipality_of_the_staff(world: World) -> Municipality:
    empty = _square_municipality(world.here, 600, "Tomteby", "perm-tomteby")
    empty.staff.add(*world.here.staff.all())
    return empty


def _admin_objects(world: World) -> dict[str, models.Model]:
    """One record of each back-office model, of the demo municipality where it has one."""
    from gis.riskcalendar.models import CalendarEntry
    from layers import models as layers

    here = world.here

    def first(model, **having):
        """The model's first record here; `having`: lookups of records to pass over."""
        return model.objects.filter(municipality=here).exclude(**having).order_by("pk")[0]

    layer_records = {
        model._meta.label_lower: first(model)
        for model in (
            layers.District,
            layers.StreetLamp,
            layers.LuxReading,
            layers.Vegetation,
            layers.Camera,
            layers.Incident,
            layers.Property,
        )
    }
    # Places with a fix go only with the fix, which no role may delete: take others.
    layer_records["layers.streetsegment"] = first(layers.StreetSegment, fix__isnull=False)
    layer_records["layers.greenarea"] = first(layers.GreenArea, fix__isnull=False)
    return {
        "auth.group": Group.objects.create(name="perm-matrix-group"),
        "auth.user": User.objects.create_user("perm-matrix-victim", is_staff=True),
        "hotspots.analysisrun": AnalysisRun.objects.create(municipality=here, kind="heatmap"),
        "fixes.fix": world.street_fix,
        # An empty municipality the same staff work for: deleting the demo would take long.
        "core.municipality": _empty_municipality_of_the_staff(world),
        **layer_records,
        "walks.category": Category.objects.create(
            code="perm-matrix", name_sv="Matris", name_en="Matrix", owner="street"
        ),
        "walks.safetywalk": world.walk,
        "walks.walkfinding": world.others_finding,
        "walks.walkaudit": world.audit,
        "walks.residentpin": world.pin,
        **_partner_objects(here),
        **_presence_objects(here),
        "presence.presencemeasure": _presence_measure(here),
        "walks.contactaccess": ContactAccess.objects.create(
            user=world.users["coordinator"],
            username="perm-coordinator",
            pin=world.pin,
            channel="admin",
        ),
        "riskcalendar.calendarentry": first(CalendarEntry),  # the demo's lov and matches
        **_notices_objects(world),
        **_campaign_objects(here),
    }


def _notices_objects(world: World) -> dict[str, models.Model]:
    """The demo's digest settings, the world pin's confirmation in the outbox, a request."""
    from gis.notices.models import Message, NoticeSettings, PersonalDataRequest

    return {
        "notices.noticesettings": NoticeSettings.objects.get_or_create(municipality=world.here)[0],
        "notices.message": Message.objects.filter(pin=world.pin).order_by("pk")[0],
        "notices.personaldatarequest": PersonalDataRequest.objects.create(
            kind="lookup", address_hash="0" * 64, counts={}
        ),
    }


def _partner_objects(here) -> dict[str, models.Model]:
    """A partner of the demo with a key, and a use of another partner's key (the use log is kept:
    a partner or key with uses is deleted by nobody in the back office)."""
    from gis.core.partners import Partner, PartnerKey, PartnerKeyUse

    partner = Partner.objects.create(municipality=here, name="Matrispartnern", kind="police")
    key, _plain = PartnerKey.issue(partner)
    used = Partner.objects.create(municipality=here, name="Matrisloggen", kind="other")
    use = PartnerKeyUse.objects.create(
        key=PartnerKey.issue(used)[0], method="POST", path="/", status=200
    )
    return {"core.partner": partner, "core.partnerkey": key, "core.partnerkeyuse": use}


def _campaign_objects(here) -> dict[str, models.Model]:
    """An open digital walk over a district of the demo with one answer: a published point."""
    from gis.campaigns.models import Campaign, CampaignFeature, CampaignResponse
    from layers.models import District

    district = District.objects.filter(municipality=here).order_by("pk")[0]
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        municipality=here,
        title="Matrisvandringen",
        slug="perm-matrix-walk",
        district=district,
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=7),
    )
    response = CampaignResponse.objects.create(campaign=campaign, answers={"safe_day": 3})
    point = district.geom.point_on_surface
    point.srid = district.geom.srid
    feature = CampaignFeature.objects.create(
        response=response,
        kind="point",
        geom=point,
        category=Category.objects.get(code="lighting"),
        when="evening",
        comment="Mörkt",
        status="published",
    )
    return {"campaigns.campaign": campaign, "campaigns.campaignfeature": feature}


def _campaign_calls(world: World) -> dict[str, Callable[[], Call]]:
    """The digital walks' routes (gis.campaigns), on the world's open campaign."""
    from gis.campaigns.models import CampaignPhoto, CampaignResponse

    campaign = world.admin_objects["campaigns.campaign"]
    feature = world.admin_objects["campaigns.campaignfeature"]
    slug = campaign.slug
    lon, lat = _lonlat(feature.geom)

    def answer() -> Call:
        body = {
            "client_uuid": str(uuid.uuid4()),
            "features": [
                {
                    "kind": "point",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "category": "lighting",
                    "when": "night",
                }
            ],
            "answers": {"safe_night": 2},
        }
        url = reverse("campaigns_api:responses", args=[slug])
        return Call(url, body, json=True, probe=_count(CampaignResponse.objects.all()))

    def photo() -> Call:
        url = reverse("campaigns_api:response-photos", args=[slug, feature.response.client_uuid])
        form = {"feature": "0", "photo": upload("campaign.jpg", jpeg_bytes())}
        return Call(url, form, probe=_count(CampaignPhoto.objects.all()))

    return {
        "campaigns:answer": lambda: Call(reverse("campaigns:answer", args=[slug])),
        "campaigns:results": lambda: Call(reverse("campaigns:results", args=[slug])),
        "campaigns_api:responses": answer,
        "campaigns_api:response-photos": photo,
        "campaigns:list": lambda: Call(reverse("campaigns:list")),
        "campaigns:detail": lambda: Call(reverse("campaigns:detail", args=[slug])),
        "campaigns:poster": lambda: Call(reverse("campaigns:poster", args=[slug])),
        "campaigns:qr": lambda: Call(reverse("campaigns:qr", args=[slug])),
        "campaigns:export": lambda: Call(reverse("campaigns:export", args=[slug, "csv"])),
    }


def _presence_objects(here) -> dict[str, models.Model]:
    """A presence resource and a week plan of the demo municipality."""
    from datetime import time

    from gis.presence.models import PresencePlan, PresenceResource

    resource = PresenceResource.objects.create(
        municipality=here,
        name="Matrispatrullen",
        actor="guard",
        mode="car",
        weekdays=["fri"],
        shift_start=time(20),
        shift_end=time(2),
    )
    plan = PresencePlan.objects.create(municipality=here, week="2026-W01")
    return {"presence.presenceresource": resource, "presence.presenceplan": plan}


def _presence_measure(here):
    """A planned measure of the partner the partner actor is a member of."""
    from gis.presence.models import PresenceMeasure

    return PresenceMeasure.objects.create(
        municipality=here,
        kind="night_walking",
        title="Matrisinsats",
        geom=here.boundary.point_on_surface,
        starts_on=timezone.localdate() - timedelta(days=28),
        ends_on=timezone.localdate() - timedelta(days=1),
        partner=Partner.objects.get(municipality=here, name="Matrisnattvandrarna"),
        status="planned",
    )


def _measure_calls(world: World, method: str) -> dict[str, Callable[[], Call]]:
    """The presence measures' pages (gis.presence.urls_measures)."""
    from gis.presence.models import PresenceMeasure

    measure = world.admin_objects["presence.presencemeasure"]
    form = {
        "municipality": world.here.code,
        "kind": "safety_hosts",
        "title": "Matrisinsats ändrad",
        "lon": world.inside[0],
        "lat": world.inside[1],
        "radius_m": 150,
        "starts_on": (timezone.localdate() - timedelta(days=28)).isoformat(),
        "ends_on": timezone.localdate().isoformat(),
    }
    body = form if method == "POST" else None
    fields = ("title", "kind", "status", "done_at")
    return {
        "presence_measures:list": lambda: Call(reverse("presence_measures:list") + _here(world)),
        "presence_measures:detail": lambda: Call(
            reverse("presence_measures:detail", args=[measure.pk])
        ),
        "presence_measures:create": lambda: Call(
            reverse("presence_measures:create"),
            body,
            probe=_count(PresenceMeasure.objects.filter(municipality=world.here)),
        ),
        "presence_measures:edit": lambda: Call(
            reverse("presence_measures:edit", args=[measure.pk]),
            body,
            probe=_values(PresenceMeasure, measure.pk, *fields),
        ),
        "presence_measures:status": lambda: Call(
            reverse("presence_measures:status", args=[measure.pk]),
            {"to_status": "done"} if method == "POST" else None,
            probe=_values(PresenceMeasure, measure.pk, *fields),
        ),
    }


# --- one request per row ---------------------------------------------------------------------


@dataclass
class Call:
    """A request: path (with its query), body, and a probe of what a write would change."""

    path: str
    data: Any = None
    json: bool = False
    probe: Callable[[], object] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _lonlat(geom) -> tuple[float, float]:
    point = geom.transform(4326, clone=True)
    return round(point.x, 7), round(point.y, 7)


def _tile(world: World) -> str:
    lon, lat = _lonlat(world.walk.route.interpolate_normalized(0.5))
    n = 2**14
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/api/dashboard/tiles/reports/14/{x}/{y}.pbf"


def _count(queryset) -> Callable[[], int]:
    return queryset.count


def _values(model, pk: int, *names: str) -> Callable[[], object]:
    return lambda: model.objects.filter(pk=pk).values_list(*names).first()


def _here(world: World) -> str:
    """The municipality parameter, and a fixed end of the period so that cached pictures are
    reused from one request to the next."""
    return f"?municipality={world.here.code}&to={timezone.localdate().isoformat()}"


def _photo_form() -> dict:
    return {"photo": upload("finding.jpg", jpeg_bytes()), "client_uuid": str(uuid.uuid4())}


def _incident_csv(world: World) -> bytes:
    """A one-row incident list at a place inside `here` (WGS 84 degrees)."""
    lon, lat = world.inside
    return (
        f"lon;lat;typ;rapporterad av;tid\n{lon};{lat};klotter;polisen;2026-12-01 22:00\n".encode()
    )


def _import_job(world: World, actor: str):
    """A queued import job of the actor's (of the coordinator for those without one), its
    file kept in the import folder."""
    from layers import uploads
    from layers.models import ImportJob

    owner = world.users["coordinator" if actor not in IMPORTERS else actor]
    path = uploads.store(upload("handelser.csv", _incident_csv(world)))
    return ImportJob.objects.create(
        municipality=world.here,
        user=owner,
        layer="incidents",
        file_path=str(path),
        file_name="handelser.csv",
    )


def _newest_batch(world: World):
    """An empty import batch of `here`, the newest of its layer and source (so it can be undone)."""
    from layers.models import ImportBatch

    return ImportBatch.objects.create(
        municipality=world.here,
        layer="incidents",
        source="perm-matrix",
        file_name="x.csv",
        file_sha256="0" * 64,
    )


def _app_call(world: World, route: str, method: str, actor: str) -> Call:
    """The request of a row of the app's own routes."""
    w, pin, fix = world.walk, world.pin, world.street_fix
    token = world.tokens.get(actor)
    here = _here(world)
    lon, lat = _lonlat(w.route.interpolate_normalized(0.5))
    inside = world.inside
    findings_url = reverse("walks_api:finding-list", args=[w.join_code])
    own_url = reverse("walks_api:finding-detail", args=[w.join_code, world.own_finding.client_uuid])
    fresh = str(uuid.uuid4())
    calls: dict[str, Callable[[], Call]] = {
        "home": lambda: Call("/"),
        "accessibility": lambda: Call("/tillganglighet/"),
        "healthz": lambda: Call("/healthz"),
        "schema": lambda: Call(reverse("schema")),
        "basemap-tile": lambda: Call(reverse("basemap-tile", args=[14, 9326, 4742])),
        "basemap-style": lambda: Call(reverse("basemap-style")),
        "api-docs": lambda: Call(reverse("api-docs")),
        "set_language": lambda: Call(reverse("set_language"), {"language": "en", "next": "/"}),
        "/csp-report": lambda: Call(
            "/csp-report",
            {"csp-report": {"violated-directive": "img-src", "blocked-uri": "https://x.test"}},
            json=True,
        ),
        "login": lambda: Call(reverse("login"), {"username": "nobody", "password": "wrong"}),
        "logout": lambda: Call(reverse("logout")),
        "walks:sw": lambda: Call(reverse("walks:sw")),
        "walks:app": lambda: Call(reverse("walks:app", args=[w.join_code])),
        "walks:report": lambda: Call(reverse("walks:report")),
        "walks:track": lambda: Call(reverse("walks:track", args=[pin.tracking_token])),
        "walks:shift-report": lambda: Call(reverse("walks:shift-report")),
        "walks:shift-mine": lambda: Call(reverse("walks:shift-mine")),
        "walks_api:shift-report-list": lambda: Call(
            reverse("walks_api:shift-report-list"),
            {
                "client_uuid": fresh,
                "occurred_at": (timezone.now() - timedelta(hours=4)).isoformat(),
                "occurred_to": timezone.now().isoformat(),
                "geometry": {"type": "Point", "coordinates": list(inside)},
                "type": "gathering",
                "severity": 2,
                "young_people_met": 5,
                "physical": {"category": "lighting", "description": "Släckt lampa."},
            },
            json=True,
            probe=_count(Incident.objects.filter(municipality=world.here)),
        ),
        "walks_api:walk-list": lambda: Call(reverse("walks_api:walk-list")),
        "walks_api:walk-detail": lambda: Call(reverse("walks_api:walk-detail", args=[w.join_code])),
        "walks_api:walk-streets": lambda: Call(
            reverse("walks_api:walk-streets", args=[w.join_code])
        ),
        "walks_api:walk-join": lambda: Call(
            reverse("walks_api:walk-join", args=[w.join_code]),
            {"device_token": fresh, "role": "resident"},
            json=True,
            probe=_count(WalkParticipant.objects.filter(walk=w)),
        ),
        "walks_api:finding-list": lambda: Call(
            findings_url,
            finding_feature(lon, lat, device_token=token) if method == "POST" else None,
            json=True,
            probe=_count(WalkFinding.objects.filter(walk=w)),
        ),
        "walks_api:finding-detail": lambda: Call(
            own_url,
            {"note": "Rättad notering", "severity": 1} if method == "PATCH" else None,
            json=True,
            probe=_values(WalkFinding, world.own_finding.pk, "note", "severity"),
        ),
        "walks_api:finding-photos": lambda: Call(
            own_url + "photos/",
            _photo_form(),
            probe=_count(world.own_finding.photos.all()),
        ),
        "walks_api:audit-list": lambda: Call(
            reverse("walks_api:audit-list", args=[w.join_code]),
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "client_uuid": fresh,
                    **{name: 1 for name in WalkAudit.PARAMETERS},
                },
            },
            json=True,
            probe=_count(WalkAudit.objects.filter(walk=w)),
        ),
        "walks_api:streets": lambda: Call(
            reverse("walks_api:streets")
            + f"?in_bbox={lon - 0.002},{lat - 0.001},{lon + 0.002},{lat + 0.001}"
        ),
        "walks_api:places": lambda: Call(
            reverse("walks_api:places") + f"?q=ka&municipality={world.here.code}"
        ),
        "walks_api:category-list": lambda: Call(reverse("walks_api:category-list")),
        "walks_api:photo-location": lambda: Call(
            reverse("walks_api:photo-location"), {"photo": upload("where.jpg", jpeg_bytes())}
        ),
        "walks_api:pin-list": lambda: Call(
            reverse("walks_api:pin-list"),
            {
                "client_uuid": fresh,
                "geometry": {"type": "Point", "coordinates": list(inside)},
                "category": "vegetation",
                "when": "evening",
                "description": "Buskarna skymmer gångvägen.",
            },
            json=True,
            probe=_count(ResidentPin.objects.filter(municipality=world.here)),
        ),
        "walks_api:pin-nearby": lambda: Call(
            reverse("walks_api:pin-nearby") + f"?lon={lon}&lat={lat}&category=lighting"
        ),
        "walks_api:pin-detail": lambda: Call(reverse("walks_api:pin-detail", args=[pin.pk])),
        "walks_api:pin-votes": lambda: Call(
            reverse("walks_api:pin-votes", args=[pin.pk]),
            {"client_uuid": fresh},
            json=True,
            probe=_count(pin.votes.all()),
        ),
        "walks_api:pin-track": lambda: Call(
            reverse("walks_api:pin-track", args=[pin.tracking_token])
        ),
        "walks:list": lambda: Call(reverse("walks:list")),
        "walks:create": lambda: Call(
            reverse("walks:create"),
            {
                "title": f"Ny vandring {fresh}",
                "municipality": world.here.pk,
                "starts_at": "2026-11-22T18:00",
                "time_of_day": "evening",
            }
            if method == "POST"
            else None,
            probe=_count(SafetyWalk.objects.filter(title=f"Ny vandring {fresh}")),
        ),
        "walks:manage": lambda: Call(reverse("walks:manage", args=[w.join_code])),
        "walks:close": lambda: Call(
            reverse("walks:close", args=[w.join_code]), probe=_values(SafetyWalk, w.pk, "status")
        ),
        "walks:summary": lambda: Call(reverse("walks:summary", args=[w.join_code])),
        "walks:export": lambda: Call(reverse("walks:export", args=[w.join_code, "geojson"])),
        "dashboard:map": lambda: Call(reverse("dashboard:map") + here),
        "dashboard:situation": lambda: Call(reverse("dashboard:situation") + here),
        "dashboard:situation-csv": lambda: Call(reverse("dashboard:situation-csv") + here),
        "dashboard:situation-geojson": lambda: Call(reverse("dashboard:situation-geojson") + here),
        "dashboard:situation-map": lambda: Call(reverse("dashboard:situation-map") + here),
        "dashboard-api:tile": lambda: Call(_tile(world) + here),
        "dashboard-api:fix": lambda: Call(
            reverse("dashboard-api:fix", args=[fix.pk]),
            {"status": "planned", "note": "ok"},
            json=True,
            probe=_values(Fix, fix.pk, "status"),
        ),
        "dashboard-api:feature": lambda: Call(
            reverse("dashboard-api:feature", args=["resident", pin.pk])
        ),
        "dashboard-api:triage": lambda: Call(
            reverse("dashboard-api:triage", args=[pin.pk]),
            {"status": "triaged"},
            json=True,
            probe=_values(ResidentPin, pin.pk, "status"),
        ),
        # The photo of an unpublished pin (see "media").
        "dashboard-api:photo": lambda: Call(
            reverse("dashboard-api:photo", args=["pin", world.hidden_photo.pk, "thumb"])
        ),
        # The photo of an unpublished pin; the resident who reported it has its tracking token.
        "media": lambda: Call(
            world.hidden_photo.image.url
            + (f"?token={world.hidden_photo.pin.tracking_token}" if actor == "resident" else "")
        ),
        "fixes:detail": lambda: Call(reverse("fixes:detail", args=[fix.pk])),
        "fixes:map": lambda: Call(reverse("fixes:map", args=[fix.pk])),
        "fixes:status": lambda: Call(
            reverse("fixes:status", args=[fix.pk]),
            {"to_status": "planned"},
            probe=_values(Fix, fix.pk, "status"),
        ),
        "jobs:recompute": lambda: Call(
            reverse("jobs:recompute"),
            {"municipality": world.here.code},
            probe=_count(DBTaskResult.objects.filter(args_kwargs__args__0=world.here.code)),
        ),
    }
    calls.update(_import_calls(world, method, actor))
    calls.update(_measure_calls(world, method))
    for fmt in ("json", "xml"):
        calls[f"walks_api:open311-services-{fmt}"] = lambda fmt=fmt: Call(
            reverse(f"walks_api:open311-services-{fmt}")
        )
        calls[f"walks_api:open311-requests-{fmt}"] = lambda fmt=fmt: Call(
            reverse(f"walks_api:open311-requests-{fmt}"),
            {
                "service_code": "lighting",
                "lat": inside[1],
                "long": inside[0],
                "description": "Lampa",
            }
            if method == "POST"
            else None,
            probe=_count(ResidentPin.objects.filter(municipality=world.here)),
        )
        calls[f"walks_api:open311-request-{fmt}"] = lambda fmt=fmt: Call(
            reverse(f"walks_api:open311-request-{fmt}", kwargs={"request_id": pin.pk})
        )
        calls[f"walks_api:open311-token-{fmt}"] = lambda fmt=fmt: Call(
            reverse(f"walks_api:open311-token-{fmt}", kwargs={"token": pin.tracking_token})
        )
    calls["partner-incidents"] = lambda: Call(
        reverse("partner-incidents"),
        {"type": "FeatureCollection", "features": []} if method == "POST" else None,
        json=True,
        probe=_count(Incident.objects.filter(municipality=world.here)),
    )
    for name in (
        "counts",
        "heatmap",
        "heatmap-png",
        "hotspots",
        "districts",
        "properties",
        "routes",
        "fixes",
        "time-profile",
    ):
        calls[f"dashboard-api:{name}"] = lambda name=name: Call(
            reverse(f"dashboard-api:{name}") + here
        )
    for name in ("list", "export-csv", "export-geojson", "print"):
        calls[f"fixes:{name}"] = lambda name=name: Call(reverse(f"fixes:{name}") + here)
    calls.update(_presence_calls(world, method, actor))
    calls.update(_walkplan_calls(world, method))
    calls.update(_notices_calls(world, method, actor))
    calls.update(_campaign_calls(world))
    calls.update(_walkplan_page_calls(world, method))
    calls.update(_jobs_calls(world))
    call = calls[route]()
    if token is not None:
        call.headers["HTTP_X_TRYGG_DEVICE"] = token
    return call


def _notices_calls(world: World, method: str, actor: str) -> dict[str, Callable[[], Call]]:
    """The requests of notices' routes: a subscription to unsubscribe is made in the test's
    savepoint."""
    from gis.notices.models import Subscription

    def subscription_call(name: str) -> Call:
        subscription = Subscription.objects.create(
            pin=world.pin, email=f"matris-{actor}@example.org", role="supporter"
        )
        return Call(
            reverse(name, args=[subscription.token]),
            {} if method == "POST" else None,
            probe=_values(Subscription, subscription.pk, "unsubscribed_at"),
        )

    return {
        "notices:follow": lambda: Call(
            reverse("notices:follow", args=[world.pin.pk]),
            {"email": f"folj-{actor}@example.org"} if method == "POST" else None,
            probe=_count(Subscription.objects.filter(pin=world.pin)),
        ),
        "notices:unsubscribe": lambda: subscription_call("notices:unsubscribe"),
        "notices_api:one-click": lambda: subscription_call("notices_api:one-click"),
        "notices:personal-data": lambda: Call(
            reverse("notices:personal-data"),
            {"email": "nobody@example.org", "action": "find"} if method == "POST" else None,
        ),
    }


def _import_calls(world: World, method: str, actor: str) -> dict[str, Callable[[], Call]]:
    from layers.models import ImportBatch, ImportJob

    def job_call(name: str) -> Call:
        job = _import_job(world, actor)
        return Call(
            reverse(f"imports:{name}", args=[job.pk]),
            {} if method == "POST" else None,
            probe=_values(ImportJob, job.pk, "state", "options"),
        )

    def undo_call() -> Call:
        batch = _newest_batch(world)
        return Call(
            reverse("imports:undo", args=[batch.pk]),
            {} if method == "POST" else None,
            probe=_values(ImportBatch, batch.pk, "undone_at"),
        )

    return {
        "imports:upload": lambda: Call(
            reverse("imports:upload"),
            {
                "layer": "incidents",
                "municipality": world.here.code,
                "file": upload("handelser.csv", _incident_csv(world)),
            }
            if method == "POST"
            else None,
            probe=_count(ImportJob.objects.all()),
        ),
        "imports:job": lambda: job_call("job"),
        "imports:status": lambda: job_call("status"),
        "imports:batches": lambda: Call(reverse("imports:batches")),
        "imports:undo": undo_call,
    }


def _presence_visit(world: World):
    """A resource of the partner the `partner` actor belongs to, with a planned visit (made in
    the test's savepoint)."""
    from gis.presence.models import PlannedVisit, PresencePlan, PresenceResource

    partner = Partner.objects.get(municipality=world.here, name="Matrisnattvandrarna")
    resource = PresenceResource.objects.create(
        municipality=world.here,
        name="Matrisvandrarna",
        actor="night_walkers",
        partner=partner,
        weekdays=["fri", "sat"],
        shift_start="20:00",
        shift_end="02:00",
    )
    plan = PresencePlan.objects.create(municipality=world.here, week="2026-W50")
    lon, lat = world.inside
    start = timezone.now() + timedelta(hours=1)
    return PlannedVisit.objects.create(
        plan=plan,
        resource=resource,
        team=resource.name,
        starts_at=start,
        ends_at=start + timedelta(minutes=12),
        geom=Point(lon, lat, srid=4326).transform(settings.TRYGG_SRID, clone=True),
        place="Matristorget",
    )


def _presence_calls(world: World, method: str, actor: str) -> dict[str, Callable[[], Call]]:
    """The requests of the presence routes (gis.presence): the objects they name are made in
    the test's savepoint."""
    from gis.presence.models import PlannedVisit, PresencePlan, PresenceResource

    here = {"municipality": world.here.code, "week": "2026-W50"}
    resource_form = {
        **here,
        "name": f"Matrisväktare {actor}",
        "actor": "guard",
        "mode": "car",
        "weekdays": ["fri", "sat"],
        "shift_start": "22:00",
        "shift_end": "04:00",
        "teams": "2",
    }

    def visit_call(name: str) -> Call:
        visit = _presence_visit(world)
        if name == "team":
            return Call(reverse("presence:team", args=["2026-W50", visit.resource_id, 1]))
        if name == "resource-remove":
            return Call(
                reverse("presence:resource-remove", args=[visit.resource_id]),
                here if method == "POST" else None,
                probe=PresenceResource.objects.filter(pk=visit.resource_id).exists,
            )
        return Call(
            reverse("presence_api:visit-log", args=[visit.pk]),
            {"outcome": "done", "note": f"Lugnt ({actor})."} if method == "POST" else None,
            json=True,
            probe=_values(PlannedVisit, visit.pk, "outcome", "note", "logged_at"),
        )

    return {
        "presence:page": lambda: Call(
            reverse("presence:page") + f"?municipality={world.here.code}"
        ),
        "presence:resource-add": lambda: Call(
            reverse("presence:resource-add"),
            resource_form if method == "POST" else None,
            probe=_count(PresenceResource.objects.all()),
        ),
        "presence:resource-remove": lambda: visit_call("resource-remove"),
        "presence:plan": lambda: Call(
            reverse("presence:plan"),
            here if method == "POST" else None,
            probe=_count(PresencePlan.objects.all()),
        ),
        "presence:team": lambda: visit_call("team"),
        "presence:visits": lambda: Call(reverse("presence:visits")),
        "presence:sw": lambda: Call(reverse("presence:sw")),
        "presence_api:visit-log": lambda: visit_call("visit-log"),
    }


def _walkplan_calls(world: World, method: str) -> dict[str, Callable[[], Call]]:
    """The requests of the walk-planning API (gis.walkplan): a 30-minute walk in a square of
    600 m around the middle of the walk's route."""
    middle = world.walk.route.interpolate_normalized(0.5)
    square = Polygon.from_bbox((middle.x - 300, middle.y - 300, middle.x + 300, middle.y + 300))
    square.srid = settings.TRYGG_SRID
    area = json.loads(square.transform(4326, clone=True).geojson)
    body = {"minutes": 30, "time_of_day": "evening", "area": area}
    w = world.walk
    return {
        "walkplan_api:walkplans": lambda: Call(
            reverse("walkplan_api:walkplans"),
            {**body, "municipality": world.here.code} if method == "POST" else None,
            json=True,
        ),
        "walkplan_api:walk-plan": lambda: Call(
            reverse("walkplan_api:walk-plan", args=[w.join_code]),
            body if method == "POST" else None,
            json=True,
            probe=_values(SafetyWalk, w.pk, "plan"),
        ),
    }


def _walkplan_page_calls(world: World, method: str) -> dict[str, Callable[[], Call]]:
    """The requests of walk planning's routes: the stop and the closed walk they name are made
    in the test's savepoint."""
    from walks.models import WalkStop

    w = world.walk

    def stop() -> WalkStop:
        found, _created = WalkStop.objects.get_or_create(
            walk=w,
            order=1,
            defaults={"kind": "added", "geom": w.route.interpolate_normalized(0.3)},
        )
        return found

    def closed_walk() -> SafetyWalk:
        return SafetyWalk.objects.create(
            municipality=world.here,
            title="Avslutad matrisvandring",
            starts_at=timezone.now() - timedelta(days=7),
            route=w.route,
            status=SafetyWalk.Status.CLOSED,
        )

    return {
        "walkplan:plan": lambda: Call(reverse("walkplan:plan", args=[w.join_code])),
        "walkplan:print": lambda: Call(reverse("walkplan:print", args=[w.join_code])),
        "walkplan:results": lambda: Call(
            reverse("walkplan:results", args=[closed_walk().join_code])
        ),
        "walks_api:walk-stops": lambda: Call(reverse("walks_api:walk-stops", args=[w.join_code])),
        "walks_api:stop-tick": lambda: Call(
            reverse("walks_api:stop-tick", args=[w.join_code, stop().order]),
            {"ticked": True} if method == "POST" else None,
            json=True,
            probe=_values(WalkStop, stop().pk, "ticked_at"),
        ),
    }


def _admin_call(world: World, route: str, method: str) -> Call:
    """The request of a back-office row (`admin:<app>_<model>_<page>` or a site page)."""
    pin = world.pin
    site = {
        "admin:index": lambda: Call(reverse("admin:index")),
        "admin:app_list": lambda: Call(reverse("admin:app_list", args=["walks"])),
        "admin:login": lambda: Call(reverse("admin:login")),
        "admin:logout": lambda: Call(reverse("admin:logout")),
        "admin:password_change": lambda: Call(reverse("admin:password_change")),
        "admin:password_change_done": lambda: Call(reverse("admin:password_change_done")),
        "admin:autocomplete": lambda: Call(reverse("admin:autocomplete")),
        "admin:jsi18n": lambda: Call(reverse("admin:jsi18n")),
        "admin:view_on_site": lambda: Call(
            reverse(
                "admin:view_on_site",
                args=[ContentType.objects.get_for_model(ResidentPin).pk, pin.pk],
            )
        ),
        "admin/(?P<url>.*)$": lambda: Call(reverse("admin:index") + "no-such-page/"),
        "^admin/layers/municipality/": lambda: Call(
            reverse("admin:index") + f"layers/municipality/{world.here.pk}/change/"
        ),
        "^admin/trygg/analysisrun/": lambda: Call(reverse("admin:index") + "trygg/analysisrun/"),
        "^admin/trygg/fix/": lambda: Call(
            reverse("admin:index") + f"trygg/fix/{world.street_fix.pk}/change/"
        ),
    }
    if route in site:
        return site[route]()
    if route.startswith("admin/"):  # admin/<app>/<model>/<path:object_id>/
        _admin, app, name, _rest = route.split("/", 3)
        target = world.admin_objects[f"{app}.{name}"]
        return Call(reverse("admin:index") + f"{app}/{name}/{target.pk}/")
    if route == "admin:auth_user_password_change":
        return Call(reverse(route, args=[world.admin_objects["auth.user"].pk]))
    app, rest = route.removeprefix("admin:").split("_", 1)
    name, page = rest.rsplit("_", 1)
    target = world.admin_objects[f"{app}.{name}"]
    model = type(target)
    if page in ("changelist", "add"):
        return Call(
            reverse(route),
            {} if method == "POST" else None,
            probe=_count(model._default_manager.all()),
        )
    if page == "delete":
        return Call(
            reverse(route, args=[target.pk]),
            {"post": "yes"} if method == "POST" else None,
            probe=model._default_manager.filter(pk=target.pk).exists,
        )
    fields = [f.name for f in model._meta.concrete_fields]
    return Call(
        reverse(route, args=[target.pk]),
        {} if method == "POST" else None,
        probe=_values(model, target.pk, *fields),
    )


def call_for(world: World, route: str, method: str, actor: str) -> Call:
    """The request of one row of the matrix as `actor`."""
    if route.lstrip("^").startswith("admin"):
        return _admin_call(world, route, method)
    return _app_call(world, route, method, actor)


def send(client, method: str, call: Call):
    """Make the request with the Django test client."""
    if method == "GET":
        return client.get(call.path, **call.headers)
    if call.json:
        body = json.dumps(call.data) if call.data is not None else ""
        return client.generic(
            method, call.path, body, content_type="application/json", **call.headers
        )
    if method == "POST":
        return client.post(call.path, call.data or {}, **call.headers)
    return client.generic(method, call.path, **call.headers)


def _jobs_calls(world: World) -> dict[str, Callable[[], Call]]:
    """The recompute task's page and status, on a ranking of the world's municipality enqueued
    in the test's savepoint."""
    from gis.jobs.tasks import analyse

    def task_call(name: str) -> Call:
        result = analyse.enqueue(world.here.code, "prioritise", None)
        return Call(reverse(name, args=[result.id]))

    return {name: lambda name=name: task_call(name) for name in ("jobs:task", "jobs:task-status")}
