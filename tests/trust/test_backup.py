"""`trygg backup` / `trygg restore`: a round trip of the demo database and media files, no diff."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from PIL import Image

from gis.backup import (
    BackupError,
    connection_params,
    read_manifest,
    restore_backup,
    verify_archive,
)
from tests.trust._pg import file_hashes, fingerprints, params, scratch_database

ROOT = Path(__file__).resolve().parents[2]


def make_media(root: Path) -> None:
    """A photo, its thumbnail, a raster and an awkward file name, as uploads would leave them."""
    rng = np.random.default_rng(7)
    photo = Image.fromarray(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    (root / "findings/2026/03").mkdir(parents=True)
    (root / "findings/thumbs/2026/03").mkdir(parents=True)
    (root / "analysis").mkdir()
    (root / "pins/2026/03").mkdir(parents=True)
    photo.save(root / "findings/2026/03/lamp.jpg", quality=90)
    photo.resize((40, 30)).save(root / "findings/thumbs/2026/03/lamp.jpg")
    (root / "analysis/heatmap.tif").write_bytes(rng.bytes(50_000))
    (root / "pins/2026/03/Östra parken 1.jpg").write_bytes(rng.bytes(3_000))


def trygg(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gis.cli", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def source(test_database_name, tmp_path_factory) -> tuple[Path, Path]:
    """A backup of the session's demo database plus media files: (archive, media root)."""
    media = tmp_path_factory.mktemp("media")
    make_media(media)
    output = tmp_path_factory.mktemp("backups")
    with override_settings(MEDIA_ROOT=str(media)):
        call_command("backup", output=str(output), stdout=io.StringIO())
    (archive,) = output.glob("trygg-*.tar")
    return archive, media


def test_round_trip_has_no_diff(source, test_database_name, tmp_path):
    archive, media = source
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # it holds contact details
    manifest = read_manifest(archive)
    assert manifest["tables"]["public.walks_residentpin"] > 1000
    assert "media/pins/2026/03/Östra parken 1.jpg" in manifest["files"]

    restored_media = tmp_path / "restored-media"
    name = f"restore_test_{os.getpid()}"
    env = {
        "DJANGO_SETTINGS_MODULE": "gis.settings.demo",
        "TRYGG_DB_NAME": name,
        "TRYGG_MEDIA_ROOT": str(restored_media),
    }
    with scratch_database(name) as target:
        result = trygg("restore", str(archive), env=env)
        assert result.returncode == 0, result.stderr
        assert "media files" in result.stdout

        expected = fingerprints(params(test_database_name))
        assert len(expected) > 30
        assert fingerprints(target) == expected
        assert file_hashes(restored_media) == file_hashes(media)

        # A second restore into the now non-empty database is refused in one line...
        again = trygg("restore", str(archive), env=env)
        lines = again.stderr.strip().splitlines()
        assert again.returncode == 1 and len(lines) == 1
        assert lines[0].startswith(f"CommandError: database {name} is not empty")
        assert "--force" in lines[0]
        # ... and with --force replaces the contents, still without a diff.
        forced = trygg("restore", str(archive), "--force", env=env)
        assert forced.returncode == 0, forced.stderr
        assert fingerprints(target) == expected
        assert file_hashes(restored_media) == file_hashes(media)


def test_backup_command_reports_what_it_wrote(test_database_name, tmp_path):
    out = io.StringIO()
    with override_settings(MEDIA_ROOT=str(tmp_path / "no-media")):
        call_command("backup", output=str(tmp_path / "b"), stdout=out)
    assert out.getvalue().startswith("backup written: ")
    assert "0 media files" in out.getvalue()
    (archive,) = (tmp_path / "b").glob("*.tar")
    assert verify_archive(archive)["files"].keys() == {"db.dump"}


def _rewrite(archive: Path, target: Path, change) -> Path:
    """Copy an archive member by member, letting `change(name, data)` alter the content."""
    with tarfile.open(archive) as src, tarfile.open(target, "w") as dst:
        for member in src:
            data = change(member.name, src.extractfile(member).read())
            if data is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return target


def test_corrupt_member_is_refused(source, tmp_path):
    archive, _ = source

    def flip(name, data):
        if name == "media/analysis/heatmap.tif":
            return data[:100] + bytes([data[100] ^ 1]) + data[101:]
        return data

    bad = _rewrite(archive, tmp_path / "bad.tar", flip)
    with pytest.raises(BackupError, match=r"heatmap.tif' is corrupt"):
        verify_archive(bad)


def test_missing_and_unlisted_members_are_refused(source, tmp_path):
    archive, _ = source
    dropped = _rewrite(archive, tmp_path / "d.tar", lambda n, d: None if n == "db.dump" else d)
    with pytest.raises(BackupError, match=r"'db\.dump' is missing"):
        verify_archive(dropped)

    def traverse(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["files"]["media/../../etc/cron.d/x"] = {"sha256": "0", "size": 1}
        return json.dumps(manifest).encode()

    evil = _rewrite(archive, tmp_path / "e.tar", traverse)
    with tarfile.open(evil, "a") as tar:
        info = tarfile.TarInfo("media/../../etc/cron.d/x")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BackupError, match="is not allowed"):
        verify_archive(evil)


def test_not_a_backup_is_refused(tmp_path):
    plain = tmp_path / "plain.tar"
    with tarfile.open(plain, "w") as tar:
        tar.addfile(tarfile.TarInfo("hello"), io.BytesIO(b""))
    with pytest.raises(BackupError, match="is not a Trygg backup"):
        read_manifest(plain)
    with pytest.raises(CommandError, match="no such archive"):
        call_command("restore", str(tmp_path / "missing.tar"))


def test_other_srid_is_refused_before_touching_the_database(source, tmp_path):
    archive, _ = source
    with pytest.raises(BackupError, match="made with TRYGG_SRID=3067 but this installation uses"):
        restore_backup(archive, {"NAME": "never_connected"}, tmp_path, srid=3006)


def test_missing_database_is_one_line(source, tmp_path):
    archive, _ = source
    settings_dict = {"NAME": f"no_such_db_{os.getpid()}", **_server()}
    with pytest.raises(BackupError, match=r"cannot connect to database no_such_db_\d+: "):
        restore_backup(archive, settings_dict, tmp_path)


def _server() -> dict:
    server = params("postgres")
    return {"HOST": server.get("host", ""), "USER": server.get("user", "")}


def test_connection_params_from_database_url():
    import dj_database_url

    config = dj_database_url.parse("postgis://u:s3cret@db.example:5433/trygg?sslmode=require")
    config["OPTIONS"]["connect_timeout"] = 5
    config["OPTIONS"]["isolation_level"] = 1  # Django's own option: not for libpq
    assert connection_params(config) == {
        "dbname": "trygg",
        "user": "u",
        "password": "s3cret",
        "host": "db.example",
        "port": "5433",
        "sslmode": "require",
        "connect_timeout": "5",
    }
    socket = {"NAME": "trygg", "USER": "trygg", "HOST": "/srv/var/run", "PORT": ""}
    assert connection_params(socket) == {"dbname": "trygg", "user": "trygg", "host": "/srv/var/run"}
