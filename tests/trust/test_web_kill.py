"""The web server dies (SIGKILL of gunicorn's master and workers) with uploads in flight, comes
back, and the phones replay their queues: every finding and photo is stored exactly once.

A gunicorn of its own on the session's test database; three phones with the field app's outbox
(`gis/drills/phones.py`, the same client as the crash benchmark). Replayed with the same
client_uuid: a finding and a photo stored before the kill whose answers were lost (the replays
answer 200), a finding and a photo delivered to the frozen server and never processed (201),
the uploads queued while the server was down (201), and everything one phone ever sent (200).
The server commits what it writes, so the walk is created outside the per-test transaction and
deleted at the end with its photo files.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter

import pytest
from django.db import connections

from gis.drills.phones import (
    Outbox,
    Upload,
    bench_walk,
    crash_server,
    finding_upload,
    gunicorn_command,
    join_upload,
    photo_upload,
    sample_jpeg,
    start_server,
    stop_server,
)
from gis.drills.reaper import subreaper
from gis.loopback import free_port
from walks.models import FindingPhoto, WalkFinding


class Gunicorn:
    """gunicorn (one gthread worker) on the test database, that can be frozen, killed and
    started again on the same port."""

    def __init__(self, database: str, srid: int, log) -> None:
        self.port = free_port()
        self.command = gunicorn_command(self.port, workers=1, threads=4)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "gis.settings.test",
            "TRYGG_DB_NAME": database,
            "TRYGG_DEFAULT_SRID": str(srid),
            "TRYGG_LOG_LEVEL": "WARNING",
        }
        self.log = log
        self.process = None

    def start(self) -> None:
        self.process = start_server(self.command, self.env, self.port, log=self.log)

    def freeze(self) -> None:
        """SIGSTOP the group: connections are still accepted by the kernel, nothing is read."""
        os.killpg(self.process.pid, signal.SIGSTOP)

    def crash(self) -> None:
        crash_server(self.process, self.port)

    def stop(self) -> None:
        if self.process is not None:
            stop_server(self.process)


@pytest.fixture
def walk_and_points(django_db_setup, django_db_blocker):
    """A committed walk in the demo (the server sees it); deleted with its photo files."""
    with django_db_blocker.unblock():
        walk, points = bench_walk(f"Krasch {uuid.uuid4().hex[:6]}", segments=20)
        yield walk, points
        for photo in FindingPhoto.objects.filter(finding__walk=walk):
            photo.image.delete(save=False)
            photo.thumbnail.delete(save=False)
        walk.delete()
        connections.close_all()


@pytest.fixture
def server(test_database_name, tmp_path):
    from django.conf import settings

    gunicorn = Gunicorn(test_database_name, settings.TRYGG_SRID, tmp_path / "server.log")
    with subreaper():  # the killed worker is reaped here rather than left to init
        try:
            gunicorn.start()
            yield gunicorn
        finally:
            gunicorn.stop()


def _drain(phones: list[Outbox], rounds: int = 20) -> None:
    """Flush every phone until nothing is queued (retrying at once instead of backing off)."""
    for _ in range(rounds):
        for phone in phones:
            phone.retry_now()
            phone.flush()
        if not any(phone.pending() for phone in phones):
            for phone in phones:
                phone.drop()
            return
    outcomes = Counter(a.outcome for phone in phones for a in phone.attempts)
    raise AssertionError(f"still queued after {rounds} rounds; outcomes {dict(outcomes)}")


def _wait_stored(finding: Upload, photo: Upload, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not (
        WalkFinding.objects.filter(client_uuid=finding.client_uuid).exists()
        and FindingPhoto.objects.filter(client_uuid=photo.client_uuid).exists()
    ):
        assert time.monotonic() < deadline, "the uploads whose answer was lost were not stored"
        time.sleep(0.05)


def test_sigkill_with_uploads_in_flight_then_replay_stores_each_once(server, walk_and_points):
    walk, points = walk_and_points
    code, jpeg = walk.join_code, sample_jpeg(7)
    phones = [Outbox(server.port, str(uuid.uuid4()), seed) for seed in range(3)]

    def new_finding(phone: Outbox, index: int) -> Upload:
        upload = finding_upload(code, phone.device, points[index % len(points)], phone.random)
        return phone.add(upload)

    def new_photo(phone: Outbox, finding: Upload) -> Upload:
        return phone.add(photo_upload(code, finding, jpeg))

    # Before the crash: every phone joins and sends three findings, the first with a photo.
    firsts = []
    for number, phone in enumerate(phones):
        phone.add(join_upload(code, phone.device))
        firsts.append(new_finding(phone, 3 * number))
        new_photo(phone, firsts[-1])
        new_finding(phone, 3 * number + 1)
        new_finding(phone, 3 * number + 2)
    _drain(phones)
    assert {u.status for p in phones for u in p.uploads.values()} == {201}

    # Stored, but the answer is lost: a finding, and a second photo of an acknowledged finding.
    answer_lost = [new_finding(phones[0], 9), new_photo(phones[1], firsts[1])]
    phones[0].send_and_lose_answer(answer_lost[0])
    phones[1].send_and_lose_answer(answer_lost[1])
    _wait_stored(*answer_lost)

    # Delivered to the server's sockets but never processed: the group is frozen, then killed.
    server.freeze()
    frozen_finding = new_finding(phones[2], 10)
    never_processed = [frozen_finding, new_photo(phones[2], firsts[2])]
    for upload in never_processed:
        phones[2].send_and_lose_answer(upload)
    waiting_photo = new_photo(phones[2], frozen_finding)  # waits for its finding's answer
    server.crash()

    # While the server is down: new uploads are refused and stay queued.
    while_down = [new_finding(phone, 11 + n) for n, phone in enumerate(phones)]
    while_down.append(new_photo(phones[0], while_down[0]))
    for phone in phones:
        phone.retry_now()
        assert phone.flush() is False
    replayed = [*answer_lost, *never_processed, waiting_photo, *while_down]
    assert all(u.status is None for u in replayed)

    server.start()
    _drain(phones)
    assert [u.status for u in answer_lost] == [200, 200]
    assert [u.status for u in never_processed] == [201, 201]
    assert [u.status for u in [waiting_photo, *while_down]] == [201] * 5

    # A phone that lost its record of what was saved sends everything again.
    for upload in phones[1].uploads.values():
        upload.status = None
    _drain(phones[1:2])
    assert {u.status for u in phones[1].uploads.values()} == {200}
    sent = [u for p in phones for u in p.uploads.values()]
    assert not [u for u in sent if u.rejected]

    findings = Counter(
        str(u) for u in WalkFinding.objects.filter(walk=walk).values_list("client_uuid", flat=True)
    )
    assert findings == Counter(u.client_uuid for u in sent if u.kind == "finding")
    photos = FindingPhoto.objects.filter(finding__walk=walk).select_related("finding")
    stored = Counter((str(p.client_uuid), str(p.finding.client_uuid)) for p in photos)
    assert stored == Counter((u.client_uuid, u.parent) for u in sent if u.kind == "photo")
    assert all(p.image.storage.exists(p.image.name) for p in photos)
