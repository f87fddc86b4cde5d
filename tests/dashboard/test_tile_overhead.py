"""A dashboard tile costs little beyond its SQL: the session, the user read with its
permissions and memberships (gis.core.requestuser), the version of the municipality's reports,
then the tile unless it is cached at that version (gis.dashboard.tilecache); nothing of the user
is kept between requests, so a role or membership taken away counts at the next tile, cached or
not. Private tiles stay
private; the public basemap's tiles read no session and are public with an ETag and 304."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gis.core import tenancy
from gis.core.requestuser import load_user

from .conftest import PASSWORD

TILE = "/api/dashboard/tiles/reports/14/9326/4740.pbf"
BASEMAP = "/basemap/14/9326/4740.pbf"


@pytest.fixture
def planner(client, user_of, demo):
    user = user_of("planner")
    assert client.login(username=user.username, password=PASSWORD)
    return user


def captured(client, path: str, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    return response, [q["sql"] for q in queries.captured_queries]


def test_a_new_tile_makes_four_queries_and_a_cached_one_three(client, planner, demo, settings):
    settings.TRYGG_TILE_CACHE_SECONDS = 0
    client.get(TILE)  # first use: whatever a process reads once
    settings.TRYGG_TILE_CACHE_SECONDS = 600
    response, queries = captured(client, TILE)
    assert response.status_code == 200
    assert len(queries) == 4, queries
    assert "django_session" in queries[0]
    assert "auth_user" in queries[1] and "auth_permission" in queries[1]
    assert "dashboard_mapchange" in queries[2]
    assert queries[3].startswith("WITH bounds")
    # The same tile again: no tile query. Naming the municipality costs nothing more: it is
    # among the memberships already read.
    again, queries = captured(client, f"{TILE}?municipality={demo.code}")
    assert again.status_code == 200 and again.content == response.content
    assert len(queries) == 3 and not any(q.startswith("WITH bounds") for q in queries)
    # Not cached: session, user and the tile.
    settings.TRYGG_TILE_CACHE_SECONDS = 0
    response, queries = captured(client, TILE)
    assert len(queries) == 3 and queries[2].startswith("WITH bounds")


def test_the_primed_checks_agree_with_djangos_for_every_role(user_of, demo):
    roles = [None, *Group.objects.values_list("name", flat=True)]
    assert len(roles) > 4
    for role in roles:
        user = user_of(role)
        user.user_permissions.add(Permission.objects.get(codename="view_contact_details"))
        loaded = load_user(user.pk)
        fresh = get_user_model().objects.get(pk=user.pk)  # Django's own queries
        backend = ModelBackend()
        with CaptureQueriesContext(connection) as queries:
            primed = backend.get_all_permissions(loaded)
            ids = tenancy.municipality_ids(loaded)
        assert queries.captured_queries == []
        assert primed == backend.get_all_permissions(fresh), role
        assert ids == frozenset(fresh.municipalities.values_list("pk", flat=True))
        assert [m.code for m in tenancy.memberships(loaded)] == list(
            tenancy.municipalities(fresh).values_list("code", flat=True)
        )


def test_a_superuser_is_read_as_before(demo):
    admin = get_user_model().objects.create_superuser("tiles-root", password=PASSWORD)
    loaded = load_user(admin.pk)
    assert tenancy.memberships(loaded) is None and tenancy.municipality_ids(loaded) is None
    assert loaded.has_perm("walks.view_residentpin")


def test_a_role_or_membership_taken_away_counts_at_the_next_tile(client, planner, demo):
    assert client.get(f"{TILE}?municipality={demo.code}").status_code == 200
    planner.municipalities.remove(demo)
    response = client.get(f"{TILE}?municipality={demo.code}")
    assert response.status_code == 400 and "municipality" in response.json()
    planner.municipalities.add(demo)
    assert client.get(TILE).status_code == 200
    planner.groups.clear()
    assert client.get(TILE).status_code == 403
    client.logout()
    assert client.get(TILE).status_code == 401


def test_a_private_tile_is_never_public_not_even_its_304(client, planner):
    response = client.get(TILE)
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("private")
        and "public" not in response["Cache-Control"]
    )
    again = client.get(TILE, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again["Cache-Control"].startswith("private")
    assert "cookie" in again["Vary"].lower()


def test_a_public_basemap_tile_reads_no_session_and_revalidates(client, planner, demo):
    client.get(BASEMAP)
    response, queries = captured(client, BASEMAP)  # with the staff session's cookie
    assert response.status_code == 200
    assert len(queries) == 1 and "django_session" not in queries[0]
    assert response["Cache-Control"].startswith("public")
    assert "cookie" not in response.get("Vary", "").lower()
    etag = response["ETag"]
    again, queries = captured(client, BASEMAP, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert again["Cache-Control"].startswith("public")
