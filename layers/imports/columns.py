"""Recognising a file's columns and values: common Swedish and English column names of each
layer's fields, Swedish values of its categories ("Trasig" → broken), numbers with a decimal
comma, and dates and times in ISO or Swedish forms in the installation's time zone.

What a person says (``--map``, ``--values``, ``--set``) overrides what is recognised. Pure
Python: the field lists of the layers are passed in by the caller.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta, tzinfo

from layers.imports import ImportFileError

#: The pseudo-fields that carry the geometry and the source's own id.
ID, LON, LAT, X, Y, WKT = "source_id", "lon", "lat", "x", "y", "wkt"

#: Column names recognised without being told: field → names (compared by :func:`normalise`).
COMMON = {
    ID: [
        "id",
        "objektid",
        "objekt id",
        "objektnummer",
        "lopnummer",
        "external id",
        "extern id",
        "anlaggningsid",
        "armaturid",
        "lamp id",
        "kamera id",
        "uuid",
        "globalid",
    ],
    LON: ["lon", "lng", "long", "longitude", "longitud", "wgs84 lon", "lon wgs84"],
    LAT: ["lat", "latitude", "latitud", "wgs84 lat", "lat wgs84"],
    X: ["x", "e", "easting", "ostlig", "e koord", "x koord", "ost"],
    Y: ["y", "n", "northing", "nordlig", "n koord", "y koord", "nord"],
    WKT: ["wkt", "geometri", "geometry", "geom", "the geom", "shape"],
}
FIELDS = {
    "districts": {
        "name": [
            "namn",
            "name",
            "stadsdel",
            "omrade",
            "regsonamn",
            "desonamn",
            "regso",
            "deso",
            "distrikt",
        ]
    },
    "lamps": {
        "status": ["status", "skick", "funktion", "driftstatus"],
        "status_checked_at": [
            "status checked at",
            "kontrollerad",
            "besiktad",
            "besiktningsdatum",
            "kontrolldatum",
            "inspected",
            "checked",
        ],
    },
    "lux_readings": {
        "lux": ["lux", "belysningsstyrka", "illuminance", "varde", "value"],
        "measured_at": [
            "measured at",
            "tid",
            "tidpunkt",
            "time",
            "timestamp",
            "datum",
            "date",
            "matt",
            "mattid",
            "matdatum",
        ],
        "measured_by": ["measured by", "matare", "uppmatt av", "mattes av", "instrument"],
    },
    "vegetation": {
        "kind": ["kind", "typ", "type", "vegetationstyp", "objekttyp"],
        "height_m": ["height m", "height", "hojd", "hojd m"],
        "blocks_sightline": ["blocks sightline", "skymmer", "skymmer sikt", "siktskymmande"],
    },
    "green_areas": {
        "name": ["name", "namn", "parknamn", "parkens namn"],
        "owner": ["owner", "forvaltning", "agare", "ansvarig"],
    },
    "cameras": {
        "direction_deg": ["direction deg", "direction", "riktning", "riktning grader"],
        "fov_deg": ["fov deg", "fov", "synfalt", "bildvinkel", "vinkel"],
        "range_m": ["range m", "range", "rackvidd", "rackvidd m"],
        "operator": ["operator", "operatör", "agare", "ansvarig"],
        "permit_status": ["permit status", "permit", "tillstand", "kameratillstand"],
    },
    "incidents": {
        "type": ["type", "typ", "handelse", "handelsetyp", "brottstyp", "kategori"],
        "reported_by": ["reported by", "rapportor", "kalla", "inrapporterad av", "rapporterad av"],
        "occurred_at": [
            "occurred at",
            "fran",
            "tid fran",
            "starttid",
            "start",
            "tidpunkt",
            "tid",
            "datum",
            "handelsetid",
        ],
        "occurred_to": ["occurred to", "till", "tid till", "sluttid", "slut", "end"],
        "description": [
            "description",
            "beskrivning",
            "handelseforlopp",
            "text",
            "kommentar",
            "notering",
        ],
    },
    "properties": {
        "name": [
            "name",
            "namn",
            "fastighetsnamn",
            "byggnadsnamn",
            "objektnamn",
            "anlaggning",
            "anlaggningsnamn",
        ],
        "kind": ["kind", "typ", "verksamhet", "byggnadstyp", "lokaltyp", "kategori", "anvandning"],
        "department": [
            "department",
            "forvaltning",
            "ansvarig",
            "ansvarig forvaltning",
            "forvaltare",
            "agare",
        ],
    },
    "street_segments": {
        "name": ["name", "namn", "gatunamn", "gata"],
        "highway": ["highway", "vagtyp", "gatutyp", "klass"],
        "lit": ["lit", "belyst", "belysning"],
    },
}

#: Values recognised without being told: field → normalised source value → stored value.
VALUES = {
    "status": {
        "trasig": "broken",
        "sonder": "broken",
        "ur funktion": "broken",
        "fel": "broken",
        "slackt": "broken",
        "felanmald": "broken",
        "defekt": "broken",
        "hel": "working",
        "fungerar": "working",
        "ok": "working",
        "i funktion": "working",
        "tand": "working",
        "fungerande": "working",
        "i drift": "working",
        "okand": "unknown",
        "": "unknown",
    },
    "kind": {
        "trad": "tree",
        "buske": "scrub",
        "buskage": "scrub",
        "buskar": "scrub",
        "sly": "scrub",
        "snar": "scrub",
        "hack": "hedge",
        "haeck": "hedge",
        # municipal properties
        "skola": "school",
        "grundskola": "school",
        "gymnasium": "school",
        "gymnasieskola": "school",
        "forskola": "preschool",
        "idrottshall": "sports_hall",
        "sporthall": "sports_hall",
        "gymnastiksal": "sports_hall",
        "simhall": "sports_hall",
        "bibliotek": "library",
        "fritidsgard": "youth_centre",
        "ungdomsgard": "youth_centre",
        "kulturhus": "culture",
        "museum": "culture",
        "teater": "culture",
        "aldreboende": "care",
        "sarskilt boende": "care",
        "vardboende": "care",
        "lss boende": "care",
        "kontor": "office",
        "stadshus": "office",
        "kommunhus": "office",
        "forvaltningsbyggnad": "office",
        "ovrigt": "other",
        "annat": "other",
    },
    "type": {
        "skadegorelse": "vandalism",
        "klotter": "graffiti",
        "glaskross": "glass",
        "krossat glas": "glass",
        "fonsterkross": "glass",
        "brand": "fire",
        "anlagd brand": "fire",
        "folksamling": "gathering",
        "samling": "gathering",
        "ungdomsgrupp": "gathering",
        "olaglig korning": "illegal_driving",
        "mopedkorning": "illegal_driving",
        "buskorning": "illegal_driving",
        "ovrigt": "other",
        "annat": "other",
    },
    "reported_by": {
        "polis": "police",
        "polisen": "police",
        "vaktare": "guard",
        "vaktbolag": "guard",
        "bevakning": "guard",
        "sakerhetsbolag": "guard",
        "nattvandrare": "night_walkers",
        "nattvandrarna": "night_walkers",
        "faltgrupp": "field_team",
        "faltassistenter": "field_team",
        "faltare": "field_team",
        "bostadsbolag": "housing_company",
        "bostadsbolaget": "housing_company",
    },
    "permit_status": {
        "beviljat": "granted",
        "beviljad": "granted",
        "ja": "granted",
        "ansokt": "pending",
        "pagaende": "pending",
        "under handlaggning": "pending",
        "ej tillstandspliktig": "not_required",
        "ej krav": "not_required",
        "okand": "unknown",
        "": "unknown",
    },
    "lit": {"ja": "yes", "nej": "no", "dygnet runt": "24/7", "delvis": "limited"},
    "owner": {
        "gatukontoret": "street",
        "gata": "street",
        "parkforvaltningen": "parks",
        "park": "parks",
        "fastighet": "property",
        "fastighetsforvaltningen": "property",
    },
    "department": {
        "gatukontoret": "street",
        "parkforvaltningen": "parks",
        "fastighet": "property",
        "fastigheter": "property",
        "fastighetsforvaltningen": "property",
        "fastighetskontoret": "property",
        "fastighetsavdelningen": "property",
        "lokalforsorjningen": "property",
        "bostadsbolaget": "housing",
        "polisen": "police",
        "socialtjansten": "social",
        "socialforvaltningen": "social",
    },
}
TRUE = {"1", "ja", "j", "x", "true", "yes", "y", "sant"}
FALSE = {"0", "nej", "n", "false", "no", "falskt", ""}


def normalise(name: str) -> str:
    """A column name or value as compared: lower case, å ä ö and accents folded to their base
    letters, runs of anything but letters and digits as one space."""
    folded = unicodedata.normalize("NFKD", str(name).lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()


def recognise(columns: list[str], layer: str, fields: list[str]) -> dict[str, str]:
    """Field → column for the columns of a file that name one of `fields` of `layer` (or the
    id or coordinates) in a common way. Each column maps to at most one field."""
    names = {**COMMON, **FIELDS.get(layer, {})}
    by_name = {normalise(column): column for column in columns}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for target in [*fields, ID, LON, LAT, X, Y, WKT]:
        for name in [normalise(target), *(normalise(n) for n in names.get(target, []))]:
            column = by_name.get(name)
            if column is not None and column not in taken:
                mapping[target] = column
                taken.add(column)
                break
    return mapping


def parse_pairs(option: str, items: list[str] | None, separator: str = "=") -> dict[str, str]:
    """``["A=B", …]`` as a dict; an item without the separator is an ImportFileError naming
    `option`."""
    pairs = {}
    for item in items or []:
        key, found, value = item.partition(separator)
        if not found or not key.strip():
            raise ImportFileError(f"{option} takes KEY{separator}VALUE, got {item!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def parse_value_maps(items: list[str] | None) -> dict[str, dict[str, str]]:
    """``--values FIELD:SOURCE_VALUE=VALUE`` items as field → normalised source value → value."""
    maps: dict[str, dict[str, str]] = {}
    for item in items or []:
        field, found, rest = item.partition(":")
        source, found_eq, value = rest.partition("=")
        if not found or not found_eq or not field.strip():
            raise ImportFileError(f"--values takes FIELD:SOURCE_VALUE=VALUE, got {item!r}")
        maps.setdefault(field.strip(), {})[normalise(source)] = value.strip()
    return maps


def is_blank(value) -> bool:
    """Whether a cell holds nothing: None, NaN or only spaces."""
    return value is None or value != value or (isinstance(value, str) and not value.strip())


def parse_number(value) -> float:
    """A number from a cell: a float, or text with a decimal point or comma and spaces (or a
    non-breaking space) between thousands; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None


