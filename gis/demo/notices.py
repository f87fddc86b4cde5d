"""The demo's e-mail: a few residents who left an address with their report, and the
coordinator's and departments' digest addresses (all at example.org).

The demo sends mail to files under var/mail (gis.settings.demo), never by SMTP. Subscriptions
are stored without their confirmation: loading the demo sends nothing; a status change made in
the demo afterwards writes the residents' messages there.
"""

from __future__ import annotations

from gis.core.models import Municipality
from gis.notices.models import NoticeSettings, Subscription
from walks.models import PinContact, ResidentPin

RESIDENTS = 5
OPEN = ("received", "triaged", "measure_planned")


def load_notices(municipality: Municipality) -> None:
    """Digest settings and the newest open reports' contacts and subscriptions (deterministic:
    the newest reports by report time, then id)."""
    NoticeSettings.objects.update_or_create(
        municipality=municipality,
        defaults={
            "coordinator_emails": "samordnare@example.org",
            "department_emails": "street: gatukontoret@example.org\nparks: parkenheten@example.org",
        },
    )
    pins = list(
        ResidentPin.objects.filter(municipality=municipality, status__in=OPEN).order_by(
            "-reported_at", "client_uuid"
        )[:RESIDENTS]
    )
    addresses = {pin.pk: f"boende{n}@example.org" for n, pin in enumerate(pins, start=1)}
    PinContact.objects.bulk_create(
        [PinContact(pin=pin, email=addresses[pin.pk]) for pin in pins], ignore_conflicts=True
    )
    Subscription.objects.bulk_create(
        [
            Subscription(pin=pin, email=addresses[pin.pk], role=Subscription.Role.REPORTER)
            for pin in pins
        ],
        ignore_conflicts=True,
    )
