"""Report tiles are cached by the version of the municipality's reports (gis.dashboard.tilecache):
a write to a pin, finding or incident shows in the next tile whatever path it took (the ORM, a
bulk update, raw SQL), another municipality's writes leave a cached tile alone, filters are part
of the key, and the change log stays a row a municipality."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from gis.core.models import Municipality
from gis.dashboard.models import MapChange
from gis.dashboard.tilecache import CACHE, map_version
from walks.models import ResidentPin

from .conftest import PASSWORD
from .helpers import tile_of

Z = 16


@pytest.fixture
def staff(client, user_of, demo):
    user = user_of("planner")
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def pin(demo):
    """A pin of the demo, and the z16 tile it lies in."""
    found = ResidentPin.objects.filter(municipality=demo).order_by("pk").first()
    assert found is not None
    where = found.geom.transform(4326, clone=True)
    return found, tile_of(where.x, where.y, Z)


def report_props(client, xy, query: str = "") -> dict[int, dict]:
    """The properties of the tile's resident pins by id."""
    x, y = xy
    response = client.get(f"/api/dashboard/tiles/reports/{Z}/{x}/{y}.pbf?{query}")
    assert response.status_code == 200
    layers = mapbox_vector_tile.decode(response.content)
    features = layers.get("reports", {"features": []})["features"]
    return {
        f["properties"]["id"]: f["properties"]
        for f in features
        if f["properties"]["source"] == "resident"
    }


def copy_of(template: ResidentPin, **changes) -> ResidentPin:
    """A new pin like `template`, saved."""
    fields = {
        name: getattr(template, name)
        for name in ("municipality", "category", "when", "description", "geom", "status")
    }
    fields.update(reported_at=timezone.now(), **changes)
    return ResidentPin.objects.create(**fields)


def test_a_change_shows_in_the_next_tile_whatever_path_it_took(staff, demo, pin):
    template, xy = pin
    before = report_props(staff, xy)
    assert template.pk in before
    assert report_props(staff, xy) == before  # cached

    versions = [map_version(demo.pk)]
    added = copy_of(template, status="received")
    assert report_props(staff, xy)[added.pk]["status"] == "received"
    versions.append(map_version(demo.pk))

    # A bulk update sets no updated_at and sends no signal; the trigger sees it.
    ResidentPin.objects.filter(pk=added.pk).update(status="feedback_given")
    assert report_props(staff, xy)[added.pk]["status"] == "feedback_given"
    versions.append(map_version(demo.pk))

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM walks_residentpin WHERE id = %s", [added.pk])
    assert report_props(staff, xy) == before
    versions.append(map_version(demo.pk))
    assert len(set(versions)) == 4


def test_another_municipalitys_writes_keep_this_ones_tiles(staff, demo, pin):
    template, xy = pin
    report_props(staff, xy)
    other = Municipality.objects.create(name="Grannby", code="grannby", boundary=demo.boundary)
    mine, theirs = map_version(demo.pk), map_version(other.pk)
    copy_of(template, municipality=other)
    assert map_version(demo.pk) == mine
    assert map_version(other.pk) != theirs
    cache = caches[CACHE]
    keys = list(cache._cache)  # the test cache is in memory: its keys are the tiles kept
    report_props(staff, xy)
    assert list(cache._cache) == keys  # answered from the cache, nothing made anew


def test_filters_are_part_of_the_key(staff, demo, pin):
    template, xy = pin
    everything = report_props(staff, xy)
    other_status = "triaged" if template.status != "triaged" else "received"
    filtered = report_props(staff, xy, f"status={other_status}")
    assert template.pk in everything and template.pk not in filtered
    assert report_props(staff, xy) == everything
    assert report_props(staff, xy, f"status={other_status}") == filtered


def test_the_change_log_keeps_a_row_a_municipality(demo, pin):
    template, _ = pin
    for _ in range(5):
        copy_of(template)
    ResidentPin.objects.filter(municipality=demo).update(vote_count=0)
    assert MapChange.objects.filter(municipality_id=demo.pk).count() == 1


def test_a_truncate_changes_every_version(demo):
    before = map_version(demo.pk)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE layers_incident CASCADE")
    assert map_version(demo.pk) != before
    assert MapChange.objects.filter(municipality_id__isnull=True).exists()


def test_with_no_time_to_keep_nothing_is_cached(staff, pin, settings):
    settings.TRYGG_TILE_CACHE_SECONDS = 0
    report_props(staff, pin[1])
    assert not caches[CACHE]._cache


def test_the_file_cache_of_a_server_keeps_the_tile_bytes(staff, pin, settings, tmp_path):
    settings.CACHES = {
        **settings.CACHES,
        CACHE: {
            "BACKEND": "gis.dashboard.tilefiles.TileFileCache",
            "LOCATION": str(tmp_path),
        },
    }
    first = report_props(staff, pin[1])
    assert len(list(tmp_path.glob("*.djcache"))) == 1
    assert report_props(staff, pin[1]) == first


def test_the_tile_file_cache_keeps_bytes_as_they_are(tmp_path):
    from gis.dashboard.tilefiles import TileFileCache

    cache = TileFileCache(str(tmp_path), {})
    tile = bytes(range(256)) * 600
    cache.set("t", tile, 60)
    (path,) = tmp_path.glob("*.djcache")
    assert tile in path.read_bytes()
    assert cache.get("t") == tile and cache.get("other") is None
    assert cache.touch("t", 60) and cache.get("t") == tile
    cache.set("gone", tile, -1)
    assert cache.get("gone") is None and not cache.touch("gone")


def test_the_tile_file_cache_counts_its_files_once_in_a_while_and_culls(tmp_path):
    from gis.dashboard.tilefiles import COUNT_EVERY, TileFileCache

    cache = TileFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 2}})
    files = lambda: len(list(tmp_path.glob("*.djcache")))  # noqa: E731
    for i in range(10):
        cache.set(f"t{i}", b"tile", 60)
    assert files() == 10  # the first write counted (0 files); the others did not
    for i in range(10, COUNT_EVERY):
        cache.set(f"t{i}", b"tile", 60)
    assert files() == COUNT_EVERY  # past MAX_ENTRIES until the next count
    cache.set("counted", b"tile", 60)  # write COUNT_EVERY + 1 counts and culls half
    assert files() == COUNT_EVERY // 2 + 1


def test_a_cache_that_cannot_be_written_costs_the_cache_not_the_tile(
    staff, pin, settings, tmp_path
):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    settings.CACHES = {
        **settings.CACHES,
        CACHE: {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(blocked / "tiles"),
        },
    }
    template, xy = pin
    assert template.pk in report_props(staff, xy)
    assert template.pk in report_props(staff, xy)
