"""Retention: `trygg purge_personal_data` on data straddling the limit removes the personal data
of older records, leaves newer records untouched and the statistics identical, reports the
same with `--dry-run` without changing anything, is a no-op the second time, and answers bad
input with one line and a non-zero exit status."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from rest_framework.test import APIClient

from gis import frames
from tests.trust._personal import fresh_media_and_limits, report_pin, staff_user  # noqa: F401
from tests.walks.conftest import jpeg_bytes, make_walk, upload
from walks.models import (
    Category,
    ContactAccess,
    FindingPhoto,
    PinContact,
    PinPhoto,
    PinStatusChange,
    ResidentPin,
    WalkAudit,
    WalkFinding,
    WalkParticipant,
)
from walks.retention import anonymous_token
from walks.triage import record_status_change
from walks.views.common import attach_photo, read_photo

ROOT = Path(__file__).resolve().parents[2]
DAYS, LOG_DAYS = 365, 730
pytestmark = pytest.mark.usefixtures("fresh_media_and_limits")


def pin_with_everything(demo, reported_at, marker: str) -> ResidentPin:
    """A pin with contact details, a photo, an answer and a noted status change."""
    pin = report_pin(
        APIClient(),
        demo,
        photo=True,
        description=f"{marker}: min granne står här",
        contact_name=f"Person {marker}",
        contact_email=f"{marker}@example.org",
    )
    pin.status, pin.public_answer = "triaged", f"Tack {marker}"
    pin.save()
    record_status_change(pin, "received", staff_user("coordinator"), note=f"Ringde {marker}")
    ResidentPin.objects.filter(pk=pin.pk).update(reported_at=reported_at)
    PinPhoto.objects.filter(pin=pin).update(uploaded_at=reported_at)
    return pin


def walk_with_everything(demo, starts_at, marker: str):
    """A walk with a named participant, whose finding (with a photo) and audit carry notes."""
    walk = make_walk(demo, starts_at=starts_at)
    participant = WalkParticipant.objects.create(
        walk=walk, role="resident", display_name=f"Deltagare {marker}"
    )
    point = walk.route.interpolate_normalized(0.5)
    finding = WalkFinding.objects.create(
        municipality=demo,
        walk=walk,
        participant=participant,
        author_role="resident",
        category=Category.objects.get(code="lighting"),
        severity=4,
        when="evening",
        note=f"{marker} bor i huset",
        geom=point,
        observed_at=starts_at,
    )
    photo = FindingPhoto(finding=finding)
    attach_photo(photo, read_photo(upload("f.jpg", jpeg_bytes())))
    FindingPhoto.objects.filter(pk=photo.pk).update(uploaded_at=starts_at)
    ratings = dict.fromkeys(WalkAudit.PARAMETERS, 2)
    audit = WalkAudit.objects.create(
        municipality=demo,
        walk=walk,
        participant=participant,
        geom=point,
        observed_at=starts_at,
        note=f"{marker} sa hej",
        **ratings,
    )
    return participant, finding, audit


def personal_state() -> dict:
    """Every value the purge may change, by table."""
    return {
        "contacts": sorted(PinContact.objects.values_list("pin_id", "name", "email", "phone")),
        "pin_photos": sorted(PinPhoto.objects.values_list("pk", "image", "uploaded_at")),
        "finding_photos": sorted(FindingPhoto.objects.values_list("pk", "image", "uploaded_at")),
        "participants": sorted(
            WalkParticipant.objects.values_list("pk", "display_name", "device_token")
        ),
        "pins": sorted(ResidentPin.objects.values_list("pk", "description", "public_answer")),
        "status_notes": sorted(PinStatusChange.objects.values_list("pk", "note")),
        "finding_notes": sorted(WalkFinding.objects.values_list("pk", "note")),
        "audit_notes": sorted(WalkAudit.objects.values_list("pk", "note")),
        "access_log": sorted(ContactAccess.objects.values_list("pk", flat=True)),
    }


def statistics(demo) -> dict:
    """Counts by category, district, month, time of day, status (local months), and the
    hotspot analysis inputs (`gis.frames`: category, time, geometry)."""

    def grouped(queryset, time_field, *fields, **sums):
        rows = (
            queryset.filter(municipality=demo)
            .annotate(month=TruncMonth(time_field))
            .values("month", *fields)
            .annotate(n=Count("id"), **sums)
        )
        return sorted(rows, key=repr)

    parameters = {name: Sum(name) for name in WalkAudit.PARAMETERS}
    pins = frames.pins(demo).sort_values("id", ignore_index=True)
    findings = frames.findings(demo).sort_values("id", ignore_index=True)
    return {
        "pins": grouped(
            ResidentPin.objects, "reported_at", "category__code", "district", "when", "status"
        ),
        "votes": sorted(ResidentPin.objects.values_list("pk", "vote_count")),
        "findings": grouped(
            WalkFinding.objects, "observed_at", "category__code", "severity", "author_role"
        ),
        "audits": grouped(WalkAudit.objects, "observed_at", "walk", **parameters),
        "participants": sorted(
            WalkParticipant.objects.values("walk", "role").annotate(n=Count("id")), key=repr
        ),
        "history": sorted(
            PinStatusChange.objects.values_list("pin", "from_status", "to_status", "changed_at")
        ),
        "hotspot_pins": pd.DataFrame(pins.drop(columns="geometry")).to_dict("list"),
        "hotspot_pin_geometry": list(pins.geometry.to_wkb()),
        "hotspot_findings": pd.DataFrame(findings.drop(columns="geometry")).to_dict("list"),
        "hotspot_finding_geometry": list(findings.geometry.to_wkb()),
    }


def purge(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_personal_data", *args, stdout=out)
    return out.getvalue().strip()


def counts_of(output: str) -> dict[str, int]:
    """The counts of the command's line ("... deleted 2 contacts, ...") by kind."""
    return {name: int(n) for n, name in re.findall(r"(\d+) ([a-z ]+?)(?=[,.])", output)}


