"""The demo's open safety walk: tonight, in the centre district, ready to join from a phone.

The loaded demo's walks are all in the past and closed, and a closed walk's code opens nothing
(:mod:`walks.join_codes`). `trygg demo` therefore keeps one planned walk open, led by the demo's
walk leader, along the route of the centre district's latest walk, and prints its join link and
a QR code of it for the terminal.
"""

from __future__ import annotations

import io

import qrcode
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from gis.core import timeofday
from gis.core.models import Municipality
from gis.demo.generate import DISTRICT_NAMES
from layers.models import District
from walks.models import SafetyWalk

#: The district of the open walk: the centre strip of the demo.
DISTRICT = DISTRICT_NAMES[1]
TITLE = f"Trygghetsvandring {DISTRICT} i kväll"


def ensure_open_walk(municipality: Municipality, leader) -> SafetyWalk:
    """The demo's open walk, made when the municipality has none (a closed one is not reused).

    Parameters
    ----------
    municipality : gis.core.models.Municipality
        The loaded demo municipality.
    leader : django.contrib.auth.models.User
        Who leads it (the demo's walk leader).

    Returns
    -------
    walks.models.SafetyWalk
        Planned (or already in progress), starting at the beginning of this evening (local
        clock of ``settings.TIME_ZONE``), with a route in the storage CRS.
    """
    walks = SafetyWalk.objects.filter(municipality=municipality, title=TITLE)
    walk = walks.exclude(status=SafetyWalk.Status.CLOSED).first()
    if walk is not None:
        return walk
    district = District.objects.filter(municipality=municipality, name=DISTRICT).first()
    earlier = (
        SafetyWalk.objects.filter(municipality=municipality, district=district, route__isnull=False)
        .order_by("-starts_at")
        .first()
    )
    evening = timeofday.period(timeofday.EVENING).span[0]
    today = timezone.localdate()
    return SafetyWalk.objects.create(
        municipality=municipality,
        title=TITLE,
        district=district,
        starts_at=timeofday.local_instant(today, evening, settings.TIME_ZONE),
        time_of_day=timeofday.EVENING,
        route=earlier.route if earlier else None,
        leader=leader,
        status=SafetyWalk.Status.PLANNED,
    )


def join_url(walk: SafetyWalk, base_url: str) -> str:
    """The address a phone opens to join `walk` (the walk app, Swedish), under `base_url`."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("walks:app", args=[walk.join_code])
    return base_url.rstrip("/") + path


def terminal_qr(text: str) -> str:
    """`text` as a QR code of block characters (two rows of modules per line of text), drawn
    for a dark terminal: the light parts are printed and the dark modules left blank, so that
    a phone sees dark modules on a light ground."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()
