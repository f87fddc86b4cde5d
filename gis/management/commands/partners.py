"""`trygg partners create|list|revoke`: the EST partners of a municipality and their API keys.

    trygg partners create --municipality CODE --name NAME --kind KIND
                          [--scopes incidents,requests] [--expires YYYY-MM-DD] [--rate N] [--json]
    trygg partners list [--municipality CODE] [--json]
    trygg partners revoke KEY_ID

`create` makes the partner when it is new and issues it a key, printed this once (only its
digest is stored). `list` shows each partner's keys by their first characters, never a key.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gis.core import textguard
from gis.core.idparse import is_ascii_id
from gis.core.options import moment_option, municipality_option, number_option
from gis.core.partners import Partner, PartnerKey


def key_state(key: PartnerKey, now=None) -> str:
    """ "live", "revoked" or "expired"."""
    now = now or timezone.now()
    if key.revoked_at is not None:
        return "revoked"
    return "live" if key.is_live(now) else "expired"


def _iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


class Command(BaseCommand):
    help = "Create a partner's API key, list the partners and their keys, or revoke a key."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="issue a key (and make the partner if new)")
        create.add_argument("--municipality", help="municipality code")
        create.add_argument("--name", required=True, help="the partner's name")
        create.add_argument(
            "--kind", required=True, help=", ".join(value for value, _l in Partner.Kind.choices)
        )
        create.add_argument("--scopes", default="incidents", help="incidents,requests")
        create.add_argument("--expires", help="last day the key works (YYYY-MM-DD)")
        create.add_argument("--rate", help="requests per hour (default 600)")
        create.add_argument("--json", action="store_true", help="print a JSON object")
        listing = actions.add_parser("list", help="the partners and their keys")
        listing.add_argument("--municipality", help="municipality code")
        listing.add_argument("--json", action="store_true", help="print a JSON list")
        revoke = actions.add_parser("revoke", help="revoke a key")
        revoke.add_argument("key_id", help="the key's number (see list)")

    def handle(self, *args, action: str, **options) -> None:
        {"create": self._create, "list": self._list, "revoke": self._revoke}[action](options)

    def _create(self, options: dict) -> None:
        name = options["name"].strip()
        if not name or len(name) > 100:
            raise CommandError("--name must be 1 to 100 characters")
        try:
            textguard.reject_control_characters(name)
        except ValidationError as error:
            raise CommandError(f"--name: {error.messages[0]}") from None
        kinds = [value for value, _label in Partner.Kind.choices]
        if options["kind"] not in kinds:
            raise CommandError(f"--kind must be one of {', '.join(kinds)}, got {options['kind']!r}")
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        allowed = [value for value, _label in PartnerKey.Scope.choices]
        if not scopes or set(scopes) - set(allowed):
            raise CommandError(
                f"--scopes must be one or more of {','.join(allowed)}, got {options['scopes']!r}"
            )
        rate = number_option("--rate", options["rate"], integer=True)
        if rate is not None and not 1 <= rate <= 1_000_000:
            raise CommandError(f"--rate must be from 1 to 1000000, got {rate}")
        if options["expires"] is not None and len(options["expires"]) != 10:
            raise CommandError(f"--expires must be a date (YYYY-MM-DD), got {options['expires']!r}")
        expires = moment_option("--expires", options["expires"], end_of_day=True)
        if expires is not None and expires <= timezone.now():
            raise CommandError(f"--expires lies in the past: {options['expires']}")
        municipality = municipality_option(options["municipality"])
        partner, _created = Partner.objects.get_or_create(
            municipality=municipality, name=name, defaults={"kind": options["kind"]}
        )
        if partner.kind != options["kind"]:
            raise CommandError(f"--kind: {name!r} is already a partner of kind {partner.kind}")
        key, plain = PartnerKey.issue(
            partner,
            scopes=sorted(set(scopes), key=allowed.index),
            expires_at=expires,
            rate_per_hour=rate or 600,
        )
        if options["json"]:
            row = {
                "partner": partner.pk,
                "name": partner.name,
                "kind": partner.kind,
                "key": plain,
                "key_id": key.pk,
                "expires": _iso(expires),
            }
            self.stdout.write(json.dumps(row, ensure_ascii=False))
            return
        self.stdout.write(f"partner {partner.pk} {partner.name} ({partner.kind}), key {key.pk}:")
        self.stdout.write(plain)
        self.stdout.write("The key is shown only this once: store it now.")

    def _list(self, options: dict) -> None:
        partners = Partner.objects.select_related("municipality").prefetch_related("keys")
        if options["municipality"]:
            partners = partners.filter(municipality=municipality_option(options["municipality"]))
        now = timezone.now()
        rows = [
            {
                "partner": partner.pk,
                "name": partner.name,
                "kind": partner.kind,
                "municipality": partner.municipality.code,
                "keys": [
                    {
                        "key_id": key.pk,
                        "prefix": key.prefix,
                        "state": key_state(key, now),
                        "scopes": key.scopes,
                        "rate_per_hour": key.rate_per_hour,
                        "expires": _iso(key.expires_at),
                        "last_used": _iso(key.last_used_at),
                    }
                    for key in partner.keys.all()
                ],
            }
            for partner in partners
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(
                f"{row['partner']}\t{row['municipality']}\t{row['name']}\t{row['kind']}"
            )
            for key in row["keys"]:
                self.stdout.write(
                    f"\tkey {key['key_id']}\t{key['prefix']}…\t{key['state']}\t"
                    f"{','.join(key['scopes'])}\tlast used {key['last_used'] or 'never'}"
                )

    def _revoke(self, options: dict) -> None:
        value = options["key_id"]
        if not is_ascii_id(value):
            raise CommandError(f"KEY_ID must be a key's number, got {value!r}")
        key = PartnerKey.objects.select_related("partner").filter(pk=int(value)).first()
        if key is None:
            raise CommandError(f"KEY_ID: no key {value!r}")
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
        self.stdout.write(f"revoked key {key.pk} ({key.prefix}…) of {key.partner}")
