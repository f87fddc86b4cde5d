"""Planning a week of presence: from the database to :mod:`gis.priority.presence` and back.

``plan_week(municipality, "2026-W50")`` reads the municipality's presence resources (their
teams and shift windows that week), the reports of the last :data:`LOOKBACK_DAYS` days before
the week (incidents over their span, resident pins, walk findings), and the walkable street
network, and stores the plan and its visits.

Harm
----
Each report is snapped to the nearest walkable street segment within :data:`SNAP_M` metres
(:func:`gis.priority.snapping.nearest_segment`) and counted in the hours of the week it
happened (:func:`gis.analysis.timeprofile.time_profile`, spans spread aoristically), weighted
by

- severity: an incident's or a finding's 1-5 over the middle 3 (an incident not judged counts
  as 3, a resident pin as 3), so a serious report weighs 5/3 and a minor one 1/3;
- recency: halved every :data:`HALF_LIFE_DAYS` (90) days before the week begins;
- the risk calendar: ``day_weights`` multiplies every hour of a local day (1 where a day has
  no weight), e.g. Valborgsmässoafton 1.8.

The places are the :data:`MAX_PLACES` segments with the most harm inside the teams' windows;
travel between them runs over the street network at the team's speed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from gis import frames
from gis.analysis.timeprofile import (
    DAYS_PER_WEEK,
    HOURS_OF_WEEK,
    aoristic_weights,
    time_profile,
    week_minutes,
)
from gis.core.lazy import lazy_module
from gis.core.models import Municipality
from gis.presence import reasons
from gis.presence.models import PlannedVisit, PresencePlan, PresenceResource
from gis.presence.reasons import reason_text
from gis.presence.weeks import parse_week, week_label
from gis.priority import presence as engine
from gis.priority.footfall import node_ids
from gis.priority.snapping import nearest_segment
from gis.riskcalendar.weights import day_weights as calendar_weights
from layers.models import StreetSegment
from layers.naming import segment_name

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")
shapely = lazy_module("shapely")

#: Reports of this many days before the week make its harm (defined with the reasons' words).
LOOKBACK_DAYS = reasons.LOOKBACK_DAYS
#: A report's weight halves every this many days before the week begins.
HALF_LIFE_DAYS = 90.0
#: A report further than this from every walkable segment (metres) is no place's.
SNAP_M = 50.0
#: The places a plan considers: the segments with most harm in the teams' windows.
MAX_PLACES = 80
#: A severity not judged counts as the middle of 1-5.
DEFAULT_SEVERITY = 3
#: Reports named among a visit's grounds, at most.
GROUNDS_REPORTS = 5


def plan_week(
    municipality: Municipality,
    week: str,
    *,
    seed: int = 0,
    user=None,
    day_weights: Mapping[date, float] | None = None,
    now: datetime | None = None,
) -> PresencePlan:
    """Plan and store the visits of ISO ``week`` for every presence resource of
    ``municipality``; planning a week again replaces its visits not yet logged.

    ``day_weights`` are the risk calendar's weights of local days (1 where a day has none);
    by default the municipality's own, :func:`gis.riskcalendar.weights.day_weights` over the
    week and the Monday after (a window may pass midnight into it). ``now`` (default
    the present) bounds the reports read when the week has not begun yet.
    """
    monday = parse_week(week)
    week = week_label(monday)
    if day_weights is None:
        day_weights = calendar_weights(
            municipality, [monday + timedelta(days=k) for k in range(DAYS_PER_WEEK + 1)]
        )
    zone = ZoneInfo(settings.TIME_ZONE)
    origin = datetime.combine(monday, time.min, tzinfo=zone)
    until = min(now or timezone.now(), origin)
    resources = list(PresenceResource.objects.filter(municipality=municipality).order_by("name"))
    teams: list[engine.Team] = []
    owners: dict[str, PresenceResource] = {}
    for resource in resources:
        for name in resource.team_names():
            if name in owners:  # "Patrol 2" of one resource and another called so
                name = f"{name} ({resource.pk})"
            owners[name] = resource
            teams.append(engine.Team(name, resource.actor, resource.mode, resource.windows(monday)))
    reports = _reports(municipality, until)
    segments = frames.segments(municipality)
    snapped = _snap(reports, segments)
    hours = engine.hours_in_plan([w for team in teams for w in team.windows], origin)
    profile = _profile(snapped, until)
    harm = engine.week_harm(profile.to_numpy(), origin, hours, day_weights)
    chosen = engine.top_places(harm, teams, origin, MAX_PLACES) if len(harm) else []
    place_ids = profile.index.to_numpy()[chosen]
    visits: dict[str, list[engine.Visit]] = {team.name: [] for team in teams}
    summary = {
        "reports": len(reports),
        "places_considered": len(place_ids),
        "lookback_days": LOOKBACK_DAYS,
        "half_life_days": HALF_LIFE_DAYS,
        "seed": seed,
        "teams": len(teams),
        # The risk calendar's days that weighed more (or less) than an ordinary day.
        "risk_days": {
            day.isoformat(): round(weight, 3)
            for day, weight in sorted((day_weights or {}).items())
            if weight != 1.0
        },
    }
    xy = np.zeros((0, 2))
    if len(place_ids) and teams:
        places = segments.set_index("id").loc[place_ids]
        middles = shapely.line_interpolate_point(places.geometry.values, 0.5, normalized=True)
        xy = shapely.get_coordinates(middles)
        u, v = node_ids(segments)
        where = pd.Series(np.arange(len(segments)), index=segments["id"].to_numpy())[place_ids]
        distance = engine.network_distances(
            u,
            v,
            segments["length_m"].to_numpy(dtype=float),
            u[where.to_numpy()],
            v[where.to_numpy()],
            places["length_m"].to_numpy(dtype=float),
            xy,
        )
        travel = {mode: engine.travel_minutes(distance, mode) for mode in engine.SPEED_KMH}
        place_harm = harm[chosen]
        visits = engine.plan_visits(place_harm, teams, travel, origin=origin, seed=seed)
        reference = engine.plain_greedy(place_harm, teams, travel, origin=origin, seed=seed)
        summary |= {
            "harm_covered": round(engine.harm_covered(visits, place_harm), 3),
            "harm_covered_plain_greedy": round(engine.harm_covered(reference, place_harm), 3),
            "travel_minutes": round(sum(v.travel_minutes for vs in visits.values() for v in vs)),
        }
    summary["visits"] = sum(len(vs) for vs in visits.values())
    names = _place_names(place_ids)
    by_team = {team.name: team for team in teams}
    rows = []
    for name, team_visits in visits.items():
        for visit in team_visits:
            segment = int(place_ids[visit.place])
            grounds = _grounds(snapped, segment, by_team[name], origin, visit)
            rows.append(
                PlannedVisit(
                    resource=owners[name],
                    team=name,
                    starts_at=visit.start,
                    ends_at=visit.end,
                    geom=Point(*xy[visit.place], srid=settings.TRYGG_SRID),
                    place=names.get(segment, ""),
                    reason=reason_text(grounds),
                    grounds=grounds,
                    expected_harm=round(visit.harm, 4),
                )
            )
    with transaction.atomic():
        plan, _created = PresencePlan.objects.update_or_create(
            municipality=municipality,
            week=week,
            defaults={"seed": seed, "summary": summary}
            | ({"created_by": user} if user is not None else {}),
        )
        plan.visits.filter(outcome="").delete()
        logged = list(plan.visits.all())
        kept = [row for row in rows if not any(_clash(row, other) for other in logged)]
        for row in kept:
            row.plan = plan
        PlannedVisit.objects.bulk_create(kept)
        if len(kept) != len(rows):
            plan.summary = summary | {"visits": len(kept) + len(logged)}
            plan.save(update_fields=["summary"])
    return plan


def _clash(row: PlannedVisit, other: PlannedVisit) -> bool:
    """Whether a new visit overlaps a logged one of the same team."""
    return (
        row.team == other.team and row.starts_at < other.ends_at and other.starts_at < row.ends_at
    )


def _reports(municipality: Municipality, until: datetime):
    """Incidents, pins and findings of the lookback: kind, id, start, end, severity, point."""
    since = until - timedelta(days=LOOKBACK_DAYS)
    incidents = frames.incidents(municipality, since=since, until=until)
    pins = frames.pins(municipality, since=since, until=until)
    findings = frames.findings(municipality, since=since, until=until)
    parts = [
        _part(
            "incident", incidents, "occurred_at", incidents["occurred_to"], incidents["severity"]
        ),
        _part("pin", pins, "created_at"),
        _part("finding", findings, "created_at", severity=findings["severity"]),
    ]
    present = [part for part in parts if len(part)]
    result = pd.concat(present, ignore_index=True) if present else parts[0]
    result["start"] = pd.to_datetime(result["start"], utc=True)
    result["end"] = pd.to_datetime(result["end"], utc=True)
    result["severity"] = result["severity"].fillna(DEFAULT_SEVERITY).clip(1, 5)
    return result


def _part(kind: str, frame, start: str, end=None, severity=None):
    """One kind of report as rows of kind, id, start, end, severity and a point (a line's or
    an area's point on its surface)."""
    return pd.DataFrame(
        {
            "kind": kind,
            "id": frame["id"].to_numpy(),
            "start": frame[start].to_numpy(),
            "end": pd.NaT if end is None else end.to_numpy(),
            "severity": np.nan if severity is None else severity.astype(float).to_numpy(),
            "geometry": shapely.point_on_surface(frame.geometry.values),
        }
    )


def _snap(reports, segments):
    """The reports that lie within SNAP_M of a segment, with its id and their share (a report
    equally near two segments counts half at each)."""
    points = gpd.GeoSeries(reports["geometry"].to_numpy(), crs=settings.TRYGG_SRID)
    nearest = nearest_segment(points, segments, max_distance_m=SNAP_M)
    result = reports.drop(columns="geometry").iloc[nearest["row"].to_numpy()].reset_index(drop=True)
    result["segment"] = nearest["segment_id"].to_numpy()
    result["share"] = nearest["share"].to_numpy()
    return result


def _profile(snapped, until: datetime):
    """Weighted hour-of-week profile per segment (rows: segment ids)."""
    age_days = (pd.Timestamp(until) - snapped["start"]).dt.total_seconds().to_numpy() / 86400.0
    snapped["weight"] = (
        snapped["severity"].to_numpy(dtype=float)
        / DEFAULT_SEVERITY
        * 0.5 ** (np.maximum(age_days, 0.0) / HALF_LIFE_DAYS)
        * snapped["share"].to_numpy(dtype=float)
    )
    return time_profile(
        snapped["start"],
        snapped["end"],
        tz=settings.TIME_ZONE,
        weights=snapped["weight"].to_numpy(),
        groups=snapped["segment"].to_numpy(),
    )


def _place_names(segment_ids) -> dict[int, str]:
    fields = ("name", "house_numbers", "near_name", "highway")
    rows = StreetSegment.objects.filter(pk__in=[int(i) for i in segment_ids]).only(*fields)
    return {row.pk: segment_name(row) for row in rows}


def _grounds(snapped, segment: int, team: engine.Team, origin: datetime, visit) -> dict:
    """Why a visit: the reports at the place that fall in the team's windows (the heaviest
    first), the days and clock hours of those windows where the place has harm."""
    here = snapped[snapped["segment"] == segment]
    spread = (
        aoristic_weights(
            week_minutes(here["start"], settings.TIME_ZONE),
            week_minutes(here["end"], settings.TIME_ZONE),
        )
        * here["weight"].to_numpy()[:, None]
    )
    place = spread.sum(axis=0)
    in_windows = np.zeros(HOURS_OF_WEEK, dtype=bool)
    days, first, last = set(), None, None
    for start, end in team.windows:
        begin = engine.minute_of(start, origin) // 60
        stop = -(-engine.minute_of(end, origin) // 60)
        bins = np.arange(begin, stop) % HOURS_OF_WEEK
        in_windows[bins] = True
        hot = np.flatnonzero(place[bins] > 0)
        if len(hot):
            days.add(start.weekday())
            first = hot[0] if first is None else min(first, hot[0])
            last = hot[-1] if last is None else max(last, hot[-1])
    contribution = spread[:, in_windows].sum(axis=1)
    order = np.argsort(-contribution, kind="stable")
    order = order[contribution[order] > 0]
    zone = ZoneInfo(settings.TIME_ZONE)
    start_hour = team.windows[0][0].hour if team.windows else 0
    return {
        "segment": segment,
        "count": len(order),
        "reports": [
            {
                "kind": here["kind"].iloc[i],
                "id": int(here["id"].iloc[i]),
                "at": here["start"].iloc[i].tz_convert(zone).isoformat(timespec="minutes"),
            }
            for i in order[:GROUNDS_REPORTS]
        ],
        "days": sorted(days),
        "from_hour": None if first is None else int((start_hour + first) % 24),
        "to_hour": None if last is None else int((start_hour + last + 1) % 24),
        "bins": [hour % HOURS_OF_WEEK for hour in visit.hours],
        "lookback_days": LOOKBACK_DAYS,
    }


def plan_json(plan: PresencePlan) -> dict:
    """The plan as ``{"week", "teams": [{"name", "actor", "visits": [{"start", "end", "lon",
    "lat", "place", "reason", "grounds", "outcome"}]}]}`` (times ISO 8601 with the local
    offset, WGS 84 rounded to 6 decimals); every team of the municipality's resources, those
    without visits too."""
    teams: dict[str, dict] = {}
    resources = PresenceResource.objects.filter(municipality_id=plan.municipality_id)
    for resource in resources.order_by("name"):
        for name in resource.team_names():
            teams.setdefault(name, {"name": name, "actor": resource.actor, "visits": []})
    visits = plan.visits.select_related("resource").order_by("team", "starts_at", "pk")
    for visit in visits:
        team = teams.setdefault(
            visit.team, {"name": visit.team, "actor": visit.resource.actor, "visits": []}
        )
        point = visit.geom.transform(4326, clone=True)
        team["visits"].append(
            {
                "start": timezone.localtime(visit.starts_at).isoformat(timespec="seconds"),
                "end": timezone.localtime(visit.ends_at).isoformat(timespec="seconds"),
                "lon": round(point.x, 6),
                "lat": round(point.y, 6),
                "place": visit.place,
                "reason": visit.why,
                "grounds": visit.grounds,
                "outcome": visit.outcome,
            }
        )
    return {"week": plan.week, "teams": list(teams.values())}
