"""Supporting votes count distinct supporters (walks.supporters): one per address and one per
device on each pin, however device tokens, proxies' claims or IPv6 addresses inside a /64 are
rotated; the address is stored only as a keyed hash, which the retention purge empties; the
ranking inputs count supporters."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework.test import APIClient

from gis import frames
from tests.walks.conftest import _fresh_limits_and_media  # noqa: F401 - autouse
from tests.walks.test_api_pins import open_pin  # noqa: F401 - a fixture
from walks.models import PinVote, ResidentPin
from walks.supporters import address_hash


def vote(pin: ResidentPin, address: str, device: str | None = None, **headers):
    body = {"client_uuid": str(uuid.uuid4()), "when": "night"}
    if device:
        headers["HTTP_X_TRYGG_DEVICE"] = device
    return APIClient().post(
        f"/api/pins/{pin.pk}/votes/", body, format="json", REMOTE_ADDR=address, **headers
    )


def supporters(pin: ResidentPin) -> int:
    pin.refresh_from_db()
    assert pin.vote_count == PinVote.objects.filter(pin=pin).count()
    return pin.vote_count


def test_rotating_device_tokens_from_one_address_adds_one_vote(open_pin):  # noqa: F811
    first = vote(open_pin, "198.51.100.7", str(uuid.uuid4()))
    assert first.status_code == 201 and first.json() == {
        "vote_count": 1,
        "already_supported": False,
    }
    for _ in range(4):
        again = vote(open_pin, "198.51.100.7", str(uuid.uuid4()))
        assert again.status_code == 200
        assert again.json() == {"vote_count": 1, "already_supported": True}
    assert vote(open_pin, "198.51.100.7").json()["already_supported"]  # no device at all
    assert supporters(open_pin) == 1


def test_one_device_from_rotating_addresses_adds_one_vote(open_pin):  # noqa: F811
    device = str(uuid.uuid4())
    answers = [vote(open_pin, f"198.51.100.{i}", device).status_code for i in range(1, 6)]
    assert answers == [201, 200, 200, 200, 200]
    assert supporters(open_pin) == 1


def test_different_people_each_count(open_pin):  # noqa: F811
    assert vote(open_pin, "198.51.100.1").status_code == 201
    assert vote(open_pin, "198.51.100.2", str(uuid.uuid4())).status_code == 201
    assert vote(open_pin, "2001:db8:1:2::1").status_code == 201
    assert supporters(open_pin) == 3


def test_the_address_is_the_rate_limits_client(open_pin, settings):  # noqa: F811
    # IPv6 counts by its /64 network, IPv4-mapped IPv6 as IPv4 ...
    assert vote(open_pin, "2001:db8:1:2::1").status_code == 201
    assert vote(open_pin, "2001:db8:1:2:ffff::9").status_code == 200
    assert vote(open_pin, "192.0.2.1").status_code == 201
    assert vote(open_pin, "::ffff:192.0.2.1").status_code == 200
    # ... and behind the trusted proxy the hop it appended; the client's own claims count not.
    settings.TRYGG_TRUSTED_PROXIES = 1
    assert vote(open_pin, "10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 201
    claims = [f"9.9.9.{i}, 203.0.113.7" for i in range(3)]
    for claim in claims:
        assert vote(open_pin, "10.0.0.1", HTTP_X_FORWARDED_FOR=claim).status_code == 200
    assert vote(open_pin, "10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 201
    assert supporters(open_pin) == 4


def test_the_address_is_stored_only_as_a_keyed_hash(open_pin, settings):  # noqa: F811
    device = str(uuid.uuid4())
    vote(open_pin, "198.51.100.77", device)
    stored = PinVote.objects.get(pin=open_pin)
    expected = salted_hmac(
        "trygg.walks.supporter-address", "198.51.100.77", algorithm="sha256"
    ).hexdigest()
    assert stored.address_hash == expected == address_hash("198.51.100.77")
    assert str(stored.device_token) == device
    row = PinVote.objects.filter(pk=stored.pk).values().get()
    assert not any("198.51.100.77" in str(value) for value in row.values())
    settings.SECRET_KEY = "another-installation"
    assert address_hash("198.51.100.77") != expected  # keyed: not a plain hash anyone can make


def test_a_replay_and_another_pins_id_answer_as_before(open_pin, demo):  # noqa: F811
    body = {"client_uuid": str(uuid.uuid4())}
    url = f"/api/pins/{open_pin.pk}/votes/"
    assert APIClient().post(url, body, format="json").status_code == 201
    assert APIClient().post(url, body, format="json").json() == {
        "vote_count": 1,
        "already_supported": True,
    }
    other = ResidentPin.objects.create(
        municipality=demo,
        category=open_pin.category,
        when="day",
        description="En annan plats",
        geom=open_pin.geom,
        reported_at=timezone.now(),
    )
    taken = APIClient().post(f"/api/pins/{other.pk}/votes/", body, format="json")
    assert taken.status_code == 400 and "client_uuid" in taken.json()
    # The same address may support another pin.
    fresh = {"client_uuid": str(uuid.uuid4())}
    assert APIClient().post(f"/api/pins/{other.pk}/votes/", fresh, format="json").status_code == 201


def test_the_ranking_counts_supporters(open_pin, demo):  # noqa: F811
    for _ in range(5):
        vote(open_pin, "198.51.100.9", str(uuid.uuid4()))
    vote(open_pin, "198.51.100.10")
    votes = frames.pins(demo).set_index("id")["votes"]
    assert votes[open_pin.pk] == 2


def purge(days: int) -> str:
    out = io.StringIO()
    call_command("purge_personal_data", "--days", str(days), stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_purge_empties_who_voted_and_keeps_the_count(open_pin, dry_run):  # noqa: F811
    vote(open_pin, "198.51.100.1", str(uuid.uuid4()))
    vote(open_pin, "198.51.100.2")
    old = PinVote.objects.get(address_hash=address_hash("198.51.100.1"))
    PinVote.objects.filter(pk=old.pk).update(voted_at=timezone.now() - timedelta(days=400))
    if dry_run:
        out = io.StringIO()
        call_command("purge_personal_data", "--days", "365", "--dry-run", stdout=out)
        assert "would delete" in out.getvalue() and "1 vote supporters" in out.getvalue()
        assert PinVote.objects.filter(pk=old.pk, address_hash__isnull=False).exists()
        return
    assert "1 vote supporters" in purge(365)
    old.refresh_from_db()
    assert old.address_hash is None and old.device_token is None
    newer = PinVote.objects.exclude(pk=old.pk).get()
    assert newer.address_hash == address_hash("198.51.100.2")
    assert supporters(open_pin) == 2
    assert "0 vote supporters" in purge(365)
