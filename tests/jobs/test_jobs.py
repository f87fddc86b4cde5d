"""Analysis jobs: a run is recorded, a rerun on the same data skips, a failing municipality
never stops another (on a real dask cluster), and the work list's recompute enqueues a
background task that a worker completes."""

from __future__ import annotations

import datetime as dt
import threading
import time

import psycopg
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from gis.core.models import Municipality
from gis.hotspots.models import AnalysisRun
from gis.jobs.analyses import STOPPED, lock_key, run_analysis
from gis.jobs.batch import failures, plan, run_batch
from gis.jobs.models import JobRun
from tests.fixes.conftest import make_user
from walks.models import ResidentPin


def _empty_municipality(demo) -> Municipality:
    """A municipality with no reports at all (its heat map cannot be computed)."""
    xmin, ymin, _xmax, _ymax = demo.boundary.extent
    square = Polygon.from_bbox((xmin, ymin, xmin + 1000, ymin + 1000))
    square.srid = demo.boundary.srid
    return Municipality.objects.create(code="9999", name="Tom", boundary=MultiPolygon(square))


def test_a_run_is_recorded_and_a_rerun_on_the_same_data_skips(demo):
    first = run_analysis(demo.code, "heatmap")
    assert first["status"] == "done", first
    job = JobRun.objects.get(pk=first["job"])
    assert job.status == JobRun.Status.DONE and job.municipality == demo
    assert job.analysis == "heatmap" and len(job.fingerprint) == 64
    assert job.started <= job.ended and job.error == ""
    assert job.run_id == first["run"]
    assert AnalysisRun.objects.get(pk=first["run"]).kind == "heatmap"

    runs_before = AnalysisRun.objects.count()
    again = run_analysis(demo.code, "heatmap")
    assert again["status"] == "skipped" and again["job"] == job.pk
    assert AnalysisRun.objects.count() == runs_before
    assert JobRun.objects.filter(municipality=demo, analysis="heatmap").count() == 1

    # New data: the fingerprint changes and the heat map is computed again.
    pin = ResidentPin.objects.filter(municipality=demo).first()
    ResidentPin.objects.filter(pk=pin.pk).update(
        reported_at=pin.reported_at - dt.timedelta(hours=1)
    )
    third = run_analysis(demo.code, "heatmap")
    assert third["status"] == "done" and third["job"] != job.pk
    assert JobRun.objects.get(pk=third["job"]).fingerprint != job.fingerprint
    # Asked to, it computes even when nothing changed.
    assert run_analysis(demo.code, "heatmap", force=True)["status"] == "done"


def test_a_failure_is_recorded_with_its_error_and_the_next_run_goes_on(demo):
    empty = _empty_municipality(demo)
    failed = run_analysis(empty.code, "heatmap")
    assert failed["status"] == "failed" and "selection is empty" in failed["error"]
    job = JobRun.objects.get(pk=failed["job"])
    assert job.status == JobRun.Status.FAILED and "selection is empty" in job.error
    assert job.ended is not None and job.run is None
    # A failed run is not "done": the next run tries again.
    assert run_analysis(empty.code, "heatmap")["status"] == "failed"
    assert JobRun.objects.filter(municipality=empty).count() == 2
    assert run_analysis(demo.code, "gistar")["status"] == "done"
    assert run_analysis("nowhere", "heatmap")["error"] == "unknown municipality 'nowhere'"
    assert "analysis must be one of" in run_analysis(demo.code, "nothing")["error"]


def test_a_job_its_worker_left_running_is_marked_failed_by_the_next(demo):
    # Records of jobs whose worker was killed: still "running".
    stopped, other = (
        JobRun.objects.create(
            municipality=demo,
            analysis=analysis,
            fingerprint="0" * 64,
            started=dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC),
            status=JobRun.Status.RUNNING,
        )
        for analysis in ("heatmap", "gistar")
    )
    outcome = run_analysis(demo.code, "heatmap")
    assert outcome["status"] == "done", outcome
    stopped.refresh_from_db()
    assert stopped.status == JobRun.Status.FAILED and stopped.error == STOPPED
    assert stopped.ended is not None
    # Another analysis' job is another pair's: left as it was.
    other.refresh_from_db()
    assert other.status == JobRun.Status.RUNNING


