"""The situation picture's presence section: visits planned against done per partner, and
whether the visited places got quieter.

* **Planned against done**: the visits that begin in the period (of the district, when one is
  chosen), per partner and actor: planned, done, not done and not logged.
* **Follow-up** (:mod:`gis.analysis.visit_effect`): reports (resident pins, walk findings,
  incidents) within ``RADIUS_M`` of each place in the ``HOURS`` after the visits done in the
  period, against the same hours at the same places in the ``WEEKS`` weeks around without a
  visit; a rate ratio with its exact 95 % interval, or "too little data".

Computed on each request (visits are logged all the time), outside the cached picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gis import frames
from gis.core.lazy import lazy_module
from gis.presence.models import Actor, PlannedVisit

visit_effect = lazy_module("gis.analysis.visit_effect")
pd = lazy_module("pandas")


@dataclass
class PresenceRow:
    """Visits of one partner's actor in the period."""

    key: str
    partner: str
    actor: str
    planned: int = 0
    done: int = 0
    not_done: int = 0

    @property
    def not_logged(self) -> int:
        return self.planned - self.done - self.not_done


@dataclass
class PresenceSection:
    """What the section shows."""

    rows: list[PresenceRow] = field(default_factory=list)
    total: PresenceRow | None = None
    effect: object = None  # gis.analysis.visit_effect.VisitEffect, or None without visits done


def _visits(situation):
    visits = PlannedVisit.objects.filter(
        plan__municipality=situation.municipality,
        starts_at__gte=situation.start,
        starts_at__lt=situation.end,
    )
    if situation.district is not None:
        visits = visits.filter(geom__intersects=situation.district.geom)
    return visits


def _rows(situation) -> list[PresenceRow]:
    actors = dict(Actor.choices)
    counted = (
        _visits(situation)
        .values("resource__partner_id", "resource__partner__name", "resource__actor")
        .annotate(
            planned=Count("id"),
            done=Count("id", filter=Q(outcome=PlannedVisit.Outcome.DONE)),
            not_done=Count("id", filter=Q(outcome=PlannedVisit.Outcome.NOT_DONE)),
        )
        .order_by("resource__partner__name", "resource__actor")
    )
    return [
        PresenceRow(
            key=f"{row['resource__partner_id'] or 'none'}:{row['resource__actor']}",
            partner=row["resource__partner__name"] or _("No partner"),
            actor=str(actors.get(row["resource__actor"], row["resource__actor"])),
            planned=row["planned"],
            done=row["done"],
            not_done=row["not_done"],
        )
        for row in counted
    ]


def _reports(situation, since, until):
    """Pins, findings and incidents between `since` and `until` as points: x, y, at."""
    municipality = situation.municipality
    parts = []
    for found, time in (
        (frames.pins(municipality, since=since, until=until), "created_at"),
        (frames.findings(municipality, since=since, until=until), "created_at"),
        (frames.incidents(municipality, since=since, until=until), "occurred_at"),
    ):
        if len(found):
            points = found.geometry.representative_point()
            parts.append(pd.DataFrame({"x": points.x, "y": points.y, "at": found[time]}))
    if not parts:
        return pd.DataFrame({"x": [], "y": [], "at": []})
    return pd.concat(parts, ignore_index=True)


def _effect(situation):
    done = list(
        _visits(situation).filter(outcome=PlannedVisit.Outcome.DONE).values_list("geom", "ends_at")
    )
    if not done:
        return None
    engine = visit_effect
    until = min(situation.end, timezone.now())
    since = situation.start - timedelta(weeks=engine.WEEKS)
    visits = pd.DataFrame(
        {"x": [g.x for g, _e in done], "y": [g.y for g, _e in done], "end": [e for _g, e in done]}
    )
    # Every place the period's plans chose: those not visited at a visit's hours take the
    # trend out (gis.analysis.visit_effect, "Taking the trend out").
    chosen = {(g.x, g.y) for g in _visits(situation).values_list("geom", flat=True)}
    places = pd.DataFrame(sorted(chosen), columns=["x", "y"])
    reports = _reports(situation, since, until + timedelta(hours=engine.HOURS))
    return engine.visit_effect(visits, reports, observed=(since, until), places=places)


def presence_section(situation) -> PresenceSection:
    """The presence section of `situation` (a :class:`gis.dashboard.situation.Situation`)."""
    rows = _rows(situation)
    total = PresenceRow(
        key="total",
        partner=_("All partners"),
        actor="",
        planned=sum(r.planned for r in rows),
        done=sum(r.done for r in rows),
        not_done=sum(r.not_done for r in rows),
    )
    return PresenceSection(rows=rows, total=total, effect=_effect(situation))


def csv_rows(situation) -> list[list]:
    """The section as rows of the situation picture's CSV: section, key, label, metric, value."""
    section = presence_section(situation)
    rows = []
    for row in [*section.rows, section.total]:
        label = f"{row.partner}, {row.actor}" if row.actor else row.partner
        for metric in ("planned", "done", "not_done", "not_logged"):
            rows.append(["presence_visits", row.key, label, metric, getattr(row, metric)])
    effect = section.effect
    if effect is not None:
        label = _("Reports after visits against unvisited hours")
        for metric in (
            "visits",
            "comparisons",
            "reports_after_visits",
            "reports_in_comparisons",
            "rate_ratio",
            "ci_low",
            "ci_high",
            "enough",
            "control_windows",
            "control_comparisons",
            "reports_at_controls",
            "reports_at_controls_around",
            "trend_ratio",
            "adjusted_ratio",
            "adjusted_low",
            "adjusted_high",
        ):
            value = getattr(effect, metric)
            value = "" if value is None else round(value, 3) if isinstance(value, float) else value
            rows.append(["presence_followup", "visits", label, metric, value])
    return rows
