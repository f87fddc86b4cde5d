"""`trygg partners create|list|revoke` against the real PostGIS: a key printed once and stored
hashed, the listing without keys, revocation, and one-line errors."""

from __future__ import annotations

import io
import json
import os

import pytest
from django.core.management import CommandError, call_command

from gis.core.partners import Partner, PartnerKey, authenticate_key, digest
from tests._cli import trygg

pytestmark = pytest.mark.django_db


def partners(*args: str) -> str:
    out = io.StringIO()
    call_command("partners", *args, stdout=out)
    return out.getvalue()


def create(*extra: str) -> dict:
    return json.loads(
        partners(
            "create",
            "--municipality",
            "demo-helsinki",
            "--name",
            "Polisen",
            "--kind",
            "police",
            "--json",
            *extra,
        )
    )


def test_create_prints_the_key_once_and_stores_its_digest(demo):
    made = create("--scopes", "requests,incidents", "--rate", "50", "--expires", "2099-12-31")
    assert made["key"].startswith("trygg_") and made["kind"] == "police"
    key = PartnerKey.objects.get(pk=made["key_id"])
    assert key.digest == digest(made["key"]) and made["key"] not in key.prefix + key.digest
    assert key.scopes == ["incidents", "requests"] and key.rate_per_hour == 50
    assert made["expires"].startswith("2100-01-01T00:00:00")  # the end of the last day
    assert authenticate_key(made["key"]) == key
    # The same partner again: a second key, no second partner.
    again = create()
    assert again["partner"] == made["partner"] and again["key"] != made["key"]
    assert Partner.objects.filter(municipality=demo, name="Polisen").count() == 1
    text = partners(
        "create",
        "--municipality",
        "demo-helsinki",
        "--name",
        "Nattvandrarna",
        "--kind",
        "night_walkers",
    )
    assert "shown only this once" in text and "trygg_" in text


def test_list_shows_keys_by_prefix_and_state_never_the_key(demo):
    live = create()
    revoked = create()
    partners("revoke", str(revoked["key_id"]))
    assert authenticate_key(revoked["key"]) is None
    listing = partners("list", "--municipality", "demo-helsinki", "--json")
    assert live["key"] not in listing and revoked["key"] not in listing
    (row,) = json.loads(listing)
    states = {key["key_id"]: key["state"] for key in row["keys"]}
    assert states == {live["key_id"]: "live", revoked["key_id"]: "revoked"}
    assert all(key["last_used"] is None for key in row["keys"])
    text = partners("list")
    assert "Polisen" in text and live["key"][:12] in text and live["key"] not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--kind", "army"), "--kind must be one of"),
        (("--scopes", "photos"), "--scopes must be one or more of"),
        (("--rate", "many"), "--rate must be an integer"),
        (("--rate", "0"), "--rate must be from 1"),
        (("--expires", "2001-01-01"), "--expires lies in the past"),
        (("--expires", "tomorrow"), "--expires must be a date"),
        (("--municipality", "nowhere"), "--municipality must be one of"),
    ],
)
def test_bad_options_are_one_line_errors(demo, args, message):
    options = {"--municipality": "demo-helsinki", "--name": "Väktarna", "--kind": "police"}
    for option, value in zip(args[::2], args[1::2], strict=True):
        options[option] = value
    with pytest.raises(CommandError, match=message):
        partners("create", *[part for pair in options.items() for part in pair])
    assert not Partner.objects.filter(name="Väktarna").exists()


def test_a_partner_of_another_kind_and_unknown_keys_are_refused(demo):
    create()
    with pytest.raises(CommandError, match="already a partner of kind police"):
        partners(
            "create", "--name", "Polisen", "--kind", "other", "--municipality", "demo-helsinki"
        )
    with pytest.raises(CommandError, match="KEY_ID: no key"):
        partners("revoke", "999999")
    with pytest.raises(CommandError, match="KEY_ID must be"):
        partners("revoke", "99999999999999999999999")


def test_the_command_line_exits_non_zero_with_one_line():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gis.settings.test"}
    result = trygg("partners", "create", "--name", "X", "--kind", "army", env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--kind" in lines[0], result.stderr