def test_purge_straddling_the_limit(demo):
    now = timezone.now()
    hour = timedelta(hours=1)
    limit = now - timedelta(days=DAYS)
    old = [
        pin_with_everything(demo, limit - hour, "gammal"),
        pin_with_everything(demo, limit - 300 * hour, "aldre"),
    ]
    new = [pin_with_everything(demo, limit + hour, "ny"), pin_with_everything(demo, now, "farsk")]
    old_walk = walk_with_everything(demo, limit - hour, "gammal")
    new_walk = walk_with_everything(demo, limit + hour, "ny")
    user = staff_user("coordinator")
    old_entry = ContactAccess.objects.create(
        user=user,
        username=user.username,
        pin=new[0],
        channel="dashboard",
        accessed_at=now - timedelta(days=LOG_DAYS) - hour,
    )
    new_entry = ContactAccess.objects.create(
        user=user,
        username=user.username,
        pin=new[0],
        channel="dashboard",
        accessed_at=now - timedelta(days=LOG_DAYS) + hour,
    )
    old_files = [
        Path(field.path)
        for photo in [
            *PinPhoto.objects.filter(pin__in=old),
            *FindingPhoto.objects.filter(finding=old_walk[1]),
        ]
        for field in (photo.image, photo.thumbnail)
    ]
    assert old_files and all(path.exists() for path in old_files)

    before = personal_state()
    stats_before = statistics(demo)
    dry = purge("--days", str(DAYS), "--access-log-days", str(LOG_DAYS), "--dry-run")
    assert personal_state() == before, "a dry run changed something"
    done = purge("--days", str(DAYS), "--access-log-days", str(LOG_DAYS))
    assert dry.replace("would delete", "deleted") == done
    counts = counts_of(done)
    assert {
        name: counts[name]
        for name in ("contacts", "pin photos", "finding photos", "participant names", "entries")
    } == {"contacts": 2, "pin photos": 2, "finding photos": 1, "participant names": 1, "entries": 1}
    assert counts["pin texts"] >= 2 and counts["status notes"] >= 2  # the demo's old pins too
    assert counts["finding notes"] >= 1 and counts["audit notes"] >= 1
    assert counts["device tokens"] >= 1

    # The personal data of older records is gone ...
    after = personal_state()
    assert not PinContact.objects.filter(pin__in=old).exists()
    assert not PinPhoto.objects.filter(pin__in=old).exists()
    assert not any(path.exists() for path in old_files)
    for pin in ResidentPin.objects.filter(pk__in=[p.pk for p in old]):
        assert (pin.description, pin.public_answer) == ("", "")
    assert not PinStatusChange.objects.filter(pin__in=old).exclude(note="").exists()
    assert not ResidentPin.objects.filter(reported_at__lt=limit).exclude(description="").exists()
    participant, finding, audit = (type(o).objects.get(pk=o.pk) for o in old_walk)
    assert (participant.display_name, participant.device_token) == (
        "",
        anonymous_token(participant.pk),
    )
    assert (finding.note, audit.note, finding.photos.exists()) == ("", "", False)
    assert not ContactAccess.objects.filter(pk=old_entry.pk).exists()

    # ... newer records are untouched ...
    def of(state, table, ids):
        return [row for row in state[table] if row[0] in ids]

    new_pins = {p.pk for p in new}
    for table in ("contacts", "pins"):
        assert of(after, table, new_pins) == of(before, table, new_pins)
    new_photos = set(PinPhoto.objects.filter(pin__in=new).values_list("pk", flat=True))
    assert len(new_photos) == 2 and of(after, "pin_photos", new_photos) == of(
        before, "pin_photos", new_photos
    )
    new_notes = set(PinStatusChange.objects.filter(pin__in=new).values_list("pk", flat=True))
    assert len(new_notes) == 2
    assert of(after, "status_notes", new_notes) == of(before, "status_notes", new_notes)
    for table, record in zip(
        ("participants", "finding_notes", "audit_notes"), new_walk, strict=True
    ):
        assert of(after, table, {record.pk}) == of(before, table, {record.pk})
    assert new_walk[1].photos.count() == 1
    assert ContactAccess.objects.filter(pk=new_entry.pk).exists()

    # ... the statistics are identical, and a second run changes nothing.
    assert statistics(demo) == stats_before
    again = purge("--days", str(DAYS), "--access-log-days", str(LOG_DAYS))
    assert set(counts_of(again).values()) == {0}
    assert personal_state() == after


