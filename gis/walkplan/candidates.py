"""Candidate stops of a planned safety walk: what residents, earlier walks and the analyses say
about the places inside the walk's area, each with a value, a reason and what to look at.

Each source in :data:`SOURCES` is a function ``(municipality, area, time_of_day) -> list[dict]``
(``area`` a metric Polygon or MultiPolygon, ``time_of_day`` "day", "evening" or "night"); each
dict has the keys ``kind``, ``ref_id``, ``geom`` (a metric Point), ``value`` (> 0), ``why``,
``look_at``, ``comments`` (published text only, never contact data), ``photos`` (links) and
optionally ``title``. Another source (the digital walks' answers) is one more entry in
:data:`SOURCES`.

Values (see docs/walkplan.md):

* a resident report that is not resolved: ``severity / 3 × (1 + votes / 2) × recency × match``,
  recency halving every :data:`HALF_LIFE_DAYS` days, ``match`` 1 when the report (or a
  supporter's vote) names the walk's time of day and :data:`OTHER_TIME` otherwise;
* an open finding of an earlier walk (its walk is closed and no done or verified fix lies within
  :data:`FIX_COVERS_M` metres of it): ``severity / 3 × recency × match``;
* a hot spot of the walk's time of day (the latest stored Gi* run whose selection includes that
  time, or all times): by its confidence, 99 % 1.5, 95 % 1, 90 % 0.6;
* a fix done in the last :data:`FIX_DAYS` days, to look at its effect on site: :data:`FIX_VALUE`.

Candidates within :data:`MERGE_M` metres of a more valuable one merge into it: one stop with the
summed value and every reason.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.contrib.gis.geos import GEOSGeometry
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gis.core.models import Municipality
from gis.fixes.models import Fix
from gis.hotspots.models import AnalysisRun, HotspotCell
from walks.models import PinPhoto, ResidentPin, SafetyWalk, WalkFinding

#: A report's value halves every this many days.
HALF_LIFE_DAYS = 180.0
#: Severity of a resident report (reports carry none; findings are judged 1-5).
PIN_SEVERITY = 3
#: A report of another time of day counts this much.
OTHER_TIME = 0.4
#: Findings older than this (days) are not proposed again.
FINDING_DAYS = 730
#: A done or verified fix this near a finding (metres) has dealt with it.
FIX_COVERS_M = 25.0
#: Fixes done in the last this many days are proposed to look at their effect.
FIX_DAYS = 183
#: Value of a done fix's stop.
FIX_VALUE = 1.0
#: Value of a hot-spot cell by its confidence.
HOTSPOT_VALUES = {"hot spot 99%": 1.5, "hot spot 95%": 1.0, "hot spot 90%": 0.6}
#: Hot-spot cells proposed at most (the strongest).
MAX_HOTSPOTS = 20
#: Candidates this near (metres) merge into one stop.
MERGE_M = 25.0
#: Residents' comments and photos shown with a stop, at most.
MAX_COMMENTS = 5
MAX_PHOTOS = 5

#: Resolved reports: fixed, answered or closed, and duplicates.
RESOLVED = frozenset(
    {
        ResidentPin.Status.FIXED,
        ResidentPin.Status.FEEDBACK_GIVEN,
        ResidentPin.Status.CLOSED_NOT_OURS,
        ResidentPin.Status.CLOSED_DUPLICATE,
        ResidentPin.Status.CLOSED_NO_ACTION,
    }
)


def _look_at() -> dict[str, str]:
    return {
        "lighting": _(
            "Are the lamps lit and whole? Can you see a face 15 metres away? Dark stretches?"
        ),
        "vegetation": _("Sight lines: bushes or trees that hide the path or make hiding places?"),
        "hidden_place": _("Can you see and be seen? Ways out, corners, tunnels, mirrors?"),
        "graffiti": _("Damage, graffiti, litter: does the place look cared for?"),
        "litter": _("Litter and bins: does the place look cared for?"),
        "traffic": _("Speeds, crossings, where cars drive that should not."),
        "gathering": _("Who is here at this hour? Does anyone look after the place?"),
        "wayfinding": _("Can you find the way? Signs, a missing path, where people walk instead."),
        "hotspot": _("Why do reports gather here? Light, sight lines, people around, ways out."),
        "fix": _("Has the fix worked? Does the place feel safer than before?"),
    }


def look_at(key: str) -> str:
    """What to look at on site for a category code or a stop kind."""
    texts = _look_at()
    return texts.get(key) or _("How does the place feel? Light, sight lines, people, ways out.")


def _age_days(moment: datetime, now: datetime) -> int:
    """Whole days between the local dates of ``moment`` and ``now``: a plan made twice on a
    day weighs its reports the same."""
    return max((timezone.localdate(now) - timezone.localdate(moment)).days, 0)


def _days_ago(moment: datetime, now: datetime) -> str:
    days = _age_days(moment, now)
    return ngettext("%(days)d day ago", "%(days)d days ago", days) % {"days": days}


def _recency(moment: datetime, now: datetime) -> float:
    return 0.5 ** (_age_days(moment, now) / HALF_LIFE_DAYS)


def _when_label(value: str) -> str:
    """The time of day as a phrase: "in the evening" ("kvällstid")."""
    phrases = {
        "day": _("in the daytime"),
        "evening": _("in the evening"),
        "night": _("at night"),
    }
    return phrases.get(value, value)


def _in_area(queryset, area, field: str = "geom"):
    return queryset.filter(**{f"{field}__intersects": area})


def pin_candidates(municipality: Municipality, area, time_of_day: str, *, now=None) -> list[dict]:
    """Resident reports in the area that are not resolved (:data:`RESOLVED`, duplicates)."""
    now = now or timezone.now()
    pins = (
        _in_area(ResidentPin.objects.filter(municipality=municipality), area)
        .exclude(status__in=RESOLVED)
        .filter(duplicate_of__isnull=True)
        .select_related("category")
        .annotate(votes_then=Count("votes", filter=Q(votes__when=time_of_day)))
        .prefetch_related(Prefetch("photos", queryset=PinPhoto.objects.order_by("pk")))
        .order_by("pk")
    )
    result = []
    for pin in pins:
        votes = pin.vote_count
        matching = pin.when == time_of_day or pin.votes_then > 0
        value = (
            PIN_SEVERITY
            / 3.0
            * (1.0 + votes / 2.0)
            * _recency(pin.reported_at, now)
            * (1.0 if matching else OTHER_TIME)
        )
        why = _("Resident report: %(category)s, %(votes)s, %(when)s, %(ago)s") % {
            "category": pin.category.name,
            "votes": ngettext("%(n)d supporter", "%(n)d supporters", votes) % {"n": votes},
            "when": _when_label(pin.when),
            "ago": _days_ago(pin.reported_at, now),
        }
        result.append(
            {
                "kind": "pin",
                "ref_id": pin.pk,
                "geom": pin.geom,
                "value": value,
                "title": pin.category.name,
                "why": why,
                "look_at": look_at(pin.category.code),
                "comments": [pin.description] if pin.published and pin.description else [],
                "photos": [p.image.url for p in pin.photos.all() if p.image]
                if pin.published
                else [],
            }
        )
    return result


def _done_fixes(municipality: Municipality):
    return Fix.objects.filter(
        municipality=municipality, status__in=[Fix.Status.DONE, Fix.Status.VERIFIED]
    )


def finding_candidates(
    municipality: Municipality, area, time_of_day: str, *, now=None
) -> list[dict]:
    """Open findings of earlier walks in the area: their walk is closed, they were noted in the
    last :data:`FINDING_DAYS` days, and no done or verified fix lies within
    :data:`FIX_COVERS_M` metres of them."""
    now = now or timezone.now()
    findings = (
        _in_area(WalkFinding.objects.filter(municipality=municipality), area)
        .filter(
            walk__status=SafetyWalk.Status.CLOSED,
            observed_at__gte=now - timedelta(days=FINDING_DAYS),
        )
        .select_related("category", "walk")
        .order_by("pk")
    )
    fixes = [fix.geom for fix in _done_fixes(municipality).filter(geom__intersects=area.buffer(50))]
    result = []
    for finding in findings:
        if any(finding.geom.distance(geom) <= FIX_COVERS_M for geom in fixes):
            continue
        point = finding.geom if finding.geom.geom_type == "Point" else finding.geom.point_on_surface
        value = (
            finding.severity
            / 3.0
            * _recency(finding.observed_at, now)
            * (1.0 if finding.when == time_of_day else OTHER_TIME)
        )
        why = _("Open finding of the walk %(walk)s: %(category)s, severity %(severity)s/5") % {
            "walk": finding.walk.title,
            "category": finding.category.name,
            "severity": finding.severity,
        }
        result.append(
            {
                "kind": "finding",
                "ref_id": finding.pk,
                "geom": point,
                "value": value,
                "title": finding.category.name,
                "why": why,
                "look_at": look_at(finding.category.code),
                "comments": [],
                "photos": [],
            }
        )
    return result


def hotspot_run(municipality: Municipality, time_of_day: str) -> AnalysisRun | None:
    """The latest Gi* run whose selection covers ``time_of_day`` (it names it, or no time)."""
    runs = AnalysisRun.objects.filter(
        municipality=municipality, kind=AnalysisRun.Kind.GISTAR
    ).order_by("-created_at", "-pk")
    for run in runs[:20]:
        when = ((run.params or {}).get("selection") or {}).get("when") or []
        if not when or time_of_day in when:
            return run
    return None


def hotspot_candidates(
    municipality: Municipality, area, time_of_day: str, *, now=None
) -> list[dict]:
    """Hot-spot cells of the latest Gi* run of the time of day whose centre lies in the area."""
    run = hotspot_run(municipality, time_of_day)
    if run is None:
        return []
    cells = (
        HotspotCell.objects.filter(run=run, category__in=list(HOTSPOT_VALUES))
        .filter(geom__intersects=area)
        .order_by("-z", "cell_id")[: MAX_HOTSPOTS * 2]
    )
    result = []
    for cell in cells:
        centre = cell.geom.centroid
        if not area.contains(centre):
            continue
        confidence = cell.category.removeprefix("hot spot ").strip()
        result.append(
            {
                "kind": "hotspot",
                "ref_id": cell.pk,
                "geom": centre,
                "value": HOTSPOT_VALUES[cell.category],
                "title": _("Hot spot"),
                "why": _("Hot spot of reports (%(confidence)s confidence), %(when)s")
                % {
                    "confidence": confidence,
                    "when": _when_label(time_of_day),
                },
                "look_at": look_at("hotspot"),
                "comments": [],
                "photos": [],
            }
        )
        if len(result) >= MAX_HOTSPOTS:
            break
    return result


def fix_candidates(municipality: Municipality, area, time_of_day: str, *, now=None) -> list[dict]:
    """Fixes done in the last :data:`FIX_DAYS` days in the area: is their effect visible?"""
    now = now or timezone.now()
    fixes = (
        _done_fixes(municipality)
        .filter(status=Fix.Status.DONE, done_at__gte=now - timedelta(days=FIX_DAYS))
        .filter(geom__intersects=area)
        .order_by("pk")
    )
    result = []
    for fix in fixes:
        geom = fix.geom if fix.geom.geom_type == "Point" else fix.geom.point_on_surface
        result.append(
            {
                "kind": "fix",
                "ref_id": fix.pk,
                "geom": geom,
                "value": FIX_VALUE,
                "title": fix.get_fix_type_display(),
                "why": _("Done fix: %(fix)s, %(ago)s")
                % {
                    "fix": fix.get_fix_type_display(),
                    "ago": _days_ago(fix.done_at, now),
                },
                "look_at": look_at("fix"),
                "comments": [fix.answer] if fix.answer else [],
                "photos": [],
            }
        )
    return result


#: The sources of candidate stops, in order: functions ``(municipality, area, time_of_day)``
#: or their dotted paths (another app's, e.g. "gis.campaigns.candidates.stop_candidates").
SOURCES: tuple[Callable[..., list[dict]] | str, ...] = (
    pin_candidates,
    finding_candidates,
    hotspot_candidates,
    fix_candidates,
    "gis.campaigns.candidates.stop_candidates",
)


def _call(source, municipality, area, time_of_day, now):
    if isinstance(source, str):  # a dotted path: another app's source
        source = import_string(source)
    if "now" in inspect.signature(source).parameters:
        return source(municipality, area, time_of_day, now=now)
    return source(municipality, area, time_of_day)


def _clean(found: dict) -> dict | None:
    """A source's dict with its geometry a Point inside nothing else, the lists as lists."""
    geom = found.get("geom")
    if geom is None or float(found.get("value") or 0) <= 0:
        return None
    if not isinstance(geom, GEOSGeometry):
        geom = GEOSGeometry(str(geom))
    if geom.geom_type != "Point":
        geom = geom.point_on_surface
    return {
        "kind": str(found["kind"]),
        "ref_id": found.get("ref_id"),
        "geom": geom,
        "value": float(found["value"]),
        "title": str(found.get("title") or ""),
        "why": str(found.get("why") or ""),
        "look_at": str(found.get("look_at") or ""),
        "comments": [str(c) for c in found.get("comments") or []],
        "photos": [str(p) for p in found.get("photos") or []],
    }


