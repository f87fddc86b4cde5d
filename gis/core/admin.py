"""Back office for the kernel's models: the municipalities and their staff, the EST partners
with their API keys and the log of the keys' use."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gis.core.mapadmin import MapAdmin, MunicipalAdmin, ReadOnly, ScopedChoices
from gis.core.models import Municipality
from gis.core.partners import Partner, PartnerKey, PartnerKeyUse
from gis.core.textguard import TextInputFormMixin


@admin.register(Municipality)
class MunicipalityAdmin(MapAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    filter_horizontal = ("staff",)


def _show_key_once(request, key: PartnerKey, plain: str) -> None:
    messages.warning(
        request,
        _(
            "New API key for %(partner)s: %(key)s. It is shown only this once: copy it now "
            "and give it to the partner."
        )
        % {"partner": key.partner, "key": plain},
    )


class PartnerKeyInline(ScopedChoices, admin.TabularInline):
    """A partner's keys, read only: made with the "Create key" action, never typed."""

    model = PartnerKey
    fields = ("prefix", "label", "scopes", "rate_per_hour", "expires_at", "revoked_at")
    fields += ("last_used_at",)
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(MunicipalAdmin):
    """EST partners of the user's municipalities, their members and keys."""

    list_display = ("name", "kind", "municipality")
    list_filter = ("kind", "municipality")
    search_fields = ("name",)
    filter_horizontal = ("members",)
    inlines = [PartnerKeyInline]
    actions = ["create_key"]

    @admin.action(description=_("Create key"), permissions=["add_key"])
    def create_key(self, request, queryset) -> None:
        """Issue each chosen partner a key for incidents; show each key once."""
        for partner in queryset:
            key, plain = PartnerKey.issue(partner, created_by=request.user)
            _show_key_once(request, key, plain)

    def has_add_key_permission(self, request) -> bool:
        return request.user.has_perm("core.add_partnerkey")


class PartnerKeyForm(TextInputFormMixin, forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("may send"),
        choices=PartnerKey.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[PartnerKey.Scope.INCIDENTS],
    )

    class Meta:
        model = PartnerKey
        fields = ("partner", "label", "scopes", "rate_per_hour", "expires_at")


@admin.register(PartnerKey)
class PartnerKeyAdmin(MunicipalAdmin):
    """Partner API keys: added here (the key is shown once, in a message), revoked by the
    "Revoke" action; only the first characters are kept readable."""

    form = PartnerKeyForm
    list_display = ("__str__", "partner", "scopes", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("partner__kind",)
    readonly_fields = ("prefix", "revoked_at", "last_used_at", "created_by", "created_at")
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "partner") if obj is not None else fields

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, plain = PartnerKey.issue(
            obj.partner,
            scopes=list(obj.scopes),
            label=obj.label,
            expires_at=obj.expires_at,
            rate_per_hour=obj.rate_per_hour,
            created_by=request.user,
        )
        obj.pk, obj.prefix, obj.digest, obj.created_at = (
            key.pk,
            key.prefix,
            key.digest,
            key.created_at,
        )
        obj.created_by = request.user
        obj._state.adding = False
        obj._state.db = key._state.db
        _show_key_once(request, key, plain)

    @admin.action(description=_("Revoke"), permissions=["change"])
    def revoke(self, request, queryset) -> None:
        """Revoke the chosen keys now (a revoked key answers 401)."""
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(
            request,
            ngettext("%(n)d key revoked.", "%(n)d keys revoked.", count) % {"n": count},
        )


@admin.register(PartnerKeyUse)
class PartnerKeyUseAdmin(ReadOnly, MunicipalAdmin):
    """The log of every request made with a key: viewable, never added, changed or deleted."""

    municipality_path = "key__partner__municipality"
    list_display = ("used_at", "key", "method", "path", "status", "summary")
    list_filter = ("status",)
    date_hierarchy = "used_at"
    fields = ("used_at", "key", "method", "path", "status", "summary")
    readonly_fields = fields
