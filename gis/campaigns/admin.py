"""Back office of digital walks: open a campaign (draw its area or pick a district), close it
early and write the municipality's decision; moderate what residents sent (publish or reject in
bulk, the text shown escaped) and make a resident report of a point. Tenancy-scoped like every
admin (gis.core.mapadmin)."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gis.campaigns.models import Campaign, CampaignFeature, CampaignPhoto
from gis.core.mapadmin import MapAdmin, ScopedChoices
from gis.core.textguard import TextInputFormMixin
from gis.core.vocabulary import WhenUnsafe


class CampaignForm(TextInputFormMixin, forms.ModelForm):
    class Meta:
        model = Campaign
        fields = (
            "municipality",
            "title",
            "slug",
            "district",
            "area",
            "starts_on",
            "ends_on",
            "closed_at",
            "intro",
            "questions",
            "decision",
        )


@admin.register(Campaign)
class CampaignAdmin(MapAdmin):
    """Digital walks of the user's municipalities; the staff page has the link and QR code."""

    form = CampaignForm
    list_display = ("title", "municipality", "starts_on", "ends_on", "state", "answers", "page")
    list_filter = ("municipality",)
    search_fields = ("title", "slug")
    actions = ["close_now"]

    @admin.display(description=_("status"))
    def state(self, obj: Campaign) -> str:
        return obj.get_status_display()

    @admin.display(description=_("answers"))
    def answers(self, obj: Campaign) -> int:
        return obj.responses.count()

    @admin.display(description=_("page"))
    def page(self, obj: Campaign) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("campaigns:detail", args=[obj.slug]), _("Link and QR")
        )

    def save_model(self, request, obj, form, change) -> None:
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Close now"), permissions=["change"])
    def close_now(self, request, queryset) -> None:
        count = queryset.filter(closed_at__isnull=True).update(closed_at=timezone.now())
        self.message_user(
            request, ngettext("%d digital walk closed.", "%d digital walks closed.", count) % count
        )


class CampaignPhotoInline(ScopedChoices, admin.TabularInline):
    """Photos, shown and deletable, never uploaded here (Trygg re-encodes them itself)."""

    model = CampaignPhoto
    fields = ("image", "thumbnail")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CampaignFeature)
class CampaignFeatureAdmin(MapAdmin):
    """The moderation list: what residents sent, published or rejected in bulk. Nothing is
    public before it is published."""

    municipality_path = "response__campaign__municipality"
    list_display = ("kind", "category", "text", "when", "status", "campaign_title", "submitted")
    list_filter = ("status", "kind", "when", "response__campaign")
    search_fields = ("comment",)
    readonly_fields = ("response", "kind", "category", "when", "comment", "moderated_by")
    readonly_fields += ("moderated_at", "pin")
    fields = ("response", "kind", "geom", "category", "when", "comment", "status")
    fields += ("moderated_by", "moderated_at", "pin")
    inlines = [CampaignPhotoInline]
    actions = ["publish", "reject", "make_report"]
    list_select_related = ("category", "response__campaign")
    ordering = ("-response__submitted_at", "-id")  # the newest answers first

    @admin.display(description=_("comment"))
    def text(self, obj: CampaignFeature) -> str:
        return obj.comment[:120]  # escaped by the admin like every value

    @admin.display(description=_("digital walk"))
    def campaign_title(self, obj: CampaignFeature) -> str:
        return obj.response.campaign.title

    @admin.display(description=_("submitted"), ordering="response__submitted_at")
    def submitted(self, obj: CampaignFeature):
        return obj.response.submitted_at

    def save_model(self, request, obj, form, change) -> None:
        if "status" in form.changed_data:
            obj.moderated_by, obj.moderated_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)

    def _moderate(self, request, queryset, state: str) -> int:
        return queryset.update(status=state, moderated_by=request.user, moderated_at=timezone.now())

    @admin.action(description=_("Publish the selected"), permissions=["change"])
    def publish(self, request, queryset) -> None:
        count = self._moderate(request, queryset, CampaignFeature.Moderation.PUBLISHED)
        self.message_user(request, ngettext("%d published.", "%d published.", count) % count)

    @admin.action(description=_("Reject the selected"), permissions=["change"])
    def reject(self, request, queryset) -> None:
        count = self._moderate(request, queryset, CampaignFeature.Moderation.REJECTED)
        self.message_user(request, ngettext("%d rejected.", "%d rejected.", count) % count)

    @admin.action(description=_("Make a resident report of it"), permissions=["change"])
    def make_report(self, request, queryset) -> None:
        """A published resident report (no contact) of each selected point with a category
        that has none yet; the feature is published and linked to it."""
        from walks.views.pins import create_pin

        made = 0
        for feature in queryset.select_related("response__campaign__municipality", "category"):
            if feature.pin_id or feature.category_id is None:
                continue
            campaign = feature.response.campaign
            place = feature.geom if feature.kind == "point" else feature.geom.point_on_surface
            place.srid = feature.geom.srid
            description = feature.comment or str(feature.category.name)
            values = {
                "category": feature.category,
                "when": feature.when or WhenUnsafe.EVENING,
                "description": f"{description}\n\n({campaign.title})"[:2000],
                "client_uuid": uuid.uuid4(),
                "published": True,
            }
            with transaction.atomic():
                feature.pin = create_pin(values, place, campaign.municipality, None, contact={})
                feature.status = CampaignFeature.Moderation.PUBLISHED
                feature.moderated_by, feature.moderated_at = request.user, timezone.now()
                feature.save(update_fields=["pin", "status", "moderated_by", "moderated_at"])
            made += 1
        level = messages.SUCCESS if made else messages.WARNING
        self.message_user(
            request,
            ngettext("%d resident report made.", "%d resident reports made.", made) % made,
            level,
        )
