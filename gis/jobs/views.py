"""The work list's "Recompute the ranking" as a background task, and the task's page.

``recompute`` (POST, planners and coordinators of the municipality) enqueues
:func:`gis.jobs.tasks.analyse` for the municipality's prioritisation and sends the user to the
task's page, which shows its progress (queued, running, done or failed) and its result, polling
``task_status`` (JSON) from ``jobs/task.js``. Who may not recompute gets 403; an unknown
municipality 400 naming ``municipality``; a task of another municipality, or no task at all, 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from gis.core import tenancy
from gis.core.models import Municipality
from gis.fixes.views import can_recompute, staff_only
from gis.jobs.models import Analysis
from gis.jobs.tasks import analyse

#: The states the page tells apart (django-tasks' statuses, in words for people).
STATES = {
    TaskResultStatus.READY: "queued",
    TaskResultStatus.RUNNING: "running",
    TaskResultStatus.SUCCESSFUL: "done",
    TaskResultStatus.FAILED: "failed",
}


@require_POST
@staff_only
def recompute(request: HttpRequest) -> HttpResponse:
    """Enqueue the ranking of a municipality (planners and coordinators)."""
    if not can_recompute(request.user):
        raise PermissionDenied
    code = request.POST.get("municipality", "")
    municipality = tenancy.municipalities(request.user).filter(code=code).first()
    if municipality is None:
        message = _("Unknown municipality %(code)r.") % {"code": code}
        return JsonResponse({"municipality": [message]}, status=400)
    result = analyse.enqueue(municipality.code, Analysis.PRIORITISE.value, request.user.pk)
    return redirect("jobs:task", result_id=result.id)


def _task_of(request: HttpRequest, result_id: str):
    """The task result, if it is a ranking of a municipality the user works for; else 404."""
    if not can_recompute(request.user):
        raise PermissionDenied
    try:
        result = analyse.get_result(result_id)
    except (TaskResultDoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    code = result.args[0] if result.args else None
    if not tenancy.municipalities(request.user).filter(code=code).exists():
        raise Http404
    return result


def status_of(result) -> dict:
    """The task's state and, once it ended, its outcome (JSON for the page's script)."""
    state = STATES.get(result.status, "queued")
    status = {"state": state, "municipality": result.args[0]}
    if state == "done":
        outcome = result.return_value or {}
        status["outcome"] = outcome.get("status", "")
        status["error"] = outcome.get("error", "")
        status["fixes"] = (outcome.get("summary") or {}).get("fixes")
        status["seconds"] = round(float(outcome.get("seconds") or 0), 1)
        if outcome.get("status") == "failed":
            status["state"] = "failed"
    elif state == "failed":
        status["error"] = (
            result.errors[-1].exception_class_path.rsplit(".", 1)[-1] if result.errors else ""
        )
    return status


@require_GET
@staff_only
def task_page(request: HttpRequest, result_id: str) -> HttpResponse:
    """The progress and result of a recompute."""
    result = _task_of(request, result_id)
    municipality = Municipality.objects.get(code=result.args[0])
    context = {
        "municipality": municipality,
        "status": status_of(result),
        "status_url": reverse("jobs:task-status", args=[result.id]),
        "list_url": f"{reverse('fixes:list')}?municipality={result.args[0]}",
    }
    return render(request, "jobs/task.html", context)


@require_GET
@staff_only
def task_status(request: HttpRequest, result_id: str) -> JsonResponse:
    """The task's state as JSON (see :func:`status_of`), never cached."""
    response = JsonResponse(status_of(_task_of(request, result_id)))
    response["Cache-Control"] = "private, no-store"
    return response