def candidates(
    municipality: Municipality,
    area,
    time_of_day: str,
    *,
    now: datetime | None = None,
    sources: Sequence[Callable[..., list[dict]] | str] | None = None,
) -> list[dict]:
    """Every source's candidates in ``area`` (metric), near ones merged (:func:`merge`)."""
    found = []
    for source in SOURCES if sources is None else sources:
        for item in _call(source, municipality, area, time_of_day, now):
            cleaned = _clean(item)
            if cleaned is not None:
                found.append(cleaned)
    return merge(found)


def _key(candidate: dict) -> tuple:
    ref = candidate["ref_id"]
    return (candidate["kind"], -1 if ref is None else int(ref))


def merge(found: list[dict], radius_m: float = MERGE_M) -> list[dict]:
    """Candidates within ``radius_m`` of a more valuable one join it: one stop with the summed
    value, the leading reason and a count of the others, every reason kind's comments and
    photos (at most :data:`MAX_COMMENTS` and :data:`MAX_PHOTOS`), and ``merged`` listing the
    joined (kind, id). Deterministic: the most valuable first, ties by kind and id."""
    ordered = sorted(found, key=lambda c: (-c["value"], _key(c)))
    stops: list[dict] = []
    cells: dict[tuple[int, int], list[dict]] = {}  # stops by grid cell of radius_m
    size = max(radius_m, 1e-6)
    for candidate in ordered:
        x, y = candidate["geom"].x, candidate["geom"].y
        cx, cy = math.floor(x / size), math.floor(y / size)
        near = [
            s
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for s in cells.get((cx + dx, cy + dy), ())
            if math.hypot(s["geom"].x - x, s["geom"].y - y) <= radius_m
        ]
        home = min(near, key=lambda s: s["rank"], default=None)
        if home is None:
            stop = {**candidate, "merged": [], "rank": len(stops)}
            stops.append(stop)
            cells.setdefault((cx, cy), []).append(stop)
            continue
        home["value"] += candidate["value"]
        home["merged"].append(_key(candidate))
        # The same words from several residents are shown once.
        home["comments"] = list(dict.fromkeys(home["comments"] + candidate["comments"]))[
            :MAX_COMMENTS
        ]
        home["photos"] = (home["photos"] + candidate["photos"])[:MAX_PHOTOS]
        if candidate["look_at"] and candidate["look_at"] not in home["look_at"]:
            home["look_at"] = " ".join(t for t in (home["look_at"], candidate["look_at"]) if t)
    for stop in stops:
        others = len(stop["merged"])
        if others:
            more = ngettext("%(n)d more report here", "%(n)d more reports here", others) % {
                "n": others
            }
            stop["why"] = f"{stop['why']} ({more})"
        del stop["rank"]
        stop["comments"] = stop["comments"][:MAX_COMMENTS]
        stop["photos"] = stop["photos"][:MAX_PHOTOS]
    return sorted(stops, key=_key)
