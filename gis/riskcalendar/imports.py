"""Reading a municipality's calendar files: iCal (.ics) and CSV, into calendar entries.

iCal: each VEVENT's SUMMARY is the name, DTSTART the first day and DTEND the day after the
last for all-day events (iCal's end is exclusive; a timed event ends on the local date of its
end), UID keeps the entry (a second import updates it instead of adding another).

CSV: ``name,from,to[,kind]`` or in Swedish ``namn,från,till[,typ]``, separated by ``,`` or
``;``, UTF-8 (or Windows-1252 as spreadsheets save it); ``to`` may be empty for one day. The
entry is kept by its name and first day.

A row that cannot be read stops the whole file with its row number and the reason: nothing is
written (:func:`store` runs in one transaction).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from gis.core import textguard
from gis.core.models import Municipality
from gis.riskcalendar.models import CalendarEntry, EntryKind

#: The largest file read (a municipality's calendar is a few kilobytes).
MAX_BYTES = 2 * 1024 * 1024
#: An entry spans at most this many days.
MAX_DAYS = 367
#: Kinds by the words people write in a CSV's kind column (besides the codes themselves).
KIND_WORDS = {
    "lov": "school_holiday",
    "skollov": "school_holiday",
    "skolavslutning": "school_end",
    "avslutning": "school_end",
    "hemmamatch": "match",
    "marknad": "market",
    "evenemang": "event",
    "händelse": "event",
    "annan": "other",
    "annat": "other",
    "övrigt": "other",
}
HEADERS = {
    "name": "name",
    "namn": "name",
    "from": "from",
    "från": "from",
    "fran": "from",
    "to": "to",
    "till": "to",
    "kind": "kind",
    "typ": "kind",
}


class CalendarFileError(ValueError):
    """A file or row that cannot be read: its message is one line."""


@dataclass
class Parsed:
    kind: str
    name: str
    starts_on: date
    ends_on: date
    source: str
    source_uid: str
    geom: Point | None = None


def kind_of(value: str, where: str) -> str:
    """The entry kind a code or Swedish word names."""
    word = value.strip().lower()
    if word in EntryKind.values:
        return word
    if word in KIND_WORDS:
        return KIND_WORDS[word]
    choices = ", ".join(EntryKind.values)
    raise CalendarFileError(
        f"{where}: kind must be one of {choices} (or lov, hemmamatch, …), got {value!r}"
    )


def guess_kind(name: str) -> str:
    lowered = name.lower()
    if "avslutning" in lowered:
        return "school_end"
    if "lov" in lowered:
        return "school_holiday"
    if "match" in lowered:
        return "match"
    return "other"


def checked_name(value: str, where: str) -> str:
    name = " ".join(value.split())
    if not name or len(name) > 100:
        raise CalendarFileError(f"{where}: the name must be 1 to 100 characters")
    try:
        textguard.reject_control_characters(name)
    except ValidationError as error:
        raise CalendarFileError(f"{where}: {error.messages[0]}") from None
    return name


def checked_days(first: date, last: date, where: str) -> tuple[date, date]:
    if last < first:
        raise CalendarFileError(f"{where}: the last day {last} lies before the first day {first}")
    if (last - first).days >= MAX_DAYS:
        raise CalendarFileError(f"{where}: an entry spans at most a year ({first} to {last})")
    return first, last


def _date(value: str, label: str, where: str) -> date:
    try:
        found = parse_date(value.strip())
    except ValueError:
        found = None
    if found is None:
        raise CalendarFileError(
            f"{where}: {label} must be a date (YYYY-MM-DD), got {value.strip()!r}"
        )
    return found


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict")


def read_csv(data: bytes, kind: str | None) -> list[Parsed]:
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise CalendarFileError("the file is neither UTF-8 nor Windows-1252 text") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CalendarFileError("row 1: the file is empty (expected a header name,from,to[,kind])")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [HEADERS.get(cell.strip().lower().lstrip("\ufeff")) for cell in next(reader)]
    missing = [column for column in ("name", "from") if column not in header]
    if missing:
        raise CalendarFileError(
            f"row 1: the header lacks {', '.join(missing)} (expected name,from,to[,kind] "
            "or namn,från,till[,typ])"
        )
    parsed = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        where = f"row {number}"
        if len(cells) > len(header):
            raise CalendarFileError(f"{where}: {len(cells)} cells, the header has {len(header)}")
        row = {key: cells[i] if i < len(cells) else "" for i, key in enumerate(header) if key}
        name = checked_name(row.get("name", ""), where)
        first = _date(row["from"], "from", where)
        last = _date(row["to"], "to", where) if row.get("to", "").strip() else first
        first, last = checked_days(first, last, where)
        given = row.get("kind", "").strip()
        entry_kind = kind_of(given, where) if given else kind or guess_kind(name)
        parsed.append(Parsed(entry_kind, name, first, last, "csv", f"{name}|{first}"))
    return parsed


def _day(value, end: bool) -> date:
    """An iCal DTSTART/DTEND value as a date; an all-day end is exclusive."""
    if isinstance(value, datetime):
        moment = value if timezone.is_aware(value) else timezone.make_aware(value)
        local = timezone.localtime(moment)
        if end and local.time() == datetime.min.time():
            return local.date() - timedelta(days=1)  # ends at midnight: the day before
        return local.date()
    return value - timedelta(days=1) if end else value


def read_ical(data: bytes, kind: str | None) -> list[Parsed]:
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as error:
        reason = str(error).splitlines()[0] if str(error) else "unreadable"
        raise CalendarFileError(f"the iCal file cannot be read: {reason}") from None
    parsed = []
    for number, event in enumerate(calendar.walk("VEVENT"), start=1):
        where = f"event {number}"
        summary = event.get("SUMMARY")
        name = checked_name(str(summary) if summary is not None else "", where)
        where = f"event {number} ({name})"
        start = event.get("DTSTART")
        if start is None:
            raise CalendarFileError(f"{where}: no DTSTART")
        try:
            first = _day(start.dt, end=False)
            if event.get("DTEND") is not None:
                last = _day(event.get("DTEND").dt, end=True)
                last = max(last, first)  # a zero-length event is its first day
            elif event.get("DURATION") is not None:
                last = _day(start.dt + event.get("DURATION").dt, end=True)
                last = max(last, first)
            else:
                last = first
        except (TypeError, ValueError, AttributeError):
            raise CalendarFileError(f"{where}: DTSTART/DTEND are not dates") from None
        first, last = checked_days(first, last, where)
        uid = str(event.get("UID") or f"{name}|{first}")[:255]
        parsed.append(Parsed(kind or guess_kind(name), name, first, last, "ical", uid))
    if not parsed:
        raise CalendarFileError("the iCal file holds no VEVENT")
    return parsed


def read_file(name: str, data: bytes, kind: str | None = None) -> list[Parsed]:
    """The entries of a calendar file: iCal when it starts with BEGIN:VCALENDAR (or is named
    .ics), else CSV."""
    if len(data) > MAX_BYTES:
        raise CalendarFileError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    head = data.lstrip(b"\xef\xbb\xbf \r\n\t")[:15].upper()
    if head.startswith(b"BEGIN:VCALENDAR") or name.lower().endswith((".ics", ".ical")):
        return read_ical(data, kind)
    return read_csv(data, kind)


@transaction.atomic
def store(municipality: Municipality, entries: list[Parsed]) -> dict[str, int]:
    """Add or update `entries` by their source and uid: counts of added, updated, unchanged."""
    tally = {"added": 0, "updated": 0, "unchanged": 0}
    for parsed in entries:
        values = {
            "kind": parsed.kind,
            "name": parsed.name,
            "starts_on": parsed.starts_on,
            "ends_on": parsed.ends_on,
        }
        found = CalendarEntry.objects.filter(
            municipality=municipality, source=parsed.source, source_uid=parsed.source_uid
        ).first()
        if found is None:
            CalendarEntry.objects.create(
                municipality=municipality,
                source=parsed.source,
                source_uid=parsed.source_uid,
                **values,
            )
            tally["added"] += 1
        elif any(getattr(found, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(found, field, value)
            found.save()
            tally["updated"] += 1
        else:
            tally["unchanged"] += 1
    return tally
