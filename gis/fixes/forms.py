"""Forms of the work lists: the list filters and the status change of one fix."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gis.core.models import Municipality
from gis.core.textguard import TextInputFormMixin
from gis.core.vocabulary import Department
from gis.fixes.models import Fix
from gis.fixes.workflow import next_statuses

S = Fix.Status
PRINT_LIMIT = 20
PRINT_LIMIT_MAX = 100


class FixFilterForm(TextInputFormMixin, forms.Form):
    """Which fixes to list; every field is optional (GET parameters)."""

    municipality = forms.ChoiceField(label=_("Municipality"), required=False)
    department = forms.ChoiceField(
        label=_("Department"),
        required=False,
        choices=[("", _("All departments")), *Department.choices],
    )
    fix_type = forms.ChoiceField(
        label=_("Fix"), required=False, choices=[("", _("All fixes")), *Fix.Type.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *S.choices]
    )
    page = forms.IntegerField(label=_("Page"), required=False, min_value=1)
    limit = forms.IntegerField(
        label=_("How many"), required=False, min_value=1, max_value=PRINT_LIMIT_MAX
    )

    def __init__(self, *args, municipalities=None, **kwargs) -> None:
        """`municipalities`: the ones to choose from (the user's); all when omitted."""
        super().__init__(*args, **kwargs)
        among = Municipality.objects.all() if municipalities is None else municipalities
        self.fields["municipality"].choices = [(m.code, m.name) for m in among.only("code", "name")]


class StatusForm(TextInputFormMixin, forms.Form):
    """Move one fix to its next status."""

    to_status = forms.ChoiceField(label=_("New status"))
    scheduled_for = forms.DateField(
        label=_("Scheduled for"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    answer = forms.CharField(
        label=_("Answer to the residents"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the residents whose reports this fix addresses when it is done."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when rejecting."),
    )

    def __init__(self, *args, fix: Fix, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fix = fix
        self.fields["to_status"].choices = [(s, S(s).label) for s in next_statuses(fix)]
        if fix.answer and not self.is_bound:
            self.initial["answer"] = fix.answer

    def add_workflow_error(self, error: ValueError) -> None:
        """Show a change :func:`gis.fixes.workflow.change_status` refused: on the field the
        error names (``error.field``; the fields here bear that function's argument names),
        else above the form (an argument the form has no field for, or no field named)."""
        field = getattr(error, "field", None)
        message = getattr(error, "message", None) or str(error)
        self.add_error(field if field in self.fields else None, message)

    def clean(self) -> dict:
        data = super().clean()
        to_status = data.get("to_status")
        if to_status == S.SCHEDULED and not data.get("scheduled_for"):
            self.add_error("scheduled_for", _("Give the day the work is scheduled for."))
        if to_status == S.REJECTED and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the fix is rejected."))
        answered = (data.get("answer") or "").strip()
        if to_status == S.DONE and not answered and self.fix.pins.exists():
            self.add_error(
                "answer", _("Write the answer the residents who reported the place get.")
            )
        return data
