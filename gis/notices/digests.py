"""Digests for staff, as each municipality's `NoticeSettings` say.

* The daily digest goes to the coordinators: the reports that came in during the last day, and
  the open reports nobody has taken on yet ("unassigned": still received, or triaged without a
  fix linked), with links to the back office.
* The weekly digest goes to each department, on the configured weekday: its open fixes
  (planned or scheduled) and which of them are overdue. A scheduled fix is overdue after its
  date; a planned fix without a date when its status has not changed for `overdue_days`
  (30 by default) days.

Each digest is one message per address and day (daily) or ISO week (weekly): running the
command again the same day or week adds nothing (the outbox's event key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gis.core.models import Municipality
from gis.core.vocabulary import Department
from gis.fixes.models import Fix
from gis.notices.models import Message, NoticeSettings
from gis.notices.outbox import absolute, queue
from walks.models import ResidentPin

LIST_LIMIT = 50  # items listed in one digest; the counts cover all


@dataclass
class Planned:
    """One digest that is due: who gets it, and what it says."""

    municipality: Municipality
    kind: str
    recipient: str
    key: str
    subject: str
    body: str
    language: str = "sv"


def _admin_link(model: str, pk: int) -> str:
    with translation.override("sv"):
        return absolute(reverse(f"admin:{model}_change", args=[pk]))


def unassigned_pins(municipality: Municipality):
    """Open reports nobody has taken on: received, or triaged without a fix."""
    status_of = ResidentPin.Status
    return (
        ResidentPin.objects.filter(municipality=municipality)
        .annotate(fix_count=Count("fixes"))
        .filter(Q(status=status_of.RECEIVED) | Q(status=status_of.TRIAGED, fix_count=0))
        .select_related("category")
        .order_by("reported_at", "pk")
    )


def _pin_line(pin: ResidentPin) -> str:
    when = timezone.localtime(pin.reported_at)
    return f"- {when:%Y-%m-%d %H:%M} {pin.category.name} ({pin.get_status_display()}): " + (
        _admin_link("walks_residentpin", pin.pk)
    )


def _daily(config: NoticeSettings, now) -> list[Planned]:
    municipality = config.municipality
    since = now - timedelta(days=1)
    day = timezone.localdate(now)
    new = list(
        ResidentPin.objects.filter(municipality=municipality, reported_at__gte=since)
        .select_related("category")
        .order_by("reported_at", "pk")
    )
    unassigned = list(unassigned_pins(municipality))
    with translation.override(config.language):
        subject = _("Trygg %(municipality)s: %(new)d new reports, %(open)d unassigned") % {
            "municipality": municipality.name,
            "new": len(new),
            "open": len(unassigned),
        }
        lines = [
            _("New reports in the last 24 hours: %(count)d") % {"count": len(new)},
            *(_pin_line(pin) for pin in new[:LIST_LIMIT]),
            "",
            _("Open reports nobody has taken on: %(count)d") % {"count": len(unassigned)},
            *(_pin_line(pin) for pin in unassigned[:LIST_LIMIT]),
            "",
            _("Triage them on the map: %(link)s") % {"link": absolute(reverse("dashboard:map"))},
        ]
    body = "\n".join(lines)
    return [
        Planned(
            municipality,
            Message.Kind.DAILY,
            to,
            f"daily:{municipality.pk}:{day}:{to}",
            subject,
            body,
            config.language,
        )
        for to in config.coordinators()
    ]


def overdue(fix: Fix, today: date, overdue_days: int) -> bool:
    """A scheduled fix after its date; a planned one unchanged for `overdue_days` days."""
    if fix.scheduled_for is not None:
        return fix.scheduled_for < today
    changed = fix.status_changed_at
    return changed is not None and (today - timezone.localdate(changed)).days > overdue_days


def _fix_line(fix: Fix, late: bool) -> str:
    mark = _("OVERDUE") + " " if late else ""
    date_text = f" {fix.scheduled_for:%Y-%m-%d}" if fix.scheduled_for else ""
    return f"- {mark}{fix.get_fix_type_display()} ({fix.get_status_display()}{date_text}): " + (
        absolute(reverse("fixes:detail", args=[fix.pk]))
    )


def _weekly(config: NoticeSettings, now) -> list[Planned]:
    municipality = config.municipality
    today = timezone.localdate(now)
    year, week, _weekday = today.isocalendar()
    planned = []
    for department, addresses in config.departments().items():
        fixes = list(
            Fix.objects.filter(
                municipality=municipality,
                department=department,
                status__in=(Fix.Status.PLANNED, Fix.Status.SCHEDULED),
            ).order_by("scheduled_for", "rank", "pk")
        )
        late = [fix for fix in fixes if overdue(fix, today, config.overdue_days)]
        with translation.override(config.language):
            name = Department(department).label
            subject = _(
                "Trygg %(municipality)s, %(department)s: %(open)d open fixes, %(late)d overdue"
            ) % {
                "municipality": municipality.name,
                "department": name,
                "open": len(fixes),
                "late": len(late),
            }
            lines = [
                _("Open fixes (planned or scheduled): %(count)d") % {"count": len(fixes)},
                _("Overdue: %(count)d") % {"count": len(late)},
                "",
                *(
                    _fix_line(fix, fix in late)
                    for fix in (late + [f for f in fixes if f not in late])[:LIST_LIMIT]
                ),
                "",
                _("The work list: %(link)s") % {"link": absolute(reverse("fixes:list"))},
            ]
        body = "\n".join(lines)
        for to in addresses:
            key = f"weekly:{municipality.pk}:{year}-W{week:02d}:{department}:{to}"
            planned.append(
                Planned(municipality, Message.Kind.WEEKLY, to, key, subject, body, config.language)
            )
    return planned


def due_digests(kind: str, *, municipality: Municipality | None = None, now=None) -> list[Planned]:
    """The digests of `kind` ("daily" or "weekly") that are due now, not yet queued.

    The weekly digest is due on each municipality's configured weekday.
    """
    now = now or timezone.now()
    configs = NoticeSettings.objects.select_related("municipality").order_by("municipality__code")
    if municipality is not None:
        configs = configs.filter(municipality=municipality)
    planned: list[Planned] = []
    for config in configs:
        if kind == "daily" and config.daily_digest:
            planned += _daily(config, now)
        elif (
            kind == "weekly"
            and config.weekly_digest
            and timezone.localdate(now).weekday() == config.weekly_weekday
        ):
            planned += _weekly(config, now)
    existing = set(
        Message.objects.filter(dedupe_key__in=[p.key for p in planned]).values_list(
            "dedupe_key", flat=True
        )
    )
    return [p for p in planned if p.key not in existing]


def queue_digests(planned: list[Planned]) -> int:
    """Put the digests in the outbox; returns how many were queued."""
    queued = 0
    for digest in planned:
        message = queue(
            dedupe_key=digest.key,
            municipality=digest.municipality,
            kind=digest.kind,
            recipient=digest.recipient,
            language=digest.language,
            subject=digest.subject[:200],
            body=digest.body,
        )
        queued += message is not None
    return queued
