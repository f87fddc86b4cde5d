"""Who may see residents' personal data, and the log of every showing of contact details.

Contact details (`PinContact`) and the authorship of walk findings (participants' names) are
shown only to users with `walks.view_contact_details` (the coordinator role). Each view that shows
contact details gets them through :func:`shown_contact`, which records one `ContactAccess` per
showing.
"""

from __future__ import annotations

from walks.models import ContactAccess, PinContact, ResidentPin

CONTACT_PERMISSION = "walks.view_contact_details"


def may_see_personal_data(user) -> bool:
    """Whether `user` may see residents' contact details and participants' names."""
    return bool(user and user.is_authenticated and user.has_perm(CONTACT_PERMISSION))


def shown_contact(user, pin: ResidentPin, channel: str) -> PinContact | None:
    """The pin's contact details for a user who may see them (logged), else None."""
    if not may_see_personal_data(user):
        return None
    contact = PinContact.objects.filter(pin=pin).first()
    if contact is not None:
        ContactAccess.objects.create(
            user=user, username=user.get_username(), pin=pin, channel=channel
        )
    return contact
