"""The visit log on the phone (/narvaro/besok/, /en/presence/visits/) and its service worker.

The page lists the visits of the current shift of the teams the user belongs to (EST partners'
members: their partners' resources; coordinators: every team of their municipalities) with
"Gjort" / "Inte gjort" and a short note. It works without a connection like the field app: its
service worker (the field app's, walks/templates/walks/sw.js, with this page's shell) keeps the
page with its visits, and every tick goes through the field app's IndexedDB outbox
(walks/static/walks/outbox.js) to `POST /api/presence/visits/<id>/log`, sent when the phone is
back online; the API is idempotent, so a resent tick changes nothing.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from gis.presence import access
from gis.presence.serializers import NOTE_MAX
from gis.presence.views.plans import map_config
from walks.views.pages import render_service_worker, static_version

#: The visits the log lists: from this long before now (a night shift begun yesterday
#: evening) to this long after (the rest of today's shifts).
LOG_BEFORE = dt.timedelta(hours=12)
LOG_AFTER = dt.timedelta(hours=18)

#: The page's shell, kept by the service worker for use without a connection.
STATIC_SHELL = (
    "trygg/tokens.css",
    "trygg/components.css",
    "trygg/base.css",
    "vendor/maplibre-gl/maplibre-gl.css",
    "vendor/maplibre-gl/maplibre-gl.js",
    "walks/fieldmap.js",
    "walks/outbox.js",
    "presence/presence.css",
    "presence/visitlog.js",
)


@lru_cache(maxsize=1)
def shell_version() -> str:
    """The version of the visit log's shell: a new one makes phones fetch it again."""
    return static_version(STATIC_SHELL)


def log_strings() -> dict[str, str]:
    """Texts the visit log shows from JavaScript, in the active language."""
    return {
        "queued": _("Kept on this phone: it is sent when you are online."),
        "saved": _("Sent."),
        "rejected": _("Not accepted:"),
        "done": _("Done"),
        "notDone": _("Not done"),
        "pending": _("%(n)s waiting to be sent"),
        "offline": _("No connection: ticks are kept on this phone."),
        "online": _("Online."),
    }


@never_cache
@require_safe
@login_required
def visit_log(request: HttpRequest) -> HttpResponse:
    """The visits of the current shift of the user's teams, to tick done or not done."""
    if not access.can_log(request.user):
        raise PermissionDenied(_("Your role may not log visits."))
    now = timezone.now()
    visits = list(
        access.loggable_visits(request.user)
        .filter(ends_at__gt=now - LOG_BEFORE, starts_at__lt=now + LOG_AFTER)
        .select_related("plan__municipality")
        .order_by("starts_at", "team", "pk")
    )
    municipality = visits[0].plan.municipality if visits else None
    config = {
        "sw": reverse("presence:sw"),
        "page": request.path,
        "log": reverse("presence_api:visit-log", args=[0]).replace("/0/", "/{id}/"),
        "strings": log_strings(),
    }
    if municipality is not None:
        config.update(map_config(municipality, visits))
    context = {"visits": visits, "config": config, "note_max": NOTE_MAX, "now": now}
    return render(request, "presence/visit_log.html", context)


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The visit log's service worker: the field app's, with this page's shell and API."""
    return render_service_worker(
        request,
        cache="trygg-presence",
        version=shell_version(),
        shell=STATIC_SHELL,
        api_prefixes=[],
    )
