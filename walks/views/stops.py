"""The numbered stops of a planned walk on the participants' phones, and their ticks.

The stops (``WalkStop``, saved by the walk planner, gis.walkplan) are read with the walk's join
code like the rest of the walk (GET, public while the walk is open). A participant ticks a stop
("Vi har varit här") from the phone: the request carries the device token the phone joined the
walk with (``X-Trygg-Device``), as corrections of findings do. A tick is idempotent: ticking a
ticked stop keeps its first time and phone, so the outbox may replay it after a lost answer;
``{"ticked": false}`` unticks it.
"""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.core import textguard
from gis.core.api.fields import to_wgs84
from gis.core.throttles import WriteThrottledMixin, device_token, throttles_for
from walks.models import ResidentPin, SafetyWalk, WalkParticipant, WalkStop
from walks.views.common import PublicEndpoint
from walks.views.walks import DEVICE_PARAMETER, _open_for_uploads, walk_by_code


class StopSerializer(textguard.Serializer):
    """A stop as the phone shows it: number, kind, place, why, what to look at, ticked."""

    order = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    title = serializers.CharField()
    why = serializers.CharField()
    look_at = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    ticked = serializers.BooleanField()
    ticked_at = serializers.DateTimeField(allow_null=True)


class TickInput(textguard.Serializer):
    """A tick (default) or, with ``ticked: false``, an untick."""

    ticked = serializers.BooleanField(required=False, default=True)


def stop_rows(walk: SafetyWalk) -> list[dict]:
    """The walk's stops in order, as :class:`StopSerializer` data (WGS 84 degrees), with the id
    of what proposed each (``id``, for the planning page)."""
    rows = []
    for stop in walk.stops.order_by("order"):
        point = to_wgs84(stop.geom)
        rows.append(
            {
                "order": stop.order,
                "kind": stop.kind,
                "id": stop.ref_id,
                "kind_label": str(stop.get_kind_display()),
                "title": stop.title,
                "why": stop.why,
                "look_at": stop.look_at,
                "lon": round(point.x, 7),
                "lat": round(point.y, 7),
                "ticked": stop.ticked_at is not None,
                "ticked_at": stop.ticked_at,
            }
        )
    return rows


class StopList(PublicEndpoint, APIView):
    """The walk's numbered stops, in walking order."""

    @extend_schema(responses={200: StopSerializer(many=True)})
    def get(self, request, code: str):
        walk = walk_by_code(code)
        return Response(StopSerializer(stop_rows(walk), many=True).data)


class StopTick(PublicEndpoint, WriteThrottledMixin, APIView):
    """Tick a stop as visited (or untick it) from a participant's phone."""

    throttle_classes = throttles_for("walk")
    parser_classes = [JSONParser]

    @extend_schema(
        parameters=[DEVICE_PARAMETER],
        request=TickInput,
        responses={
            200: StopSerializer,
            403: OpenApiResponse(description="Not a participant of this walk"),
            404: OpenApiResponse(description="No such walk or stop"),
        },
    )
    def post(self, request, code: str, order: int):
        walk = walk_by_code(code)
        stop = get_object_or_404(WalkStop, walk=walk, order=order)
        token = device_token(request)
        participant = (
            WalkParticipant.objects.filter(walk=walk, device_token=token).first() if token else None
        )
        if participant is None:
            raise PermissionDenied(_("Only the walk's participants may tick its stops."))
        _open_for_uploads(walk)
        data = TickInput(data=request.data if isinstance(request.data, dict) else {})
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            stop = WalkStop.objects.select_for_update().get(pk=stop.pk)
            if data.validated_data["ticked"] and stop.ticked_at is None:
                stop.ticked_at = timezone.now()
                stop.ticked_by = participant
                stop.save(update_fields=["ticked_at", "ticked_by"])
            elif not data.validated_data["ticked"] and stop.ticked_at is not None:
                stop.ticked_at = None
                stop.ticked_by = None
                stop.save(update_fields=["ticked_at", "ticked_by"])
        row = next(r for r in stop_rows(walk) if r["order"] == stop.order)
        return Response(StopSerializer(row).data)


def results_of_pin(pin: ResidentPin) -> list[dict]:
    """The public results pages of the closed walks that had this pin as a stop: ``title``,
    ``date`` and ``url`` each (none where the results pages are not installed)."""
    walks = (
        SafetyWalk.objects.filter(
            status=SafetyWalk.Status.CLOSED,
            stops__kind=WalkStop.Kind.PIN,
            stops__ref_id=pin.pk,
        )
        .distinct()
        .order_by("-starts_at")
    )
    links = []
    for walk in walks:
        try:
            url = reverse("walkplan:results", args=[walk.join_code])
        except NoReverseMatch:
            return []
        links.append({"title": walk.title, "date": walk.starts_at, "url": url})
    return links
