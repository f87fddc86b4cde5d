"""The back office of notices: each municipality's digest settings, the outbox (failed messages
can be queued again), and the record of personal-data requests (read only).

The coordinator's look-up, export and erasure of one address is a page of its own
(`notices:personal-data`), linked from the requests' list.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gis.core.mapadmin import MunicipalAdmin, ReadOnly
from gis.notices import models, outbox


@admin.register(models.NoticeSettings)
class NoticeSettingsAdmin(MunicipalAdmin):
    list_display = ("municipality", "daily_digest", "weekly_digest", "weekly_weekday")
    fields = (
        "municipality",
        "coordinator_emails",
        "daily_digest",
        "department_emails",
        "weekly_digest",
        "weekly_weekday",
        "overdue_days",
        "language",
    )


@admin.register(models.Message)
class MessageAdmin(ReadOnly, MunicipalAdmin):
    """The outbox: what was sent, what waits for a retry, what failed. Recipients and texts are
    personal data: only the coordinator role sees them."""

    list_display = ("created_at", "kind", "status", "attempts", "last_error", "next_attempt_at")
    list_filter = ("status", "kind")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "kind",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "recipient",
        "language",
        "subject",
        "body",
        "pin",
    )
    readonly_fields = fields
    actions = ["retry"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("notices.view_message"):
            actions.pop("retry", None)
        return actions

    @admin.action(description=_("Send the selected failed messages again"))
    def retry(self, request, queryset) -> None:
        count = outbox.retry(queryset)
        outbox.send_messages()
        self.message_user(
            request,
            ngettext("%d message queued again.", "%d messages queued again.", count) % count,
            messages.SUCCESS,
        )


@admin.register(models.PersonalDataRequest)
class PersonalDataRequestAdmin(ReadOnly, MunicipalAdmin):
    """Who looked up, exported or erased a resident's data, when, and what was found (shared by
    the installation: a request is about a person, not a municipality)."""

    list_display = ("requested_at", "kind", "dry_run", "by_name", "address_hash")
    list_filter = ("kind",)
    date_hierarchy = "requested_at"
    fields = ("requested_at", "kind", "dry_run", "by_name", "address_hash", "counts")
    readonly_fields = fields