def parse_bool(value) -> bool:
    """Yes or no from a cell (ja/nej, x, 1/0, true/false); ValueError otherwise."""
    if isinstance(value, bool):
        return value
    text = normalise(str(int(value)) if isinstance(value, float) and value.is_integer() else value)
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"not yes or no: {value!r}")


_DATE_FORMS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), ("y", "m", "d")),
)
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,]\d+)?)?$")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def _date(text: str) -> date | None:
    for pattern, order in _DATE_FORMS:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, map(int, match.groups()), strict=True))
            return date(parts["y"], parts["m"], parts["d"])
    return None


def _time(text: str) -> time | None:
    match = _TIME.match(text)
    if not match:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour == 24 and minute == 0 and second == 0:
        return time.max
    return time(hour, minute, second)


def parse_moment(value, zone: tzinfo, *, after: datetime | None = None) -> datetime:
    """An aware instant from a cell: ISO 8601 (with an offset, or local), a Swedish date and
    time ("5.12.2026 22.30", "2026-12-05 kl. 22:30", "20261205"), a date alone (its midnight) or
    a spreadsheet's datetime. Local is `zone`. With `after` (a span's start), a time alone is
    on the start's day, or the next day when earlier ("22:00 till 06:00"). ValueError
    otherwise."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=zone)
    text = re.sub(r"\s+", " ", str(value).strip())
    text = re.sub(r"\s*kl\.?\s*", " ", text, flags=re.IGNORECASE).strip()
    # Python reads "21.30" as 21 hours and a fraction; a Swedish clock's dot is a colon.
    if not re.search(r"[ T]\d{1,2}\.\d", text):
        try:
            parsed = datetime.fromisoformat(text)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
        except ValueError:
            pass
    offset = None
    match = _OFFSET.search(text)
    if match and " " in text:
        offset, text = match[1], text[: match.start()].strip()
    day_text, _, time_text = text.replace("T", " ").partition(" ")
    try:
        day = _date(day_text)
        clock = _time(time_text) if time_text else time.min
        if day is None and after is not None and not time_text:
            clock = _time(day_text)
            if clock is not None:
                moment = datetime.combine(after.astimezone(zone).date(), clock, tzinfo=zone)
                return moment + timedelta(days=1) if moment < after else moment
    except ValueError:
        day = clock = None
    if day is None or clock is None:
        raise ValueError(f"not a date and time: {value!r}")
    if clock == time.max:
        day, clock = day + timedelta(days=1), time.min
    moment = datetime.combine(day, clock)
    if offset:
        return datetime.fromisoformat(moment.isoformat() + offset.replace("Z", "+00:00"))
    return moment.replace(tzinfo=zone)


def map_choice(value, field: str, choices: dict[str, str], overrides: dict[str, str]) -> str:
    """The stored value of a category from a cell: by `overrides` (``--values``), the stored
    values and labels of `choices` (value → label), then the Swedish values recognised by
    default. ValueError naming the allowed values otherwise."""
    key = normalise("" if is_blank(value) else value)
    if key in overrides:
        return overrides[key]
    for stored, label in choices.items():
        if key in {normalise(stored), normalise(label)}:
            return stored
    known = VALUES.get(field, {})
    if key in known and known[key] in choices:
        return known[key]
    allowed = ", ".join(stored for stored in choices if stored)
    raise ValueError(f"{field}: {value!r} is not one of {allowed} (map it with --values)")
