"""The walk-planning API (no language prefix): plan a walk, and plan and save a walk's route.

* ``POST /api/walkplans/`` plans a walk from the inputs (docs/walkplan.md) and answers the plan.
* ``POST /api/walks/<code>/plan/`` plans the same way for a walk and saves the plan as the walk's
  route, plan inputs and numbered stops; ``GET`` answers the saved plan.

Staff who may change safety walks (walk leaders, coordinators) use it, for the municipalities
they work for (:mod:`gis.core.tenancy`): another municipality's walk is not found (404), a
municipality code not theirs is a 400 naming ``municipality``. Bad input is a 400 naming the
field. The API uses the logged-in session, so writes need the CSRF token (``X-CSRFToken``).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gis.core import tenancy
from gis.walkplan import planning
from gis.walkplan.serializers import PlanInput, PlanOutput, SavedPlanOutput, WalkPlanInput
from walks.models import SafetyWalk
from walks.views.common import PublicEndpoint

BAD_INPUT = {400: OpenApiResponse(description="Bad input; the body names the field.")}
NOT_PLANNER = {403: OpenApiResponse(description="Not a walk leader or coordinator.")}
NO_WALK = {404: OpenApiResponse(description="No walk with this code in your municipalities.")}

#: Who plans walks: the permission to change safety walks.
PLAN_PERMISSION = "walks.change_safetywalk"


def may_plan(user) -> bool:
    """Whether ``user`` may plan walks (in the municipalities they work for)."""
    return bool(user and user.is_authenticated and user.has_perm(PLAN_PERMISSION))


class _PlanView(PublicEndpoint, APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    def check_permissions(self, request):
        super().check_permissions(request)
        if not may_plan(request.user):
            raise PermissionDenied(_("Only walk leaders and coordinators may plan walks."))

    def _plan(self, request, municipality, data):
        try:
            plan = planning.plan_walk(
                municipality,
                district=data.get("district"),
                area=data.get("area"),
                minutes=data["minutes"],
                time_of_day=data["time_of_day"],
                pace_kmh=data.get("pace_kmh", 4.0),
                start=data.get("start"),
                end=data.get("end"),
                dropped=[(d["kind"], d["id"]) for d in data.get("dropped") or []],
                added=data.get("added") or [],
            )
        except planning.PlanError as error:
            raise ValidationError({error.field: [error.message]}) from None
        return plan


def _messages(error, where: str = "") -> list[str]:
    """Every message of a nested error (a list's items, a nested object's fields), each with
    where it is ("added 2: ...")."""
    if isinstance(error, dict):
        return [m for key, inner in error.items() for m in _messages(inner, f"{where}{key} ")]
    if isinstance(error, list):
        if all(not isinstance(item, dict | list) for item in error):
            return [f"{where.strip()}: {item}" if where else str(item) for item in error]
        return [m for k, inner in enumerate(error) for m in _messages(inner, f"{where}{k} ")]
    return [f"{where.strip()}: {error}" if where else str(error)]


def _valid(serializer) -> dict:
    """The serializer's data, or a 400 with each field's messages as a flat list of strings."""
    if not serializer.is_valid():
        raise ValidationError(
            {field: _messages(error) for field, error in serializer.errors.items()}
        )
    return serializer.validated_data


def _municipality(request, code: str | None):
    mine = tenancy.municipalities(request.user).order_by("code")
    if code:
        found = mine.filter(code=code).first()
        if found is None:
            raise ValidationError({"municipality": [_("No municipality of yours has this code.")]})
        return found
    choices = list(mine[:2])
    if len(choices) != 1:
        raise ValidationError({"municipality": [_("Give the municipality's code.")]})
    return choices[0]


class WalkPlans(_PlanView):
    """Plan a walk (POST, JSON): the stops and the route, not saved."""

    @extend_schema(request=PlanInput, responses={200: PlanOutput, **BAD_INPUT, **NOT_PLANNER})
    def post(self, request):
        values = _valid(PlanInput(data=request.data))
        municipality = _municipality(request, values.get("municipality"))
        plan = self._plan(request, municipality, values)
        return Response(planning.plan_json(plan))


class WalkPlan(_PlanView):
    """A walk's plan: GET the saved one; POST plans and saves it (route, inputs, stops)."""

    def _walk(self, request, code: str) -> SafetyWalk:
        if not (code.isascii() and code.isalnum()):
            raise Http404
        walks = SafetyWalk.objects.select_related("district", "municipality")
        return get_object_or_404(tenancy.scope(walks, request.user), join_code=code.upper())

    @extend_schema(responses={200: SavedPlanOutput, **NOT_PLANNER, **NO_WALK})
    def get(self, request, code: str):
        walk = self._walk(request, code)
        return Response(planning.saved_plan_json(walk))

    @extend_schema(
        request=WalkPlanInput,
        responses={200: PlanOutput, **BAD_INPUT, **NOT_PLANNER, **NO_WALK},
    )
    def post(self, request, code: str):
        walk = self._walk(request, code)
        values = dict(_valid(WalkPlanInput(data=request.data)))
        code_given = values.get("municipality")
        if code_given and code_given != walk.municipality.code:
            raise ValidationError(
                {"municipality": [_("The walk belongs to another municipality.")]}
            )
        values.setdefault("time_of_day", walk.time_of_day)
        if values.get("district") in (None, "") and values.get("area") is None:
            values["district"] = walk.district_id
        plan = self._plan(request, walk.municipality, values)
        planning.save_plan(walk, plan)
        return Response(planning.plan_json(plan))
