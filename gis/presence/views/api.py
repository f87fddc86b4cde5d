"""The presence API: a team logs a visit from the phone (done / not done, a note).

The phone queues each log in the field app's IndexedDB outbox (walks/static/walks/outbox.js) and
sends it when it is online, so the same log may arrive twice: the API is idempotent (the same
log again changes nothing and answers 200 with the stored state). A different log of the same
visit is a correction and replaces the stored one. The API uses the logged-in session, so it
checks the CSRF token the page sends as `X-CSRFToken`, as the shift report's does.
"""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.presence import access
from gis.presence.serializers import VisitLogInput, VisitLogOutput
from walks.views.common import PublicEndpoint


class VisitLog(PublicEndpoint, APIView):
    """Log a planned visit: `{"outcome": "done" | "not_done", "note": "..."}` (POST, JSON).

    200 with the stored visit, also when the same log comes again (nothing changes then); 400
    naming the field; 403 for a visit of another partner's team or without the log permission;
    404 for a visit of another municipality.
    """

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(request=VisitLogInput, responses={200: VisitLogOutput})
    def post(self, request, pk: int):
        if not access.can_log(request.user):
            raise PermissionDenied(_("Your role may not log visits."))
        visit = get_object_or_404(access.visible_visits(request.user), pk=pk)
        if not access.may_log(request.user, visit):
            raise PermissionDenied(_("This visit belongs to another team."))
        data = VisitLogInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome, note = data.validated_data["outcome"], data.validated_data["note"]
        with transaction.atomic():
            visit = type(visit).objects.select_for_update().get(pk=visit.pk)
            if (visit.outcome, visit.note) != (outcome, note):
                visit.outcome, visit.note = outcome, note
                visit.logged_at, visit.logged_by = timezone.now(), request.user
                visit.save(update_fields=["outcome", "note", "logged_at", "logged_by"])
        return Response(VisitLogOutput(visit).data)
