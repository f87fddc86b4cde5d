"""Project-level pages: the start page and a health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from layers.models import Camera, Municipality, StreetLamp, StreetSegment
from walks.models import ResidentPin, SafetyWalk, WalkFinding


def home(request: HttpRequest) -> HttpResponse:
    """The start page: what is loaded, and where to go next."""
    counts = {
        "segments": StreetSegment.objects.count(),
        "lamps": StreetLamp.objects.count(),
        "cameras": Camera.objects.count(),
        "walks": SafetyWalk.objects.count(),
        "findings": WalkFinding.objects.count(),
        "pins": ResidentPin.objects.count(),
    }
    context = {"municipalities": Municipality.objects.all(), "counts": counts}
    return render(request, "home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and the fault scripts."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok", "database": "ok"})
    except Exception as error:
        return JsonResponse({"status": "error", "database": str(error).splitlines()[0]}, status=503)
