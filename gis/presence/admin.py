"""Back office for presence: the partners' patrol capacity (resources) and the week plans with
their visits (read only here: a plan is made by planning, its visits are ticked by the teams);
the presence measures' admin is in `admin_measures`."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gis.core.mapadmin import MunicipalAdmin, ScopedChoices
from gis.core.textguard import TextInputFormMixin
from gis.presence import admin_measures  # noqa: F401  (the presence measures' admin)
from gis.presence.models import PlannedVisit, PresencePlan, PresenceResource
from gis.presence.weeks import parse_week


@admin.register(PresenceResource)
class PresenceResourceAdmin(MunicipalAdmin):
    """Each partner's teams, mode and shift window, in the user's municipalities."""

    list_display = ("name", "actor", "mode", "days", "window", "teams", "partner")
    list_filter = ("actor", "mode", "partner", "municipality")
    search_fields = ("name",)
    fields = ("municipality", "name", "actor", "mode", "partner", "weekdays")
    fields += ("shift_start", "shift_end", "teams")

    @admin.display(description=PresenceResource._meta.get_field("weekdays").verbose_name)
    def days(self, obj: PresenceResource) -> str:
        return ",".join(obj.weekdays)

    @admin.display(description=_("shift window"))
    def window(self, obj: PresenceResource) -> str:
        return f"{obj.shift_start:%H:%M}–{obj.shift_end:%H:%M}"


class PlannedVisitInline(ScopedChoices, admin.TabularInline):
    """A plan's visits, read only."""

    model = PlannedVisit
    fields = ("team", "starts_at", "ends_at", "place", "reason", "outcome", "note", "logged_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PresencePlanForm(TextInputFormMixin, forms.ModelForm):
    """A plan added by hand is an empty week (planning fills it): the week must be one."""

    class Meta:
        model = PresencePlan
        fields = ("municipality", "week", "seed")

    def clean_week(self) -> str:
        week = self.cleaned_data["week"]
        try:
            parse_week(week)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return week


@admin.register(PresencePlan)
class PresencePlanAdmin(MunicipalAdmin):
    """The week plans and their visits, read only once made (`trygg presence plan` or the plan
    page plans a week); a plan can be deleted."""

    form = PresencePlanForm
    list_display = ("week", "municipality", "visit_count", "created_by", "updated_at")
    list_filter = ("municipality",)
    fields = ("municipality", "week", "seed", "created_by", "summary", "created_at")
    inlines = [PlannedVisitInline]

    @admin.display(description=PlannedVisit._meta.verbose_name_plural)
    def visit_count(self, obj: PresencePlan) -> int:
        return obj.visits.count()

    def get_fields(self, request, obj=None):
        return self.fields if obj else ("municipality", "week", "seed")

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj else ()