def _waiting_for_lock(municipality_id: int, analysis: str, seconds: float = 20.0) -> bool:
    """Whether a session waits for the advisory lock of the pair (polled up to `seconds`)."""
    key = lock_key(analysis)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND classid = (%s::bigint & 4294967295)::oid AND objid = %s::oid",
                [key, municipality_id],
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def test_a_second_worker_given_the_same_job_waits_then_skips(committed_cleanup):
    from gis.demo.load import demo_municipality

    demo = demo_municipality()
    holder = psycopg.connect(**connection.get_connection_params(), autocommit=True)

    def run_beside(outcomes: list) -> threading.Thread:
        def work() -> None:
            try:
                outcomes.append(run_analysis(demo.code, "heatmap"))
            finally:
                from django.db import connections

                connections.close_all()

        thread = threading.Thread(target=work)
        thread.start()
        return thread

    try:
        for expected in ("done", "skipped"):
            # Another worker holds the pair's lock: this one waits for it.
            holder.execute("SELECT pg_advisory_lock(%s, %s)", [lock_key("heatmap"), demo.pk])
            outcomes: list = []
            thread = run_beside(outcomes)
            assert _waiting_for_lock(demo.pk, "heatmap"), "the second worker did not wait"
            assert thread.is_alive() and outcomes == []
            holder.execute("SELECT pg_advisory_unlock(%s, %s)", [lock_key("heatmap"), demo.pk])
            thread.join(timeout=120)
            assert not thread.is_alive()
            # First it computes; given the same job again, it finds it done for the same data.
            assert [o["status"] for o in outcomes] == [expected], outcomes
    finally:
        holder.close()


@pytest.fixture
def committed_cleanup(django_db_setup, django_db_blocker):
    """Database access outside a test transaction (dask's worker threads commit what they
    write); the job records and runs the test made are deleted afterwards."""
    with django_db_blocker.unblock():
        last_job = JobRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        last_run = AnalysisRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        try:
            yield
        finally:
            JobRun.objects.filter(pk__gt=last_job).delete()
            AnalysisRun.objects.filter(pk__gt=last_run).delete()


def test_on_dask_one_failing_municipality_never_stops_another(committed_cleanup):
    from dask.distributed import Client, LocalCluster

    from gis.demo.load import demo_municipality

    demo = demo_municipality()
    pairs = [("nowhere", "heatmap"), *plan([demo.code], ["heatmap"])]
    seen = []
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        outcomes = run_batch(
            pairs, client, report=lambda done, total, o: seen.append((done, total))
        )
        assert sorted(seen) == [(1, 2), (2, 2)]
        by_code = {o["municipality"]: o for o in outcomes}
        assert by_code["nowhere"]["status"] == "failed"
        assert by_code[demo.code]["status"] == "done"
        assert [o["municipality"] for o in failures(outcomes)] == ["nowhere"]
        assert JobRun.objects.get(pk=by_code[demo.code]["job"]).status == JobRun.Status.DONE
        # The rerun skips what is done for the same data.
        again = run_batch(plan([demo.code], ["heatmap"]), client)
        assert [o["status"] for o in again] == ["skipped"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "give --municipality CODE ... or --all"),
        (("--municipality", "nowhere"), "--municipality must be among"),
        (("--all", "--workers", "0"), "--workers must be at least 1"),
        (("--all", "--workers", "two"), "--workers must be an integer"),
        (("--all", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"), "--workers sizes"),
    ],
)
def test_nightly_refuses_bad_options_in_one_line(demo, arguments, message):
    with pytest.raises(CommandError, match=message) as raised:
        call_command("nightly", *arguments)
    assert "\n" not in str(raised.value)


def test_recompute_enqueues_a_task_that_a_worker_completes(client, demo):
    client.force_login(make_user("analyst"))
    assert client.post("/fixes/recompute/", {"municipality": demo.code}).status_code == 403
    client.force_login(make_user("planner", "planner-2"))
    response = client.post("/fixes/recompute/", {"municipality": "nowhere"})
    assert response.status_code == 400 and "municipality" in response.json()
    runs_before = AnalysisRun.objects.filter(kind="prioritise").count()
    response = client.post("/fixes/recompute/", {"municipality": demo.code})
    assert response.status_code == 302
    task = DBTaskResult.objects.get()
    assert response["Location"] == reverse("jobs:task", args=[task.id])
    # Nothing was computed in the request: the task waits for a worker.
    assert AnalysisRun.objects.filter(kind="prioritise").count() == runs_before
    assert task.status == TaskResultStatus.READY
    assert task.args_kwargs["args"] == [demo.code, "prioritise", response.wsgi_request.user.pk]
    status_url = reverse("jobs:task-status", args=[task.id])
    assert client.get(status_url).json()["state"] == "queued"
    page = client.get(f"/en/analyses/{task.id}/")
    assert page.status_code == 200 and b"Waiting for a worker" in page.content

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    task.claim("test-worker")
    assert client.get(status_url).json()["state"] == "running"
    worker.run_task(task)

    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL, task.traceback
    status = client.get(status_url).json()
    assert status["state"] == "done" and status["outcome"] == "done" and status["fixes"] > 0
    run = AnalysisRun.objects.filter(kind="prioritise").latest("created_at")
    assert run.created_by == response.wsgi_request.user
    job = JobRun.objects.get(run=run)
    assert job.analysis == "prioritise" and job.status == JobRun.Status.DONE

    # Another municipality's coordinator cannot see the task.
    client.force_login(make_user("coordinator", "elsewhere"))
    from django.contrib.auth.models import User

    User.objects.get(username="elsewhere").municipalities.clear()
    assert client.get(status_url).status_code == 404
    assert client.get(reverse("jobs:task", args=["not-a-uuid"])).status_code == 404
