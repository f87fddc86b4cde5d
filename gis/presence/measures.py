"""Presence measures through the same loop as fixes: who sees and moves them, their status
workflow, and their follow-up against a comparison area.

``recorded -> planned -> done``, or ``cancelled`` before it is done; a done or cancelled
measure can be reopened (back to planned, or recorded). ``done_at`` is set when a measure is
done and cleared when it is reopened.

Access: every role with ``presence.view_presencemeasure`` reads the measures of the
municipalities it works for; coordinators (``presence.change_presencemeasure``) create, edit and
move them; a member of the responsible partner (:mod:`gis.core.partners`) may mark its own
partner's planned measure done, and nothing else.

The follow-up (:func:`followup`) is :func:`gis.priority.presence_followup.presence_followup` on
the reports of :mod:`gis.frames`: the measure's period (local days ``starts_on`` to
``ends_on``, cut at now) against the same length before, in its area and in the ring
``RING_M`` metres beyond it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from gis import frames
from gis.core.lazy import lazy_module
from gis.core.partners import partners_of
from gis.presence.models import PresenceMeasure
from gis.priority.presence_followup import MIN_COUNT, RING_M, MeasureFollowUp, presence_followup

shapely = lazy_module("shapely")

S = PresenceMeasure.Status
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.RECORDED: (S.PLANNED, S.DONE, S.CANCELLED),
    S.PLANNED: (S.DONE, S.CANCELLED, S.RECORDED),
    S.DONE: (S.PLANNED,),
    S.CANCELLED: (S.RECORDED,),
}
#: Measures done within this many days before a situation picture's end are shown in it.
RECENT_DAYS = 90


class WorkflowError(ValueError):
    """A status change refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def can_view(user) -> bool:
    """Staff who read the measures (the presence view permission)."""
    return bool(
        getattr(user, "is_authenticated", False) and user.has_perm("presence.view_presencemeasure")
    )


def can_edit(user) -> bool:
    """Coordinators: create, edit and move every measure of their municipalities."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.has_perm("presence.change_presencemeasure")
    )


def can_create(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.has_perm("presence.add_presencemeasure")
    )


def is_responsible(user, measure: PresenceMeasure) -> bool:
    """Whether ``user`` is a member of the measure's responsible partner."""
    if measure.partner_id is None or not getattr(user, "is_authenticated", False):
        return False
    return partners_of(user).filter(pk=measure.partner_id).exists()


def next_statuses(measure: PresenceMeasure, user=None) -> tuple[str, ...]:
    """The statuses ``user`` may move ``measure`` to (all allowed ones without a user)."""
    allowed = TRANSITIONS.get(measure.status, ())
    if user is None or can_edit(user):
        return allowed
    if S.DONE in allowed and measure.status == S.PLANNED and is_responsible(user, measure):
        return (S.DONE,)
    return ()


def change_status(
    measure: PresenceMeasure, to_status: str, *, user=None, when: dt.datetime | None = None
) -> PresenceMeasure:
    """Move ``measure`` to ``to_status`` (access checked here, with ``user``).

    Raises
    ------
    WorkflowError
        ``to_status`` not allowed from the current status, or ``when`` naive or in the future.
    PermissionError
        ``user`` may not make this change.
    """
    allowed = TRANSITIONS.get(measure.status, ())
    if to_status not in allowed:
        shown = ", ".join(allowed) or "none"
        raise WorkflowError(
            "to_status",
            f"to_status must be one of [{shown}] from {measure.status}, got {to_status!r}",
        )
    if user is not None and to_status not in next_statuses(measure, user):
        raise PermissionError(f"{user} may not move measure {measure.pk} to {to_status}")
    now = timezone.now()
    if when is not None and (timezone.is_naive(when) or when > now):
        raise WorkflowError("when", f"when must be a timezone-aware time not in the future: {when}")
    with transaction.atomic():
        locked = PresenceMeasure.objects.select_for_update().get(pk=measure.pk)
        if locked.status != measure.status:
            raise WorkflowError("to_status", f"the measure is now {locked.status}; reload")
        locked.status = to_status
        locked.done_at = (when or now) if to_status == S.DONE else None
        locked.save(update_fields=["status", "done_at", "updated_at"])
    measure.refresh_from_db()
    return measure


# --- follow-up ---------------------------------------------------------------------------------


def period(measure: PresenceMeasure) -> tuple[dt.datetime, dt.datetime]:
    """The measure's period as aware instants: ``starts_on`` 00:00 to the day after ``ends_on``
    00:00, on the installation's local clock."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(measure.starts_on, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(measure.ends_on + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start, end


def followup(
    measure: PresenceMeasure,
    *,
    as_of: dt.datetime | None = None,
    ring_m: float = RING_M,
    min_count: int = MIN_COUNT,
) -> MeasureFollowUp | None:
    """Before/during figures of the measure against its comparison ring; ``None`` before its
    period begins or when it was cancelled."""
    as_of = timezone.now() if as_of is None else as_of
    start, end = period(measure)
    if measure.status == S.CANCELLED or as_of <= start:
        return None
    cut = min(end, as_of)
    since = start - (cut - start)
    municipality = measure.municipality
    place = shapely.from_wkb(bytes(measure.geom.wkb))
    reach = shapely.buffer(place, float(measure.radius_m) + ring_m + 1.0)
    layers = {
        "pins": frames.pins(municipality, since=since, until=cut),
        "findings": frames.findings(municipality, since=since, until=cut),
        "incidents": frames.incidents(municipality, since=since, until=cut),
    }
    # Only reports within reach of the two areas count; the rest change nothing.
    layers = {k: v[shapely.intersects(v.geometry.values, reach)] for k, v in layers.items()}
    return presence_followup(
        place,
        start,
        end,
        **layers,
        radius_m=measure.radius_m,
        ring_m=ring_m,
        as_of=cut,
        min_count=min_count,
    )


def _percent(change: float | None) -> str:
    if change is None:
        return "–"
    value = formats.number_format(round(change * 100), 0)
    return ("+" if change > 0 else "−" if change < 0 else "±") + value.lstrip("-") + " %"


def _number(value: float) -> str:
    return formats.number_format(value, 2)


def in_words(result: MeasureFollowUp | None) -> str:
    """The follow-up in a sentence: "−35 % reports against +5 % in the comparison area, 0.62×
    (0.40–0.95)", or "too little data", or "not begun yet"."""
    if result is None:
        return _("no follow-up yet")
    if result.too_little_data:
        return _("too little data (fewer than %(n)s reports in one of the four counts)") % {
            "n": result.min_count
        }
    return _(
        "%(area)s reports against %(comparison)s in the comparison area, "
        "%(ratio)s× (%(low)s–%(high)s)"
    ) % {
        "area": _percent(result.area_change),
        "comparison": _percent(result.comparison_change),
        "ratio": _number(result.ratio),
        "low": _number(result.ci_low),
        "high": _number(result.ci_high),
    }


def verdict(result: MeasureFollowUp | None) -> str:
    """fewer / more / unclear / too_little / none: what the interval says."""
    if result is None:
        return "none"
    if result.too_little_data:
        return "too_little"
    if result.ci_high < 1:
        return "fewer"
    if result.ci_low > 1:
        return "more"
    return "unclear"
