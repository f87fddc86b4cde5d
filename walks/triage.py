"""Triage of resident pins: status changes are recorded with who made them and when."""

from __future__ import annotations

from walks.models import PinStatusChange, ResidentPin


def record_status_change(pin: ResidentPin, previous: str, user, note: str = "") -> PinStatusChange:
    """Store one step of a pin's history (the pin itself is already saved)."""
    return PinStatusChange.objects.create(
        pin=pin,
        from_status=previous,
        to_status=pin.status,
        changed_by=user if getattr(user, "is_authenticated", False) else None,
        note=note,
    )
