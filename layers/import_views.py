"""The import page of the back office (`/import/`): upload a file, see what was detected, map
its columns and values, preview it on a map with the rejected rows, import it in the background
with progress, and list the batches with an undo button.

The views only parse the request and call the import: :mod:`layers.uploads` (keeping the file),
:mod:`layers.preview` (detect, preview), :mod:`layers.jobs` (the background run) and
:mod:`layers.batches` (listing, undo). Who may do what is :mod:`layers.importaccess`. Bad input
answers 400 with the form and its messages; another user's job 404; no access 403.
"""

from __future__ import annotations

import functools
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from layers import batches, jobs, uploads
from layers.import_forms import MappingForm, UploadForm, layer_label
from layers.importaccess import Importer, importer
from layers.imports import ImportFileError
from layers.models import ImportBatch, ImportJob
from layers.preview import detect, distinct_values, preview_import

PREVIEW_ROWS = 500


def importers_only(view):
    """Anonymous -> login page; signed in without import access -> 403. The view gets the
    user's Importer as `who`."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        who = importer(request.user)
        if who is None:
            raise PermissionDenied
        return view(request, *args, who=who, **kwargs)

    return wrapper


@importers_only
def upload(request: HttpRequest, who: Importer) -> HttpResponse:
    """Step 1: the upload form; a kept file becomes a queued job and goes to the mapping."""
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        layers=who.layers,
        municipalities=who.municipalities,
    )
    if request.method != "POST":
        return _upload_page(request, form)
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    municipality = who.municipalities.get(code=form.cleaned_data["municipality"])
    jobs.sweep_abandoned()
    try:
        path = uploads.store(form.cleaned_data["file"])
    except uploads.UploadRefusedError as error:
        form.add_error("file", str(error))
        return _upload_page(request, form, status=400)
    job = ImportJob.objects.create(
        municipality=municipality,
        user=request.user,
        layer=form.cleaned_data["layer"],
        file_path=str(path),
        file_name=form.cleaned_data["file"].name[:255],
        options={"partner": who.partner.pk} if who.partner else {},
    )
    return redirect("imports:job", pk=job.pk)


def _upload_page(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    return render(request, "layers/import_upload.html", {"form": form}, status=status)


def _job_of(request: HttpRequest, who: Importer, pk: int) -> ImportJob:
    """The user's own job, in a municipality they may import for; else 404."""
    job = ImportJob.objects.select_related("municipality").filter(pk=pk, user=request.user).first()
    if job is None or not who.may(job.municipality_id, job.layer):
        raise Http404("no such import")
    return job


@importers_only
def job_page(request: HttpRequest, pk: int, who: Importer) -> HttpResponse:
    """Step 2 and 3: the mapping (GET), its preview (POST action=preview) and the start of the
    import (POST action=import); once started, the progress and the result."""
    job = _job_of(request, who, pk)
    if job.state != ImportJob.State.QUEUED or job.options.get("started"):
        return render(request, "layers/import_progress.html", _progress_context(job))
    file_layer = request.POST.get("file_layer") or None
    try:
        detected = detect(Path(job.file_path), job.layer, file_layer)
    except ImportFileError as error:
        return _mapping_page(request, job, None, error=str(error), status=400)
    if request.method != "POST":
        form = MappingForm(detected=detected, layer=job.layer, partner=who.partner is not None)
        return _mapping_page(request, job, form, detected=detected)
    detected["values"] = _values_of_posted_mapping(request, job, detected)
    form = MappingForm(
        request.POST, detected=detected, layer=job.layer, partner=who.partner is not None
    )
    if not form.is_valid():
        return _mapping_page(request, job, form, detected=detected, status=400)
    stored = {**job.options, **form.options(), "rows": detected.get("rows")}
    if who.partner is not None:
        stored["source"] = who.partner.source
    job.options = stored
    try:
        preview = preview_import(jobs.options_for(job), limit=PREVIEW_ROWS)
    except ImportFileError as error:
        return _mapping_page(request, job, form, detected=detected, error=str(error), status=400)
    if request.POST.get("action") != "import":
        return _mapping_page(request, job, form, detected=detected, preview=preview)
    job.options = {**stored, "started": True}
    job.save(update_fields=["options", "updated_at"])
    if form.cleaned_data.get("profile"):
        batches.save_profile(
            job.municipality, form.cleaned_data["profile"], job.layer, form.profile_options()
        )
    transaction.on_commit(functools.partial(jobs.start, job.pk))
    return redirect("imports:job", pk=job.pk)


def _values_of_posted_mapping(request: HttpRequest, job: ImportJob, detected: dict) -> dict:
    """The distinct source values of the category columns as the posted drop-downs map them
    (a column moved to a category field gets its value drop-downs on the next page)."""
    mapping = dict(detected.get("suggested") or {})
    for i, column in enumerate(detected.get("columns") or []):
        chosen = request.POST.get(f"column_{i}")
        if chosen:
            mapping = {c: f for c, f in mapping.items() if f != chosen}
            mapping[column] = chosen
    return distinct_values(Path(job.file_path), job.layer, mapping, detected.get("layer"))


def _mapping_page(request, job, form, *, detected=None, preview=None, error="", status=200):
    context = {
        "job": job,
        "layer_label": layer_label(job.layer),
        "form": form,
        "detected": detected,
        "preview": preview,
        "error": error,
        "style_url": reverse("basemap-style"),
    }
    return render(request, "layers/import_mapping.html", context, status=status)


def _progress_context(job: ImportJob) -> dict:
    return {
        "job": job,
        "layer_label": layer_label(job.layer),
        "status": jobs.status(job),
        "status_url": reverse("imports:status", args=[job.pk]),
    }


@require_GET
@importers_only
def job_status(request: HttpRequest, pk: int, who: Importer) -> JsonResponse:
    """The job's state, rows read and, once done, its figures (polled by the page)."""
    job = _job_of(request, who, pk)
    response = JsonResponse(jobs.status(job))
    response["Cache-Control"] = "no-store"
    return response


def _batches_of(who: Importer):
    listed = ImportBatch.objects.filter(municipality__in=who.municipalities, layer__in=who.layers)
    if who.partner is not None:
        listed = listed.filter(source=who.partner.source)
    return listed.select_related("municipality")


@require_GET
@importers_only
def batch_list(request: HttpRequest, who: Importer) -> HttpResponse:
    """The batches the user may see, newest first, with an undo button."""
    rows = [
        {
            **batches.batch_row(b),
            "layer_label": layer_label(b.layer),
            "imported": timezone.localtime(b.created_at),
        }
        for b in _batches_of(who).order_by("-created_at", "-pk")[:200]
    ]
    return render(request, "layers/import_batches.html", {"rows": rows})


@require_POST
@importers_only
def batch_undo(request: HttpRequest, pk: int, who: Importer) -> HttpResponse:
    """Undo a batch; one that cannot be undone (not the newest, already undone) is a message."""
    if not _batches_of(who).filter(pk=pk).exists():
        raise Http404("no such batch")
    try:
        batches.undo(pk)
    except ImportFileError as error:
        messages.error(request, _("The batch was not undone: %(reason)s") % {"reason": error})
    else:
        messages.success(request, _("Batch %(n)d was undone.") % {"n": pk})
    return redirect("imports:batches")
