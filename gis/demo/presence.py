"""The demo's presence: the police's Friday and Saturday night car patrol and its plan of the
previous week, partly ticked done or not done with short notes, so that the situation picture
and the follow-up have something to show on a fresh demo. The guard company's and the night
walkers' shifts are left for the coordinator to enter in the demo tour."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from gis.core.models import Municipality
from gis.presence.models import PresenceResource
from gis.presence.planning import plan_week
from gis.presence.weeks import week_label

SEED = 2026
#: Share of the past week's visits the patrol ticked, and of those the share done.
LOGGED, DONE = 0.8, 0.8
NOTES_DONE = (
    "Lugnt, några ungdomar vid busshållplatsen.",
    "Pratade med personalen i kiosken, inga problem i kväll.",
    "Grupp på ca 10 personer, skingrades utan åtgärd.",
    "Trasig belysning vid gångtunneln, rapporterat.",
    "",
)
NOTES_NOT_DONE = (
    "Larm på annan plats, hann inte.",
    "Omdirigerade till trafikolycka.",
)


def load_presence(municipality: Municipality, now: datetime) -> None:
    """The police resource and the previous week's plan with its log (seeded)."""
    resource, _created = PresenceResource.objects.update_or_create(
        municipality=municipality,
        name="Polisen nattpatrull",
        defaults={
            "actor": "police",
            "mode": "car",
            "weekdays": ["fri", "sat"],
            "shift_start": time(20),
            "shift_end": time(3),
            "teams": 1,
        },
    )
    last_week = week_label(timezone.localtime(now).date() - timedelta(days=7))
    plan = plan_week(municipality, last_week, seed=SEED, now=now)
    draw = random.Random(SEED)
    for visit in plan.visits.filter(resource=resource, ends_at__lt=now).order_by("starts_at"):
        if draw.random() >= LOGGED:
            continue
        done = draw.random() < DONE
        visit.outcome = "done" if done else "not_done"
        visit.note = draw.choice(NOTES_DONE if done else NOTES_NOT_DONE)
        visit.logged_at = visit.ends_at + timedelta(minutes=draw.randint(1, 20))
        visit.save(update_fields=["outcome", "note", "logged_at"])
