"""The situation picture's presence measures: those active in the period or done in the
``RECENT_DAYS`` before its end, with their responsible partner, status and what came of them
(the follow-up of :func:`gis.presence.measures.followup` as of the period's end, in words).

Kept apart from :mod:`gis.dashboard.situation` so that its sections stay separate; the picture
calls :func:`measures` once and :func:`csv_rows` for its CSV.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from gis.presence import measures as flow
from gis.presence.models import PresenceMeasure
from gis.priority.presence_followup import MeasureFollowUp

LIMIT = 20


@dataclass
class MeasureRow:
    """One measure of the picture and its follow-up (None before its period begins)."""

    measure: PresenceMeasure
    followup: MeasureFollowUp | None
    words: str
    verdict: str


def measures(municipality, district, start: datetime, end: datetime) -> list[MeasureRow]:
    """The measures active in ``[start, end)`` or done in the ``RECENT_DAYS`` before ``end``,
    in the district when one is given; newest period first, at most ``LIMIT``."""
    local_start = timezone.localtime(start).date()
    local_end = timezone.localtime(end - timedelta(microseconds=1)).date()
    recent = end - timedelta(days=flow.RECENT_DAYS)
    active = Q(starts_on__lte=local_end, ends_on__gte=local_start) & ~Q(
        status=PresenceMeasure.Status.CANCELLED
    )
    done = Q(status=PresenceMeasure.Status.DONE, done_at__gte=recent, done_at__lt=end)
    found = PresenceMeasure.objects.filter(municipality=municipality).filter(active | done)
    if district is not None:
        found = found.filter(geom__intersects=district.geom)
    as_of = min(end, timezone.now())
    rows = []
    for measure in found.select_related("partner").order_by("-starts_on", "pk")[:LIMIT]:
        result = flow.followup(measure, as_of=as_of) if as_of > flow.period(measure)[0] else None
        rows.append(MeasureRow(measure, result, flow.in_words(result), flow.verdict(result)))
    return rows


def version(municipality_id: int) -> str:
    """Changes when a measure of the municipality changes (part of the picture's cache key)."""
    found = PresenceMeasure.objects.filter(municipality_id=municipality_id)
    latest = found.aggregate(latest=Max("updated_at"))["latest"]
    return f"{found.count()}-{latest.isoformat() if latest else ''}"


def csv_rows(rows: list[MeasureRow]) -> list[list]:
    """Long-format CSV rows (section, key, label, metric, value) of the measures."""
    out = []
    for row in rows:
        m = row.measure
        values = [
            ("kind", m.kind),
            ("status", m.status),
            ("partner", m.partner.name if m.partner else ""),
            ("starts_on", m.starts_on.isoformat()),
            ("ends_on", m.ends_on.isoformat()),
            ("followup", row.words),
        ]
        f = row.followup
        if f is not None:
            values += [
                ("area_before", f.area_before),
                ("area_during", f.area_during),
                ("comparison_before", f.comparison_before),
                ("comparison_during", f.comparison_during),
                ("ratio", "" if f.ratio is None else round(f.ratio, 3)),
                ("ci_low", "" if f.ci_low is None else round(f.ci_low, 3)),
                ("ci_high", "" if f.ci_high is None else round(f.ci_high, 3)),
            ]
        out.extend(["presence_measures", m.pk, m.title, k, v] for k, v in values)
    return out