def test_the_settings_are_the_default_limits(demo, settings):
    pin = pin_with_everything(demo, timezone.now() - timedelta(days=40), "fyrtio")
    entry = ContactAccess.objects.create(
        username="someone",
        pin=pin,
        channel="admin",
        accessed_at=timezone.now() - timedelta(days=40),
    )
    settings.TRYGG_PERSONAL_DATA_RETENTION_DAYS = 60
    settings.TRYGG_CONTACT_ACCESS_RETENTION_DAYS = 60
    assert purge().startswith("Older than 60 days:")
    assert (
        PinContact.objects.filter(pin=pin).exists()
        and ContactAccess.objects.filter(pk=entry.pk).exists()
    )
    settings.TRYGG_PERSONAL_DATA_RETENTION_DAYS = 30
    purge()
    assert (
        not PinContact.objects.filter(pin=pin).exists()
        and ContactAccess.objects.filter(pk=entry.pk).exists()
    )
    settings.TRYGG_CONTACT_ACCESS_RETENTION_DAYS = 30
    purge()
    assert not ContactAccess.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "-1"], "--days must be >= 0 (a whole number of days), got '-1'"),
        (
            ["--access-log-days", "two"],
            "--access-log-days must be >= 0 (a whole number of days), got 'two'",
        ),
    ],
)
def test_bad_values_are_refused_before_anything_changes(demo, args, message):
    before = personal_state()
    with pytest.raises(CommandError, match=re.escape(message)):
        purge(*args)
    assert personal_state() == before


def run_cli(test_database_name: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    from django.conf import settings

    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gis.settings.test",
        "TRYGG_DB_NAME": test_database_name,
        "TRYGG_DEFAULT_SRID": str(settings.TRYGG_SRID),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "gis.cli", "purge_personal_data", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "env", "line"),
    [
        (
            ["--days", "soon"],
            {},
            "CommandError: --days must be >= 0 (a whole number of days), got 'soon'",
        ),
        (
            [],
            {"TRYGG_PERSONAL_DATA_RETENTION_DAYS": "a year"},
            "CommandError: TRYGG_PERSONAL_DATA_RETENTION_DAYS must be >= 0 "
            "(a whole number of days)",
        ),
        (["--dayz", "3"], {}, "trygg purge_personal_data: error: unrecognized arguments: --dayz 3"),
    ],
)
def test_cli_bad_input_is_one_line_and_a_failure(test_database_name, args, env, line):
    result = run_cli(test_database_name, *args, **env)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [line]
    assert result.stdout == ""
