"""The presence API's input and output: the log of a visit (the same classes the OpenAPI
schema documents)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gis.core import textguard
from gis.presence.models import PlannedVisit

#: The longest note a team writes about a visit (the model's limit).
NOTE_MAX = 500


class VisitLogInput(textguard.Serializer):
    """What a team logs about a visit: done or not done, and what it saw."""

    outcome = serializers.ChoiceField(
        choices=[PlannedVisit.Outcome.DONE, PlannedVisit.Outcome.NOT_DONE],
        help_text="done or not_done.",
        error_messages={"invalid_choice": _("Choose done or not done.")},
    )
    note = serializers.CharField(
        max_length=NOTE_MAX,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=True,
        help_text=f"What the team saw, at most {NOTE_MAX} characters.",
    )


class VisitLogOutput(textguard.ModelSerializer):
    """A visit with its stored log."""

    start = serializers.DateTimeField(source="starts_at", read_only=True)
    end = serializers.DateTimeField(source="ends_at", read_only=True)

    class Meta:
        model = PlannedVisit
        fields = ["id", "team", "start", "end", "place", "outcome", "note", "logged_at"]
        read_only_fields = fields
