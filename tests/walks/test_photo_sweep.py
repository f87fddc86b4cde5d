"""Photo files of an upload killed before its commit are swept (gis.media_sweep,
`trygg sweep-photos`); the files of stored photos and of uploads in flight stay.

The killed upload is a real one: the field app's photo upload goes through the API inside a
transaction that is then rolled back, which leaves what a SIGKILL between the file write and
the commit leaves, the image and its thumbnail on disk and no row.
"""

from __future__ import annotations

import io
import os
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from tests._cli import trygg
from tests.walks.conftest import finding_feature, jpeg_bytes, route_lonlat, upload
from walks.models import FindingPhoto


class KilledError(Exception):
    """The process died before the commit."""


def _photo_files(media: Path) -> set[str]:
    return {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()}


def _upload_photo(api, walk) -> dict:
    lon, lat = route_lonlat(walk)
    feature = finding_feature(lon, lat)
    base = f"/api/walks/{walk.join_code}/findings/"
    assert api.post(base, feature, format="json").status_code == 201
    url = f"{base}{feature['properties']['client_uuid']}/photos/"
    answer = api.post(url, {"photo": upload("a.jpg", jpeg_bytes()), "client_uuid": uuid.uuid4()})
    assert answer.status_code == 201, answer.content
    return answer.json()


def _age(media: Path, names: set[str], seconds: float) -> None:
    for name in names:
        old = time.time() - seconds
        os.utime(media / name, (old, old))


def _sweep(*args: str) -> str:
    out = io.StringIO()
    call_command("sweep_photos", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_orphans_of_a_killed_upload_are_swept_and_the_rest_stays(api, walk, settings):
    media = Path(settings.MEDIA_ROOT)
    _upload_photo(api, walk)
    kept = _photo_files(media)
    assert len(kept) == 2  # image and thumbnail of the stored photo
    with pytest.raises(KilledError), transaction.atomic():
        _upload_photo(api, walk)
        raise KilledError
    orphans = _photo_files(media) - kept
    assert len(orphans) == 2 and FindingPhoto.objects.filter(finding__walk=walk).count() == 1
    _age(media, kept | orphans, 2 * 3600)
    # An upload in flight: written a moment ago, its row not committed yet.
    with pytest.raises(KilledError), transaction.atomic():
        _upload_photo(api, walk)
        raise KilledError
    in_flight = _photo_files(media) - kept - orphans
    assert len(in_flight) == 2

    dry = _sweep("--dry-run")
    assert all(f"would delete {name}" in dry for name in orphans)
    assert "would delete 2 " in dry and "2 younger ones left" in dry
    assert _photo_files(media) == kept | orphans | in_flight

    done = _sweep()
    assert "deleted 2 " in done
    assert _photo_files(media) == kept | in_flight
    for photo in FindingPhoto.objects.filter(finding__walk=walk):
        assert Path(photo.image.path).is_file() and Path(photo.thumbnail.path).is_file()
    assert "deleted 0 " in _sweep()  # idempotent

    assert "deleted 2 " in _sweep("--grace-minutes", "0")  # the in-flight ones, once abandoned
    assert _photo_files(media) == kept


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "-5", "nan", "inf"])
def test_a_bad_grace_period_is_exit_1_and_one_line(value):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gis.settings.test"}
    result = trygg("sweep-photos", "--grace-minutes", value, env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--grace-minutes" in lines[0], result.stderr
