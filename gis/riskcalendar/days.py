"""The one definition of a municipality's calendar day types for any range of dates.

A day type is what a date *is* in the risk calendar; one date may have several:

- public holidays and their eves, from the maintained `holidays` library in Swedish, each its
  own day type by name ("Valborgsmässoafton", "Nyårsafton", "Midsommarafton", "Påskafton",
  …; the half-day notes "(från kl. 14.00)" dropped; the bank's "Dag före …" and "Klämdag"
  left out);
- "Halloween" on 31 October, the youth risk night (Swedish All Saints' Day is the holiday
  library's "Alla helgons dag", on the Saturday between 31 October and 6 November);
- pay day ("Lönedag"): the 25th, or the banking day before it when the 25th is a Saturday,
  Sunday, public holiday or a de facto holiday (Midsommarafton, Julafton, Nyårsafton);
- every day of each stored :class:`~gis.riskcalendar.models.CalendarEntry`: school holidays
  by their name without years ("Sportlov 2026" is "Sportlov"), explicit school-leaving days,
  home matches, festivals, markets and other events (each event kind one day type, so that
  the matches of a season are judged together);
- "Skolavslutning", the school-leaving day: each ``school_end`` entry, and the first day of
  every "sommarlov" and "jullov" entry (enter a ``school_end`` entry when the municipality's
  calendar starts the lov after the leaving day).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache

from django.utils.translation import gettext as _

from gis.core.lazy import lazy_module
from gis.core.models import Municipality

holidays = lazy_module("holidays")
pd = lazy_module("pandas")

COLUMNS = ["date", "day_type", "kind", "name"]
#: Day-type names that are not days of their own (the bank's half days before a holiday).
SKIPPED_HOLIDAYS = ("Dag före ", "Klämdag")
HALLOWEEN = "Halloween"
PAY_DAY = "Lönedag"
SCHOOL_END = "Skolavslutning"
#: The lov whose first day is also a school-leaving day.
LEAVING_LOV = ("sommarlov", "jullov")
#: Event kinds judged together as one day type each (Swedish: the calendar's own language).
EVENT_DAY_TYPES = {"match": "Hemmamatch", "festival": "Festival", "market": "Marknad"}


@cache
def swedish_holidays(year: int) -> dict[date, list[str]]:
    """Holidays and eves of `year`, by date, Swedish names (cached: the library is slow)."""
    found = holidays.Sweden(
        years=year, language="sv", categories=holidays.Sweden.supported_categories
    )
    days: dict[date, list[str]] = {}
    for day, names in found.items():
        for name in names.split("; "):
            name = name.replace(" (från kl. 14.00)", "").strip()
            if name and not name.startswith(SKIPPED_HOLIDAYS) and name not in days.get(day, []):
                days.setdefault(day, []).append(name)
    return days


@cache
def _closed(year: int) -> frozenset[date]:
    """Public and de facto holidays of `year`: days no salary is paid out."""
    found = holidays.Sweden(years=year, language="sv", categories=("public", "de_facto"))
    return frozenset(found)


def is_banking_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _closed(day.year)


def pay_day(year: int, month: int) -> date:
    """The 25th, or the banking day before it when the 25th is a weekend day or a holiday."""
    day = date(year, month, 25)
    while not is_banking_day(day):
        day -= timedelta(days=1)
    return day


def day_type_name(name: str) -> str:
    """An entry's name as a day type: without years or week numbers, first letter capital
    ("sportlov 2026 (v. 9)" → "Sportlov")."""
    text = re.sub(r"\((?:[^()]*)\)", " ", name)
    text = re.sub(r"\b(?:19|20)\d\d(?:/\d{2,4})?\b", " ", text)
    text = re.sub(
        r"\b(?:v\.?|vecka|week|w)\s*\d{1,2}(?:\s*[-–]\s*\d{1,2})?\b", " ", text, flags=re.I
    )
    text = re.sub(r"\s+", " ", text).strip(" -–,.:;")
    text = text or name.strip()
    return text[:1].upper() + text[1:]


def _dates(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def builtin_days(first: date, last: date) -> list[tuple[date, str, str, str]]:
    """Holidays, eves, Halloween and pay days from `first` to `last` (inclusive), for any
    municipality: (date, day_type, kind, name)."""
    rows = []
    for year in range(first.year, last.year + 1):
        for day, names in swedish_holidays(year).items():
            if first <= day <= last:
                rows.extend((day, name, "holiday", name) for name in names)
        halloween = date(year, 10, 31)
        if first <= halloween <= last:
            rows.append((halloween, HALLOWEEN, "halloween", HALLOWEEN))
        for month in range(1, 13):
            paid = pay_day(year, month)
            if first <= paid <= last:
                rows.append((paid, PAY_DAY, "payday", PAY_DAY))
    return rows


def entry_days(entries, first: date, last: date) -> list[tuple[date, str, str, str]]:
    """The days of stored entries that fall from `first` to `last`: (date, day_type, kind,
    name)."""
    rows = []
    for entry in entries:
        if entry.kind == "school_end":
            day_type = SCHOOL_END
        else:
            day_type = EVENT_DAY_TYPES.get(entry.kind) or day_type_name(entry.name)
        for day in _dates(max(entry.starts_on, first), min(entry.ends_on, last)):
            rows.append((day, day_type, entry.kind, entry.name))
        leaving = entry.kind == "school_holiday" and day_type.lower().startswith(LEAVING_LOV)
        if leaving and first <= entry.starts_on <= last:
            rows.append((entry.starts_on, SCHOOL_END, "school_end", entry.name))
    return rows


def calendar_days(municipality: Municipality | int, first: date, last: date):
    """Every day type of `municipality` from `first` to `last` (inclusive) as a DataFrame of
    ``date`` (datetime.date), ``day_type``, ``kind`` (holiday, halloween, payday, or an entry's
    kind) and ``name`` (the holiday's or entry's own name), sorted by date; one row per date
    and day type."""
    from gis.riskcalendar.models import CalendarEntry

    if last < first:
        raise ValueError(f"the last day {last} lies before the first day {first}")
    entries = CalendarEntry.objects.filter(
        municipality=municipality, starts_on__lte=last, ends_on__gte=first
    ).order_by("starts_on", "pk")
    rows = builtin_days(first, last) + entry_days(entries, first, last)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame = frame.drop_duplicates(subset=["date", "day_type"]).sort_values(["date", "day_type"])
    return frame.reset_index(drop=True)


def kind_label(kind: str) -> str:
    """A day type's kind in the active language."""
    from gis.riskcalendar.models import EntryKind

    labels = {"holiday": _("Holiday or eve"), "halloween": _("Halloween"), "payday": _("Pay day")}
    if kind in labels:
        return labels[kind]
    return str(EntryKind(kind).label) if kind in EntryKind.values else kind
