"""The partners' shift report: its phone page, its API and "Mina rapporter" (my reports).

Only members of an EST partner (:func:`gis.core.partners.partners_of`) report shifts; other
logged-in users get 403. The page queues each report in the field app's IndexedDB outbox with
an id made on the phone, so a report made without a connection is sent when the phone is back
online; the API stores it once (walks.shift_reports) and answers a replay with the same ids.
The API uses the session (a logged-in partner member), so it checks the CSRF token the page
sends as `X-CSRFToken`, as Django's session views do.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.core.partners import Partner, partners_of
from layers.models import Incident
from walks import shift_reports
from walks.models import ResidentPin
from walks.views.common import PublicEndpoint, check_inside
from walks.views.pages import _categories, _map_settings, _street_bounds

#: How many of its newest incidents and pins "Mina rapporter" lists.
MINE_LIMIT = 200


def _member_partners(request: HttpRequest) -> QuerySet[Partner]:
    """The requesting user's partners; 403 when there are none."""
    partners = partners_of(request.user).select_related("municipality")
    if not partners.exists():
        raise PermissionDenied(_("Only members of an EST partner report shifts."))
    return partners


def shift_strings() -> dict[str, str]:
    """Texts the shift report page shows from JavaScript, in the active language."""
    return {
        "placeFirst": _("Mark the place: GPS or a tap on the map."),
        "pickType": _("Pick what happened."),
        "pickSeverity": _("Pick a severity."),
        "pickPartner": _("Pick the partner you report for."),
        "describeFix": _("Describe what should be fixed."),
        "pickTimes": _("Give the date and the times of the shift."),
        "noGps": _("No GPS position. Allow location or tap the map."),
        "queued": _("Kept on this phone: it is sent when you are online."),
        "saved": _("Sent."),
        "rejected": _("Not accepted:"),
        "sending": _("Sending…"),
        "pending": _("%(n)s waiting to be sent"),
        "sent": _("%(n)s sent"),
    }


@never_cache
@require_GET
@login_required
def shift_report(request: HttpRequest) -> HttpResponse:
    """The one-screen shift report of a partner member (403 for everyone else)."""
    partners = list(_member_partners(request))
    start, end = shift_reports.last_shift()
    config = {
        "bounds": _street_bounds(partners[0].municipality),
        "shift": {"start": start.isoformat(), "end": end.isoformat()},
        "partners": [p.pk for p in partners],
        "api": {
            "reports": reverse("walks_api:shift-report-list"),
            "streets": reverse("walks_api:streets"),
        },
        "map": {**_map_settings(), "minFitZoom": 13},
        "strings": shift_strings(),
    }
    context = {
        "config": config,
        "partners": partners,
        "types": Incident.Type.choices,
        "severities": range(1, shift_reports.SEVERITY_MAX + 1),
        "categories": _categories(),
    }
    return render(request, "walks/shift_report.html", context)


@never_cache
@require_GET
@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    """ "Mina rapporter": the incidents and pins of the user's partners, newest first, with what
    became of the pins (status, public answer). Nothing of other partners or of residents."""
    partners = list(_member_partners(request))
    incidents = (
        Incident.objects.filter(partner__in=partners)
        .select_related("partner")
        .order_by("-occurred_at", "-pk")[:MINE_LIMIT]
    )
    pins = (
        ResidentPin.objects.filter(partner__in=partners)
        .select_related("partner", "category")
        .order_by("-reported_at", "-pk")[:MINE_LIMIT]
    )
    context = {
        "partners": partners,
        "incidents": incidents,
        "pins": pins,
        "several": len(partners) > 1,
    }
    return render(request, "walks/shift_mine.html", context)


CREATED_REPORT = inline_serializer(
    "CreatedShiftReport",
    {
        "incident": serializers.IntegerField(help_text="The id of the stored incident."),
        "pin": serializers.IntegerField(
            allow_null=True, help_text="The id of the pin of the physical box, if any."
        ),
        "mine_url": serializers.CharField(help_text='The partner\'s "Mina rapporter" page.'),
    },
)


def _partner_for(partners: QuerySet[Partner], chosen: int | None) -> Partner:
    """The partner a report is for: the one chosen among the user's, or the only one."""
    if chosen is not None:
        partner = partners.filter(pk=chosen).first()
        if partner is None:
            raise serializers.ValidationError(
                {"partner": [_("You do not report for this partner.")]}
            )
        return partner
    if len(partners) != 1:
        raise serializers.ValidationError({"partner": [_("Pick the partner you report for.")]})
    return partners[0]


class ShiftReportList(PublicEndpoint, APIView):
    """A partner member's shift report (POST, JSON): stored as an incident of the partner, and
    with a physical box also as a pin routed like a resident's. A replay of the same
    `client_uuid` answers 200 with the same ids and stores nothing."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        request=shift_reports.ShiftReportInput,
        responses={201: CREATED_REPORT, 200: CREATED_REPORT},
    )
    def post(self, request):
        partners = partners_of(request.user).select_related("municipality")
        if not partners.exists():
            raise ApiPermissionDenied(_("Only members of an EST partner report shifts."))
        data = shift_reports.ShiftReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        partner = _partner_for(partners, values.get("partner"))
        found = shift_reports.stored(partner, values["client_uuid"])
        if found is None:
            check_inside(values["geometry"], partner.municipality, "geometry")
            incident, pin, created = shift_reports.store(partner, values)
        else:
            (incident, pin), created = found, False
        body = {
            "incident": incident.pk,
            "pin": pin.pk if pin else None,
            "mine_url": reverse("walks:shift-mine"),
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
