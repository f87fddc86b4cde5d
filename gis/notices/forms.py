"""The forms of notices' pages: following a report, a personal-data request."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gis.core.textguard import TextInputFormMixin


class FollowForm(TextInputFormMixin, forms.Form):
    """An address to tell about a report's changes ("Meddela mig när något händer")."""

    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    # From the tracking page: the report's own tracking token (its reporter follows it).
    token = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    # People never see it; a value means a robot filled the form.
    website = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("The form could not be accepted."))
        return ""


class PersonalDataForm(TextInputFormMixin, forms.Form):
    """A resident's address, and what to do with what is tied to it."""

    ACTIONS = (
        ("find", _("Show what is found")),
        ("export", _("Export as JSON")),
        ("erase", _("Erase")),
    )
    email = forms.EmailField(label=_("The resident's e-mail address"), max_length=254)
    action = forms.ChoiceField(choices=ACTIONS, initial="find", widget=forms.HiddenInput)
    confirm = forms.BooleanField(label=_("Yes, erase this personal data for good"), required=False)
