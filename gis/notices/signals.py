"""The hooks of notices into walks: Django signals, connected in NoticesConfig.ready().

walks never imports notices (the import contract forbids it); notices listens instead:

* a resident's contact details saved with an e-mail address (the report page, `POST /api/pins/`,
  Open311's `email`: all create `PinContact`) subscribe the reporter in the active language
  of the request and send the confirmation;
* a saved `ResidentPin` whose status or public answer differs from the stored one (triage in
  the dashboard, the back office, a fix marked done in gis.fixes.workflow: every path saves the
  pin) queues one message per subscribed address. Bulk updates (`QuerySet.update`: the
  retention purge, vote counts) send nothing;
* contact details deleted (the retention purge, an erasure) end the reporter's subscription
  with them: its address and its messages are deleted too.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import translation

from walks.models import PinContact, ResidentPin

WATCHED = ("status", "public_answer")


def remember_previous(sender, instance: ResidentPin, update_fields=None, **kwargs) -> None:
    """Keep the stored status and answer on the instance, to compare after the save."""
    instance._notices_previous = None
    if instance.pk is None or kwargs.get("raw"):
        return
    if update_fields is not None and not set(WATCHED) & set(update_fields):
        return
    instance._notices_previous = (
        ResidentPin.objects.filter(pk=instance.pk).values_list(*WATCHED).first()
    )


def pin_saved(sender, instance: ResidentPin, created: bool, **kwargs) -> None:
    from gis.notices.residents import notify_change

    previous = getattr(instance, "_notices_previous", None)
    instance._notices_previous = None
    if created or previous is None or kwargs.get("raw"):
        return
    if previous != tuple(getattr(instance, name) for name in WATCHED):
        notify_change(instance)


def contact_saved(sender, instance: PinContact, created: bool, **kwargs) -> None:
    from gis.notices.models import Subscription
    from gis.notices.residents import subscribe

    if not created or kwargs.get("raw") or not instance.email:
        return
    subscribe(instance.pin, instance.email, Subscription.Role.REPORTER, translation.get_language())


def contact_deleted(sender, instance: PinContact, **kwargs) -> None:
    from gis.notices.models import Message, Subscription, normalise_email

    ended = Subscription.objects.filter(
        pin_id=instance.pin_id,
        role=Subscription.Role.REPORTER,
        email=normalise_email(instance.email),
    )
    Message.objects.filter(subscription__in=ended).delete()
    ended.delete()


def connect() -> None:
    pre_save.connect(remember_previous, sender=ResidentPin, dispatch_uid="notices-pin-pre")
    post_save.connect(pin_saved, sender=ResidentPin, dispatch_uid="notices-pin-post")
    post_save.connect(contact_saved, sender=PinContact, dispatch_uid="notices-contact")
    post_delete.connect(contact_deleted, sender=PinContact, dispatch_uid="notices-contact-gone")
