"""Error reports without residents' personal data.

Django's error e-mails to `ADMINS` (and any other reporter-based log handler) list a failed
request's form fields. `PersonalDataReporterFilter` (the `DEFAULT_EXCEPTION_REPORTER_FILTER`)
masks the fields that carry contact details, names or free text, whichever view failed.
"""

from __future__ import annotations

from django.views.debug import SafeExceptionReporterFilter

#: Form fields of the report form, the walk app and Open311 that may identify a person.
PERSONAL_FIELDS = frozenset(
    {
        "contact_name",
        "contact_email",
        "contact_phone",
        "email",
        "first_name",
        "last_name",
        "phone",
        "device_id",
        "account_id",
        "display_name",
        "description",
        "note",
    }
)


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    """Django's safe filter, plus `PERSONAL_FIELDS` masked in every request's POST data."""

    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if request is None or not self.is_active(request):
            return parameters
        masked = parameters.copy()
        for name in PERSONAL_FIELDS & set(masked.keys()):
            masked[name] = self.cleansed_substitute
        return masked
