"""The import page (/import/) against the real PostGIS: uploads refused (too large, zip bombs,
nested archives, the wrong role), a partner member restricted to incidents, the mapping and
preview, the background job and its status, and the batches with their undo button."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from gis.core.partners import Partner
from layers import jobs
from layers.models import ImportBatch, ImportJob, Incident
from tests.dashboard.conftest import make_user
from tests.layers._import_files import incident_csv

pytestmark = pytest.mark.django_db

ROWS = [
    ("Klotter", "Polisen", "2026-12-01 22:00"),
    ("Snöboll", "Polisen", "2026-12-01 22:30"),
    ("Brand", "Väktare", "2026-12-02 01:15"),
]


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.TRYGG_IMPORT_DIR = str(tmp_path / "imports")


def _signed_in(client, role: str | None):
    user = make_user(role, prefix="imp")
    client.force_login(user)
    return user


def _csv_upload(demo, tmp_path, rows=ROWS, name="handelser.csv") -> SimpleUploadedFile:
    path = incident_csv(tmp_path / name, demo, rows)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv")


def _upload(client, demo, file, layer="incidents", code=None):
    return client.post(
        "/import/", {"layer": layer, "municipality": code or demo.code, "file": file}
    )


def trygg_command(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_anonymous_go_to_login_and_other_roles_are_refused(client, demo):
    response = client.get("/import/")
    assert response.status_code == 302 and "login" in response["Location"]
    _signed_in(client, "street_department")
    assert client.get("/import/").status_code == 403
    assert client.get("/import/batches/").status_code == 403
    assert client.post("/import/", {}).status_code == 403


def test_the_upload_page_in_swedish_and_english(client, demo):
    _signed_in(client, "planner")
    swedish = client.get("/import/").content.decode()
    assert "Importera en fil" in swedish and 'id="nav-import"' in swedish
    english = client.get("/en/import/").content.decode()
    assert "Import a file" in english


def test_an_oversized_upload_is_400_naming_the_cap(client, demo, tmp_path, settings):
    settings.TRYGG_IMPORT_MAX_BYTES = 1024 * 1024
    _signed_in(client, "planner")
    big = SimpleUploadedFile("stor.csv", b"lon;lat\n" + b"1;2\n" * 300_000)
    response = _upload(client, demo, big)
    assert response.status_code == 400
    assert "1 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_zip_bomb_and_a_nested_zip_are_400(client, demo):
    _signed_in(client, "coordinator")
    bomb = _zip({"bomb.shp": b"\0" * (20 * 1024 * 1024), "bomb.dbf": b"\0"})
    response = _upload(client, demo, SimpleUploadedFile("bomb.zip", bomb), layer="lamps")
    assert response.status_code == 400
    assert "zip bomb" in response.content.decode()
    nested = _zip({"inner.zip": _zip({"a.shp": b"x"}), "a.shp": b"x"})
    response = _upload(client, demo, SimpleUploadedFile("nested.zip", nested), layer="lamps")
    assert response.status_code == 400
    assert "nested archives" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_that_is_not_what_its_name_says_is_400(client, demo):
    _signed_in(client, "planner")
    fake = SimpleUploadedFile("lista.csv", b"SQLite format 3\x00" + b"\0" * 200)
    response = _upload(client, demo, fake)
    assert response.status_code == 400 and "named as a CSV" in response.content.decode()


def test_a_partner_member_uploads_only_incidents_of_their_municipality(client, demo, tmp_path):
    partner = Partner.objects.create(municipality=demo, name="Polisen Centrum", kind="police")
    user = _signed_in(client, "partner")
    partner.members.add(user)
    page = client.get("/import/").content.decode()
    assert 'value="incidents"' in page and 'value="lamps"' not in page
    refused = _upload(client, demo, _csv_upload(demo, tmp_path), layer="lamps")
    assert refused.status_code == 400
    response = _upload(client, demo, _csv_upload(demo, tmp_path))
    assert response.status_code == 302
    job = ImportJob.objects.get(user=user)
    assert job.options == {"partner": partner.pk}
    mapping = client.get(response["Location"]).content.decode()
    assert 'name="source"' not in mapping  # the source is the partner's
    assert not Incident.objects.filter(partner=partner).exists()
    client.post(response["Location"], {"action": "import", "value_type_1": "other"})
    jobs.run(job.pk)
    incidents = Incident.objects.filter(partner=partner)
    assert incidents.count() == 3
    assert set(incidents.values_list("source", flat=True)) == {partner.source}


def test_a_member_of_no_partner_with_the_partner_role_is_refused(client, demo):
    _signed_in(client, "partner")
    assert client.get("/import/").status_code == 403


def test_mapping_preview_import_and_status(
    client, demo, tmp_path, django_capture_on_commit_callbacks
):
    user = _signed_in(client, "planner")
    response = _upload(client, demo, _csv_upload(demo, tmp_path))
    assert response.status_code == 302
    url = response["Location"]
    job = ImportJob.objects.get(user=user)
    assert url == f"/import/{job.pk}/"

    page = client.get(url).content.decode()
    # The detected columns, each with its drop-down pre-selected as recognised.
    assert '<option value="type" selected>' in page
    assert "Snöboll" in page and 'name="value_type_1"' in page

    preview = client.post(url, {"action": "preview", "column_5": "description"})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert 'id="preview-features"' in text and "anteckning Klotter" in text
    assert "Snöboll" in text and 'id="rejected-rows"' in text
    assert Incident.objects.filter(description__startswith="anteckning").count() == 0
    # A column moved to a category field gets a drop-down per value on the next page.
    moved = client.post(url, {"action": "preview", "column_5": "reported_by"}).content.decode()
    assert "anteckning Klotter" in moved and 'name="value_reported_by_2"' in moved

    with django_capture_on_commit_callbacks(execute=False) as started:
        response = client.post(
            url,
            {
                "action": "import",
                "column_5": "description",
                "value_type_1": "other",
                "profile": "polisens-lista",
            },
        )
    assert response.status_code == 302 and len(started) == 1
    status = client.get(f"{url}status/").json()
    assert status["state"] == "queued" and status["rows"] == 3
    jobs.run(job.pk)  # what the background thread runs
    status = client.get(f"{url}status/").json()
    assert status["state"] == "done" and status["rows_read"] == 3
    assert status["result"]["created"] == 3 and status["result"]["rejected"] == 0
    assert Incident.objects.filter(description="anteckning Snöboll", type="other").count() == 1
    progress = client.get(url).content.decode()
    assert 'id="import-progress"' in progress
    from layers.models import ImportProfile

    profile = ImportProfile.objects.get(name="polisens-lista")
    assert "Anteckning=description" in profile.options["map"]
    assert not (tmp_path / "imports").exists() or not any((tmp_path / "imports").iterdir())


def test_a_failed_job_reports_its_error(client, demo, tmp_path):
    user = _signed_in(client, "coordinator")
    rows = [("Klotter", "Polisen", "2026-12-01 22:00")]
    response = _upload(client, demo, _csv_upload(demo, tmp_path, rows))
    job = ImportJob.objects.get(user=user)
    job.options = {"started": True, "crs": "EPSG:3006", "location": {"x": "Lon", "y": "Lat"}}
    job.save()
    jobs.run(job.pk)
    status = client.get(f"{response['Location']}status/").json()
    assert status["state"] == "failed" and status["error"]


def test_a_job_whose_process_died_is_reported_interrupted(client, demo, tmp_path):
    """A job marked running that no process holds (the web process died mid-import) reads as
    failed at the next status request; one whose runner holds it stays running."""
    user = _signed_in(client, "coordinator")
    response = _upload(client, demo, _csv_upload(demo, tmp_path))
    job = ImportJob.objects.get(user=user)
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING)
    runner = jobs._Progress(job.pk)
    runner.hold()  # another connection, as the thread of a live process has
    try:
        held = client.get(f"{response['Location']}status/").json()
        assert held["state"] == "running" and held["error"] is None
    finally:
        runner.close()
    status = client.get(f"{response['Location']}status/").json()
    assert status["state"] == "failed" and (
        "avbröts" in status["error"] or "interrupted" in status["error"]
    )
    assert not (tmp_path / "imports").exists() or not any((tmp_path / "imports").rglob("*.csv"))


def test_another_users_job_is_404(client, demo, tmp_path):
    _signed_in(client, "planner")
    response = _upload(client, demo, _csv_upload(demo, tmp_path))
    _signed_in(client, "coordinator")
    assert client.get(response["Location"]).status_code == 404
    assert client.get(f"{response['Location']}status/").status_code == 404


def _import_now(client, demo, tmp_path, rows, name):
    response = _upload(client, demo, _csv_upload(demo, tmp_path, rows, name=name))
    job = ImportJob.objects.get(file_name=name)
    client.post(response["Location"], {"action": "import", "value_type_1": "other"})
    return jobs.run(job.pk).result["batch"]


def test_batches_are_listed_with_undo_and_an_older_batch_is_a_message(client, demo, tmp_path):
    _signed_in(client, "coordinator")
    first = _import_now(client, demo, tmp_path, ROWS[:1], "a.csv")
    second = _import_now(client, demo, tmp_path, ROWS, "b.csv")
    page = client.get("/import/batches/").content.decode()
    assert f'action="/import/batches/{first}/undo/"' in page
    assert f'action="/import/batches/{second}/undo/"' in page

    refused = client.post(f"/import/batches/{first}/undo/", follow=True)
    assert refused.status_code == 200
    assert f"batch {second} into the same layer came later" in refused.content.decode()
    assert ImportBatch.objects.get(pk=first).undone_at is None

    created = Incident.objects.filter(batch_id=second).count()
    assert created == 2  # the first row is the same as the first batch's: unchanged
    done = client.post(f"/import/batches/{second}/undo/", follow=True)
    assert done.status_code == 200
    assert ImportBatch.objects.get(pk=second).undone_at is not None
    assert not Incident.objects.filter(batch_id=second).exists()
    assert client.get(f"/import/batches/{second}/undo/").status_code == 405


def test_uploads_left_without_import_are_swept(client, demo, tmp_path):
    """An upload never imported is removed after a day, on the next upload or by
    `trygg imports sweep`; a fresh one and a finished one are left alone."""
    user = _signed_in(client, "coordinator")
    _upload(client, demo, _csv_upload(demo, tmp_path, name="gammal.csv"))
    old = ImportJob.objects.get(user=user, file_name="gammal.csv")
    ImportJob.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(hours=25))
    assert Path(old.file_path).exists()
    _upload(client, demo, _csv_upload(demo, tmp_path, name="ny.csv"))
    old.refresh_from_db()
    fresh = ImportJob.objects.get(user=user, file_name="ny.csv")
    assert old.state == ImportJob.State.FAILED and old.error
    assert not Path(old.file_path).exists()
    assert fresh.state == ImportJob.State.QUEUED and Path(fresh.file_path).exists()
    result = trygg_command("imports", "sweep", "--hours", "0")
    assert "removed 1" in result
    assert not Path(fresh.file_path).exists()
    with pytest.raises(CommandError, match="--hours"):
        trygg_command("imports", "sweep", "--hours", "-1")
