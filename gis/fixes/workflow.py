"""The status workflow of a fix, who may move it, and what it tells the residents.

``proposed -> planned -> scheduled -> done -> verified``; a fix can be rejected before it is
done, and a done, verified or rejected fix can be reopened (back to planned). Every change is
stored as a ``FixStatusChange`` with who made it, when and why. When a fix is done, the pins it
addresses (``Fix.pins``) move to ``fixed`` with the fix's answer text, each change recorded in
the pin's history through :func:`walks.triage.record_status_change`.

Access: coordinators and planners change every fix; the street and parks departments change
only the fixes of their own department; analysts and everybody else only look.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from gis.fixes.models import Fix, FixStatusChange
from walks.models import ResidentPin
from walks.triage import record_status_change

S = Fix.Status
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PROPOSED: (S.PLANNED, S.REJECTED),
    S.PLANNED: (S.SCHEDULED, S.DONE, S.REJECTED),
    S.SCHEDULED: (S.DONE, S.PLANNED, S.REJECTED),
    S.DONE: (S.VERIFIED, S.PLANNED),
    S.VERIFIED: (S.PLANNED,),
    S.REJECTED: (S.PLANNED,),
}
# Roles that change every fix, and the department of each department role.
ALL_DEPARTMENT_ROLES = ("coordinator", "planner")
DEPARTMENT_ROLES = {"street_department": "street", "parks_department": "parks"}
# Pins closed on purpose by a coordinator keep their status when a fix is done.
UNTOUCHED_PIN_STATUSES = (
    ResidentPin.Status.CLOSED_DUPLICATE,
    ResidentPin.Status.CLOSED_NOT_OURS,
    ResidentPin.Status.CLOSED_NO_ACTION,
)


class WorkflowError(ValueError):
    """A status change the workflow refuses. `field` names the argument of
    :func:`change_status` at fault (``to_status``, ``note``, ``scheduled_for``, ``answer`` or
    ``when``), so that a form or an API can put `message` on its own field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def can_view(user) -> bool:
    """Staff who may see the work lists (every role with the fix view permission)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("fixes.view_fix"))


def departments_of(user) -> frozenset[str] | None:
    """Departments whose fixes ``user`` may change; ``None`` means every department."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("fixes.change_fix"):
        return frozenset()
    if user.is_superuser:
        return None
    groups = set(user.groups.values_list("name", flat=True))
    if groups & set(ALL_DEPARTMENT_ROLES):
        return None
    # Without a role that names departments, nothing: the permission alone is not a role.
    return frozenset(DEPARTMENT_ROLES[g] for g in groups if g in DEPARTMENT_ROLES)


def can_change(user, fix: Fix) -> bool:
    """Whether ``user`` may move ``fix`` through the workflow."""
    departments = departments_of(user)
    return departments is None or fix.department in departments


def next_statuses(fix: Fix) -> tuple[str, ...]:
    """The statuses ``fix`` may move to from its current status."""
    return TRANSITIONS.get(fix.status, ())


def change_status(
    fix: Fix,
    to_status: str,
    *,
    user=None,
    note: str = "",
    scheduled_for: dt.date | None = None,
    answer: str = "",
    when: dt.datetime | None = None,
) -> FixStatusChange:
    """Move a fix to ``to_status`` and record it (see the module docstring).

    Parameters
    ----------
    fix : Fix
        The fix; saved by this function.
    to_status : str
        One of ``next_statuses(fix)``.
    user : User, optional
        Who makes the change (stored in the history); access is checked by the caller
        (:func:`can_change`).
    note : str
        Why; required when rejecting.
    scheduled_for : date, optional
        Required when scheduling: the day the work is planned for.
    answer : str
        The answer to residents; required when marking done a fix that addresses pins.
    when : datetime, optional
        Tz-aware time the work was done or verified; now when omitted (not in the future).

    Returns
    -------
    FixStatusChange
        The stored history entry.

    Raises
    ------
    WorkflowError
        Naming the argument at fault, when the change is not allowed or incomplete.
    """
    if to_status not in next_statuses(fix):
        allowed = ", ".join(next_statuses(fix)) or "none"
        raise WorkflowError(
            "to_status",
            f"to_status must be one of [{allowed}] from {fix.status}, got '{to_status}'",
        )
    now = timezone.now()
    if when is not None and (timezone.is_naive(when) or when > now):
        raise WorkflowError(
            "when", f"when must be a timezone-aware time not in the future, got {when}"
        )
    when = when or now
    note, answer = note.strip(), answer.strip()
    if to_status == S.SCHEDULED and scheduled_for is None:
        raise WorkflowError("scheduled_for", "scheduled_for must be given when scheduling a fix")
    if to_status == S.REJECTED and not note:
        raise WorkflowError("note", "note must say why the fix is rejected")
    if to_status == S.DONE and not (answer or fix.answer) and fix.pins.exists():
        raise WorkflowError(
            "answer", "answer must be given: the residents who reported the place are told"
        )
    original = fix
    with transaction.atomic():
        fix = Fix.objects.select_for_update().get(pk=fix.pk)
        if to_status not in next_statuses(fix):
            raise WorkflowError(
                "to_status", f"to_status '{to_status}' is no longer allowed from {fix.status}"
            )
        previous = fix.status
        fix.status = to_status
        fix.status_changed_at = now
        fix.status_changed_by = user if getattr(user, "is_authenticated", False) else None
        if to_status == S.SCHEDULED:
            fix.scheduled_for = scheduled_for
        elif to_status == S.DONE:
            fix.done_at = when
            fix.answer = answer or fix.answer
        elif to_status == S.VERIFIED:
            fix.verified_at = when
        elif to_status == S.PLANNED and previous in (S.DONE, S.VERIFIED):
            fix.done_at = fix.verified_at = None
        fix.save()
        change = FixStatusChange.objects.create(
            fix=fix,
            from_status=previous,
            to_status=to_status,
            changed_by=fix.status_changed_by,
            note=note,
        )
        if to_status == S.DONE:
            _answer_pins(fix, user)
    original.refresh_from_db()
    return change


def _answer_pins(fix: Fix, user) -> int:
    """Move the open pins of a done fix to fixed with its answer; returns how many moved."""
    moved = 0
    pins = fix.pins.select_for_update().exclude(status__in=UNTOUCHED_PIN_STATUSES)
    for pin in pins:
        if pin.status == ResidentPin.Status.FIXED and pin.public_answer == fix.answer:
            continue
        previous = pin.status
        pin.status = ResidentPin.Status.FIXED
        pin.public_answer = fix.answer
        pin.save(update_fields=["status", "public_answer", "updated_at"])
        record_status_change(
            pin, previous, user, note=f"fix {fix.pk}: {fix.get_fix_type_display()}"
        )
        moved += 1
    return moved
