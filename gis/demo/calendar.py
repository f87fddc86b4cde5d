"""The demo municipality's risk calendar, and the calendar effect hidden in its incidents.

Adds, for every year the demo's reports cover and the next one:

- the school holidays (lov) a Swedish municipality publishes: sportlov (week 8), påsklov (the
  week that starts on Easter Monday), höstlov (week 44), jullov (from the Saturday before
  Christmas Eve to the Sunday after Trettondedag jul) and sommarlov (from the Saturday of
  week 24 to the Sunday of week 33), so the risk calendar has lov weeks and school-leaving days;
- the home matches of the local team: the second and fourth Saturday of each month from April
  to October, at the stadium (a point in the municipality);

and the effect the risk calendar should find (``trygg calendar effects``): extra incidents on
the nights of Valborgsmässoafton (``VALBORG_EXTRA``) and Nyårsafton (``NEW_YEAR_EXTRA``), and on
the Friday and Saturday nights of sportlov, påsklov, jullov and sommarlov
(``LOV_NIGHT_EXTRA``), spread over the whole municipality so that no hot spot moves. Seeded
(``SEED``): the same entries and incidents each load. Only records are added, each marked with
the demo's source.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils import timezone

from gis.core.models import Municipality
from gis.demo.plan import SOURCE
from gis.riskcalendar.days import calendar_days, swedish_holidays
from gis.riskcalendar.models import CalendarEntry
from layers.models import Incident, StreetSegment

SEED = 20261206
VALBORG_EXTRA = 9
NEW_YEAR_EXTRA = 9
LOV_NIGHT_EXTRA = 2
NIGHT_TYPES = ("gathering", "vandalism", "fire", "glass")
REPORTERS = ("police", "guard", "night_walkers", "field_team")
#: The lov whose Friday and Saturday nights get extra incidents (not höstlov: the demo's autumn
#: stays as the other demo modules and their tests know it).
LOV_PLANTED = ("Sportlov", "Påsklov", "Jullov", "Sommarlov")


def _week(year: int, week: int, weekday: int = 1) -> date:
    return date.fromisocalendar(year, week, weekday)


def school_holidays(year: int) -> list[tuple[str, date, date]]:
    """(name, first day, last day) of the demo's lov in `year` (jullov runs into the next)."""
    easter_monday = next(
        d for d, names in swedish_holidays(year).items() if "Annandag påsk" in names
    )
    christmas_eve = date(year, 12, 24)
    jul_start = christmas_eve - timedelta(days=(christmas_eve.weekday() - 5) % 7 or 7)
    twelfth = date(year + 1, 1, 6)
    return [
        (f"Sportlov {year}", _week(year, 8), _week(year, 8, 7)),
        (f"Påsklov {year}", easter_monday, easter_monday + timedelta(days=6)),
        (f"Höstlov {year}", _week(year, 44), _week(year, 44, 7)),
        (f"Jullov {year}/{year + 1}", jul_start, twelfth + timedelta(days=(6 - twelfth.weekday()))),
        (f"Sommarlov {year}", _week(year, 24, 6), _week(year, 33, 7)),
    ]


def home_matches(year: int) -> list[date]:
    """The second and fourth Saturday of each month, April to October."""
    found = []
    for month in range(4, 11):
        first = date(year, month, 1)
        saturday = first + timedelta(days=(5 - first.weekday()) % 7)
        found += [saturday + timedelta(weeks=1), saturday + timedelta(weeks=3)]
    return found


def _night(rng, day: date) -> datetime:
    """An instant between 21:00 on `day` and 03:00 the next morning (local)."""
    start = timezone.make_aware(datetime.combine(day, time(21)))
    return start + timedelta(minutes=int(rng.integers(0, 6 * 60)))


def add_calendar(municipality: Municipality, now: datetime, first: datetime) -> dict[str, int]:
    """Add the demo's calendar entries and planted incidents for reports from `first` to
    `now`; returns the counts added."""
    rng = np.random.default_rng(SEED)
    years = range(timezone.localtime(first).year, timezone.localtime(now).year + 2)
    segments = list(
        StreetSegment.objects.filter(municipality=municipality)
        .order_by("pk")
        .values_list("geom", flat=True)
    )
    stadium = segments[len(segments) // 3].interpolate_normalized(0.5) if segments else None
    entries = []
    for year in years:
        for name, start, end in school_holidays(year):
            entries.append(
                CalendarEntry(
                    municipality=municipality,
                    kind="school_holiday",
                    name=name,
                    starts_on=start,
                    ends_on=end,
                    source=SOURCE,
                    source_uid=f"lov-{name}",
                )
            )
        for number, day in enumerate(home_matches(year), start=1):
            entries.append(
                CalendarEntry(
                    municipality=municipality,
                    kind="match",
                    name=f"Hemmamatch {number}",
                    starts_on=day,
                    ends_on=day,
                    geom=stadium,
                    source=SOURCE,
                    source_uid=f"match-{day.isoformat()}",
                )
            )
    CalendarEntry.objects.bulk_create(entries)

    local_first = timezone.localtime(first).date()
    local_last = timezone.localtime(now).date() - timedelta(days=1)
    days = calendar_days(municipality, local_first, local_last)
    planted: list[date] = []
    for day, day_type in zip(days["date"], days["day_type"], strict=True):
        if day_type == "Valborgsmässoafton":
            planted += [day] * VALBORG_EXTRA
        elif day_type == "Nyårsafton":
            planted += [day] * NEW_YEAR_EXTRA
        elif day_type in LOV_PLANTED and day.weekday() in (4, 5):
            planted += [day] * LOV_NIGHT_EXTRA
    incidents = []
    for number, day in enumerate(sorted(planted)):
        line = segments[int(rng.integers(0, len(segments)))] if segments else None
        if line is None:
            break
        where = line.interpolate_normalized(float(rng.uniform(0, 1)))
        incidents.append(
            Incident(
                municipality=municipality,
                type=str(rng.choice(NIGHT_TYPES)),
                reported_by=str(rng.choice(REPORTERS)),
                occurred_at=_night(rng, day),
                geom=Point(where.x, where.y, srid=settings.TRYGG_SRID),
                source=SOURCE,
                source_id=f"calendar-{number}",
            )
        )
    Incident.objects.bulk_create(incidents, batch_size=1000)
    return {"calendar_entries": len(entries), "calendar_incidents": len(incidents)}
