"""Back office for walks and resident pins; each pin status change is recorded with who and when."""

from django.contrib import admin

from gis.mapadmin import MapAdmin
from walks import models


@admin.register(models.Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_sv", "name_en", "owner", "duplicate_radius_m", "order")
    list_editable = ("order",)


class FindingInline(admin.TabularInline):
    model = models.WalkFinding
    fields = ("category", "severity", "when", "author_role", "note")
    extra = 0
    show_change_link = True


class ParticipantInline(admin.TabularInline):
    model = models.WalkParticipant
    fields = ("role", "display_name", "joined_at")
    readonly_fields = ("joined_at",)
    extra = 0


@admin.register(models.SafetyWalk)
class SafetyWalkAdmin(MapAdmin):
    list_display = ("title", "district", "starts_at", "time_of_day", "status", "join_code")
    list_filter = ("status", "time_of_day", "district")
    search_fields = ("title", "join_code")
    date_hierarchy = "starts_at"
    inlines = [ParticipantInline, FindingInline]


class FindingPhotoInline(admin.TabularInline):
    model = models.FindingPhoto
    fields = ("image", "thumbnail")
    extra = 0


@admin.register(models.WalkFinding)
class WalkFindingAdmin(MapAdmin):
    list_display = ("__str__", "walk", "when", "author_role", "observed_at")
    list_filter = ("category", "severity", "when", "author_role")
    date_hierarchy = "observed_at"
    inlines = [FindingPhotoInline]


@admin.register(models.WalkAudit)
class WalkAuditAdmin(MapAdmin):
    list_display = ("walk", "stop_name", "observed_at", "total")


class PinPhotoInline(admin.TabularInline):
    model = models.PinPhoto
    fields = ("image", "thumbnail")
    extra = 0


class StatusHistoryInline(admin.TabularInline):
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
    inlines = [PinPhotoInline, StatusHistoryInline]

    def save_model(self, request, obj, form, change) -> None:
        from walks.triage import record_status_change

        previous = models.ResidentPin.objects.get(pk=obj.pk).status if change else ""
        super().save_model(request, obj, form, change)
        if previous != obj.status:
            record_status_change(obj, previous, request.user)
