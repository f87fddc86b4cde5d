"""Back office for walks and resident pins; each pin status change is recorded with who and when.

Residents' contact details and participants' names show only to users who may see personal data
(the coordinator); every showing of contact details is logged, and the log is read-only.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote

from gis.core.mapadmin import MapAdmin, MunicipalAdmin, ReadOnly, ScopedChoices
from walks import models
from walks.contact_access import may_see_personal_data, shown_contact


@admin.register(models.Category)
class CategoryAdmin(MunicipalAdmin):
    """Categories are shared by every municipality: staff read them, only a superuser adds,
    changes or deletes one (the colour is checked by `Category.clean`)."""

    list_display = ("code", "name_sv", "name_en", "owner", "duplicate_radius_m", "order")
    list_editable = ("order",)

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


class FindingInline(ScopedChoices, admin.TabularInline):
    model = models.WalkFinding
    fields = ("category", "severity", "when", "author_role", "note")
    extra = 0
    show_change_link = True


class ParticipantInline(ScopedChoices, admin.TabularInline):
    model = models.WalkParticipant
    fields = ("role", "display_name", "joined_at")
    readonly_fields = ("joined_at",)
    extra = 0

    def get_fields(self, request, obj=None):
        if may_see_personal_data(request.user):
            return self.fields
        return tuple(name for name in self.fields if name != "display_name")


class HidesAuthorship:
    """The participant (whose name is personal data) only for users who may see it."""

    raw_id_fields = ("participant",)  # a dropdown of every participant would not scale

    def get_exclude(self, request, obj=None):
        exclude = tuple(super().get_exclude(request, obj) or ())
        return exclude if may_see_personal_data(request.user) else (*exclude, "participant")


@admin.register(models.SafetyWalk)
class SafetyWalkAdmin(MapAdmin):
    list_display = ("title", "district", "starts_at", "time_of_day", "status", "join_code")
    list_filter = ("status", "time_of_day", "district")
    search_fields = ("title", "join_code")
    date_hierarchy = "starts_at"
    inlines = [ParticipantInline, FindingInline]


class PhotoInline(ScopedChoices, admin.TabularInline):
    """Photos, shown and deletable but never uploaded here: Trygg writes them itself (a
    re-encoded JPEG of an upload through the app), so no file of any other kind is stored."""

    fields = ("image", "thumbnail")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class FindingPhotoInline(PhotoInline):
    model = models.FindingPhoto


@admin.register(models.WalkFinding)
class WalkFindingAdmin(HidesAuthorship, MapAdmin):
    list_display = ("__str__", "walk", "when", "author_role", "observed_at")
    list_filter = ("category", "severity", "when", "author_role")
    date_hierarchy = "observed_at"
    inlines = [FindingPhotoInline]


@admin.register(models.WalkAudit)
class WalkAuditAdmin(HidesAuthorship, MapAdmin):
    list_display = ("walk", "stop_name", "observed_at", "total")


class PinPhotoInline(PhotoInline):
    model = models.PinPhoto


class ContactInline(ReadOnly, ScopedChoices, admin.StackedInline):
    """The resident's contact details, read-only, for users who may see them."""

    model = models.PinContact
    fields = ("name", "email", "phone")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        return may_see_personal_data(request.user)


class StatusHistoryInline(ScopedChoices, admin.TabularInline):
    model = models.PinStatusChange
    fields = ("from_status", "to_status", "changed_by", "changed_at", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(models.ResidentPin)
class ResidentPinAdmin(MapAdmin):
    list_display = ("__str__", "category", "status", "when", "vote_count", "reported_at")
    list_filter = ("status", "category", "when", "district")
    search_fields = ("description", "tracking_token")
    date_hierarchy = "reported_at"
    readonly_fields = ("tracking_token", "client_uuid", "vote_count", "reported_at")
    raw_id_fields = ("duplicate_of",)  # a dropdown of every pin would not scale
    inlines = [ContactInline, PinPhotoInline, StatusHistoryInline]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The pin's page; a page showing contact details is logged as one access."""
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:
            pin = self.get_object(request, unquote(object_id))
            if pin is not None:
                shown_contact(request.user, pin, models.ContactAccess.Channel.ADMIN)
        return response

    def save_model(self, request, obj, form, change) -> None:
        from walks.triage import record_status_change

        previous = models.ResidentPin.objects.get(pk=obj.pk).status if change else ""
        super().save_model(request, obj, form, change)
        if previous != obj.status:
            record_status_change(obj, previous, request.user)


@admin.register(models.ContactAccess)
class ContactAccessAdmin(ReadOnly, MunicipalAdmin):
    """The log of who saw residents' contact details: viewable, never added, changed or deleted;
    each municipality's staff see the entries of its pins (entries of deleted pins: superusers)."""

    municipality_path = "pin__municipality"

    list_display = ("accessed_at", "username", "pin_id", "channel")
    list_filter = ("channel",)
    search_fields = ("username",)
    date_hierarchy = "accessed_at"
    fields = ("accessed_at", "username", "pin_id", "channel")
    readonly_fields = fields
