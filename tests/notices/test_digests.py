"""Staff digests: the coordinators' daily digest of new and unassigned reports, each
department's weekly digest of its open and overdue fixes; once per day or week."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from gis.fixes.models import Fix
from gis.notices.digests import overdue
from gis.notices.models import Message, NoticeSettings
from tests.dashboard.conftest import add_fixes
from walks.models import ResidentPin

from .conftest import make_pin

pytestmark = pytest.mark.django_db


def _settings(demo, **fields) -> NoticeSettings:
    config, _created = NoticeSettings.objects.update_or_create(
        municipality=demo,
        defaults={
            "coordinator_emails": "Samordnare@Example.org\n\nbiträdande@example.org",
            "department_emails": "street: gata@example.org\nparks: park@example.org\nx: y",
            "weekly_weekday": timezone.localdate().weekday(),
            **fields,
        },
    )
    return config


def _digest(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("notices", "digest", *args, stdout=out)
    return out.getvalue()


def test_the_daily_digest_counts_new_and_unassigned_reports_once_a_day(demo):
    _settings(demo)
    new = make_pin(demo)
    new_count = ResidentPin.objects.filter(
        municipality=demo, reported_at__gte=timezone.now() - timedelta(days=1)
    ).count()
    assert _digest("--daily", "--municipality", demo.code, "--dry-run").endswith(
        "2 daily digests would be queued (dry run)\n"
    )
    assert not Message.objects.filter(kind="daily").exists()

    _digest("--daily", "--municipality", demo.code)
    digests = Message.objects.filter(kind="daily").order_by("recipient")
    assert [m.recipient for m in digests] == ["biträdande@example.org", "samordnare@example.org"]
    body = digests[0].body
    assert f"Nya rapporter senaste dygnet: {new_count}" in body
    assert f"/admin/walks/residentpin/{new.pk}/change/" in body
    assert len(mail.outbox) == 2

    _digest("--daily", "--municipality", demo.code)  # the same day: nothing more
    assert Message.objects.filter(kind="daily").count() == 2


def test_the_daily_digest_can_be_off(demo):
    _settings(demo, daily_digest=False)
    _digest("--daily")
    assert not Message.objects.filter(kind="daily").exists()


def test_the_weekly_digest_lists_each_departments_open_and_overdue_fixes(demo):
    _settings(demo)
    fixes = add_fixes(demo, "digest")
    street = [f for f in fixes if f.department == "street"]
    late, on_time = street[0], street[1]
    today = timezone.localdate()
    Fix.objects.filter(pk=late.pk).update(status="scheduled", scheduled_for=today - timedelta(1))
    Fix.objects.filter(pk=on_time.pk).update(status="planned", status_changed_at=timezone.now())
    _digest("--weekly")
    street_digest = Message.objects.get(kind="weekly", recipient="gata@example.org")
    assert "1 försenade" in street_digest.subject
    assert "FÖRSENAD " in street_digest.body and f"/fixes/{late.pk}/" in street_digest.body
    assert f"/fixes/{on_time.pk}/" in street_digest.body
    assert Message.objects.filter(kind="weekly", recipient="park@example.org").exists()
    assert Message.objects.filter(kind="weekly").count() == 2  # the line "x: y" is no address
    _digest("--weekly")
    assert Message.objects.filter(kind="weekly").count() == 2


def test_the_weekly_digest_waits_for_its_weekday(demo):
    _settings(demo, weekly_weekday=(timezone.localdate().weekday() + 1) % 7)
    _digest("--weekly")
    assert not Message.objects.filter(kind="weekly").exists()


def test_overdue_is_after_the_date_or_after_days_unchanged(demo):
    today = timezone.localdate()
    fix = Fix(scheduled_for=today - timedelta(days=1))
    assert overdue(fix, today, 30)
    fix = Fix(status_changed_at=timezone.now() - timedelta(days=31))
    assert overdue(fix, today, 30) and not overdue(fix, today, 40)


def test_a_bad_municipality_is_one_line(demo):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as error:
        call_command("notices", "digest", "--daily", "--municipality", "no-such-place")
    assert "\n" not in str(error.value)
