"""Run in a subprocess on a database restored from an older release and migrated: read it back
through this release's models and pages, as the old release's coordinator would use it.

Prints one JSON line with what it found (the test asserts on it); exits non-zero with the
traceback on the first error. Signing in writes a session row, so run this after the row counts
are compared.
"""

from __future__ import annotations

import json
import re

import django

USERNAME = "coordinator_v1"
MOVED = ["municipality", "analysisrun", "hotspotcell", "fix", "fixstatuschange"]


def main() -> None:
    django.setup()
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.models import User
    from django.contrib.contenttypes.models import ContentType
    from django.test import Client
    from django.test.utils import setup_test_environment

    from gis.fixes.models import Fix, FixStatusChange
    from walks.models import ResidentPin, SafetyWalk

    setup_test_environment()  # the test client's host, "testserver", is allowed
    user = User.objects.get(username=USERNAME)
    log = LogEntry.objects.get()
    found = {
        "content_types": {
            ct.model: [ct.pk, ct.app_label] for ct in ContentType.objects.filter(model__in=MOVED)
        },
        "direct": sorted(
            f"{p.content_type.app_label}.{p.codename}" for p in user.user_permissions.all()
        ),
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "through_groups": sorted(user.get_group_permissions()),
        "has": {
            code: user.has_perm(code)
            for code in [
                "fixes.view_fix",
                "fixes.change_fix",
                "core.view_municipality",
                "hotspots.view_analysisrun",
                "trygg.view_fix",
                "layers.view_municipality",
            ]
        },
        "history": [
            [c.fix_id, c.from_status, c.to_status, c.note, c.changed_by.get_username()]
            for c in FixStatusChange.objects.select_related("changed_by").order_by("pk")
        ],
        "log": {
            "content_type": f"{log.content_type.app_label}.{log.content_type.model}",
            "object": type(log.get_edited_object()).__name__,
            "object_id": log.object_id,
            "message": log.change_message,
            "url": log.get_admin_url(),
            "user": log.user.get_username(),
        },
        "counts": {
            "pins": ResidentPin.objects.count(),
            "walks": SafetyWalk.objects.count(),
            "fixes": Fix.objects.count(),
            "v1_walks": SafetyWalk.objects.filter(title="v1 walk").count(),
        },
        "fixes_of": {
            status: sorted(Fix.objects.filter(status=status).values_list("pk", flat=True))
            for status in ["scheduled", "rejected"]
        },
    }

    client = Client()
    client.force_login(user)
    pages = {}
    for status in ["scheduled", "rejected"]:
        response = client.get("/fixes/", {"status": status})
        pages[f"list {status}"] = [
            response.status_code,
            sorted(int(pk) for pk in re.findall(r'data-fix="(\d+)"', response.text)),
        ]
    detail = client.get("/fixes/2/")
    pages["detail 2"] = [
        detail.status_code,
        [note for note in ["v1 plan", "v1 sched", USERNAME] if note in detail.text],
    ]
    api = client.get("/api/dashboard/fixes/", {"fix_status": "scheduled"})
    pages["api list scheduled"] = [
        api.status_code,
        sorted(feature["properties"]["id"] for feature in api.json()["features"]),
    ]
    for pk in [2, 3]:
        response = client.get(f"/api/dashboard/fixes/{pk}/")
        pages[f"api fix {pk}"] = [
            response.status_code,
            [[h["from"], h["to"], h["by"], h["note"]] for h in response.json()["history"]],
        ]
    found["pages"] = pages
    print(json.dumps(found))


if __name__ == "__main__":
    main()
