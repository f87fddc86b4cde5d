"""The status workflow: allowed steps, dates and who, and the answer to the residents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gis.fixes import workflow
from gis.fixes.models import Fix
from layers.models import GreenArea, StreetSegment
from tests.fixes.conftest import make_user
from walks.models import PinStatusChange, ResidentPin

S = Fix.Status


def _fix(demo, department="street", pins=()) -> Fix:
    segment = StreetSegment.objects.filter(municipality=demo).order_by("pk").first()
    fix = Fix.objects.create(
        municipality=demo,
        fix_type=Fix.Type.REPAIR_LAMPS if department == "street" else Fix.Type.CLEAR_VEGETATION,
        department=department,
        cost_class=1,
        score=1.0,
        rank=1,
        segment=segment,
        geom=segment.geom,
    )
    fix.pins.set(pins)
    return fix


def _pins(demo, n=3):
    return list(ResidentPin.objects.filter(municipality=demo, status="received").order_by("pk")[:n])


def test_full_path_records_dates_and_who(demo):
    street = make_user("street_department")
    fix = _fix(demo)
    day = timezone.localdate() + dt.timedelta(days=7)
    workflow.change_status(fix, S.PLANNED, user=street)
    workflow.change_status(fix, S.SCHEDULED, user=street, scheduled_for=day)
    assert fix.status == S.SCHEDULED and fix.scheduled_for == day
    workflow.change_status(fix, S.DONE, user=street, answer="Klart.")
    assert fix.done_at is not None and fix.status_changed_by == street
    workflow.change_status(fix, S.VERIFIED, user=street, note="checked at night")
    assert fix.verified_at is not None and fix.verified_at >= fix.done_at
    history = list(fix.history.values_list("from_status", "to_status", "changed_by", "note"))
    assert history == [
        ("proposed", "planned", street.pk, ""),
        ("planned", "scheduled", street.pk, ""),
        ("scheduled", "done", street.pk, ""),
        ("done", "verified", street.pk, "checked at night"),
    ]


def test_done_moves_open_pins_to_fixed_with_the_answer(demo):
    pins = _pins(demo)
    closed = ResidentPin.objects.filter(municipality=demo).exclude(pk__in=[p.pk for p in pins])
    closed = closed.order_by("pk").first()
    closed.status = ResidentPin.Status.CLOSED_DUPLICATE
    closed.save()
    planner = make_user("planner")
    fix = _fix(demo, pins=[*pins, closed])
    workflow.change_status(fix, S.PLANNED, user=planner)
    answer = "Lamporna är lagade. Tack för att du rapporterade!"
    workflow.change_status(fix, S.DONE, user=planner, answer=answer)
    for pin in pins:
        pin.refresh_from_db()
        assert (pin.status, pin.public_answer) == ("fixed", answer)
        step = PinStatusChange.objects.filter(pin=pin).latest("changed_at")
        assert (step.from_status, step.to_status, step.changed_by) == ("received", "fixed", planner)
    closed.refresh_from_db()
    assert closed.status == ResidentPin.Status.CLOSED_DUPLICATE
    assert fix.answer == answer


@pytest.mark.parametrize(
    ("steps", "to_status", "kwargs", "message"),
    [
        ((), S.DONE, {}, "to_status must be one of [planned, rejected]"),
        ((S.PLANNED,), S.SCHEDULED, {}, "scheduled_for must be given"),
        ((), S.REJECTED, {"note": "  "}, "note must say why"),
        ((S.PLANNED,), S.DONE, {}, "answer must be given"),
        ((), S.PLANNED, {"when": timezone.now() + dt.timedelta(days=2)}, "when must be"),
    ],
)
def test_bad_steps_raise_a_message_naming_the_field(demo, steps, to_status, kwargs, message):
    fix = _fix(demo, pins=_pins(demo, 1))
    for step in steps:
        workflow.change_status(fix, step)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        workflow.change_status(fix, to_status, **kwargs)
    assert fix.history.count() == len(steps)


def test_reject_and_reopen(demo):
    fix = _fix(demo)
    workflow.change_status(fix, S.REJECTED, note="not our land")
    assert workflow.next_statuses(fix) == (S.PLANNED,)
    workflow.change_status(fix, S.PLANNED, note="it is our land after all")
    assert fix.status == S.PLANNED and fix.done_at is None


def test_who_may_change_which_fix(demo):
    street_fix, parks_fix = _fix(demo), _fix(demo, "parks")
    area = GreenArea.objects.filter(municipality=demo).first()
    parks_fix.segment, parks_fix.green_area = None, area
    parks_fix.save()
    rules = {
        "coordinator": (True, True),
        "planner": (True, True),
        "street_department": (True, False),
        "parks_department": (False, True),
        "analyst": (False, False),
        "walk_leader": (False, False),
    }
    for role, expected in rules.items():
        user = make_user(role)
        got = (workflow.can_change(user, street_fix), workflow.can_change(user, parks_fix))
        assert got == expected, role
        assert workflow.can_view(user) == (role != "walk_leader"), role
    from django.contrib.auth.models import AnonymousUser

    assert not workflow.can_view(AnonymousUser())
    assert not workflow.can_change(AnonymousUser(), street_fix)
