"""Every migration applies backwards and forwards on a database holding the demo data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

from gis.backup import create_backup, restore_backup
from tests._cli import trygg
from tests.trust._pg import fingerprints, scratch_database

ROOT = Path(__file__).resolve().parents[2]


def test_migrate_to_zero_and_back_with_the_demo(test_database_name, tmp_path):
    name = f"migrate_test_{os.getpid()}"
    with scratch_database(name):
        # The demo, as the session loaded it, copied through a backup of the test database.
        archive = create_backup(connection.settings_dict, tmp_path / "none", tmp_path).path
        target = {**connection.settings_dict, "NAME": name}
        restored = restore_backup(archive, target, tmp_path / "media")
        assert restored.tables["public.walks_residentpin"] > 1000

        result = subprocess.run(
            [sys.executable, "-m", "tests.trust._migrations_round_trip"],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "gis.settings.test",
                "TRYGG_DB_NAME": name,
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    # The kernel and the apps the reshaping made, and `trygg`, which keeps the history of the
    # models that moved out of it (its migrations 0001-0003, state only after 0002).
    apps = {"core", "layers", "walks", "hotspots", "fixes", "trygg", "auth", "contenttypes"}
    assert apps <= set(found["apps"])
    assert found["applied_before"] == found["migrations"]
    assert found["left_applied"] == []
    assert found["left_tables"] == ["django_migrations"]
    assert found["applied_after"] == found["migrations"]
    assert found["categories"] == 9  # the data migration ran again
    assert found["moved_content_types"] == [
        "core.municipality",
        "fixes.fix",
        "fixes.fixstatuschange",
        "hotspots.analysisrun",
        "hotspots.hotspotcell",
    ]


def test_the_reshaping_rolls_back_on_the_old_releases_data(tmp_path, embedded_cluster):
    """The backup of the release before the reshaping (tests/data/README.md), migrated up and
    back down with `trygg migrate core zero` (which takes every migration built on the kernel
    with it): the database is the old release's again, row for row, and forward once more is
    the upgraded one. The state-only moves reverse, the content types get their old labels back
    under the same ids, and no content type or permission is made for the new labels."""
    archive = ROOT / "tests/data/backup-before-house.tar"
    name = f"rollback_test_{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gis.settings.test",
        "TRYGG_DB_NAME": name,
    }
    with scratch_database(name) as dbparams:
        restore_backup(archive, {**connection.settings_dict, "NAME": name}, tmp_path)
        old = fingerprints(dbparams)
        up = trygg("migrate", "--no-input", env=env)
        assert up.returncode == 0, up.stderr[-3000:]
        upgraded = fingerprints(dbparams)
        down = trygg("migrate", "core", "zero", "--no-input", env=env)
        assert down.returncode == 0, down.stderr[-3000:]
        assert down.stdout.count("Unapplying ") == 28
        rolled_back = fingerprints(dbparams)
        up_again = trygg("migrate", "--no-input", env=env)
        assert up_again.returncode == 0, up_again.stderr[-3000:]
        again = fingerprints(dbparams)

    assert upgraded != old
    # Only the sequence of django_migrations remembers the seventeen rows applied and removed, and
    # the groups keep the roles this release added (partner): groups are data, not schema.
    sequence = "public.django_migrations_id_seq"
    new_roles = {
        "public.auth_group",
        "public.auth_group_id_seq",
        "public.auth_group_permissions",
        "public.auth_group_permissions_id_seq",
    }
    # The models this release adds (the basemap's, layers/0005, and the import batches',
    # layers/0006) keep their content types and permissions: Django leaves them when a
    # migration is unapplied.
    new_models = {
        "public.django_content_type",
        "public.django_content_type_id_seq",
        "public.auth_permission",
        "public.auth_permission_id_seq",
    }
    changed = {key for key in old if old[key] != rolled_back.get(key)}
    assert changed == {sequence, *new_roles, *new_models}
    assert rolled_back.keys() == old.keys()
    # Forward again: the upgraded database, but for the times the migrations were applied.
    assert {key for key in upgraded if upgraded[key] != again.get(key)} == {
        "public.django_migrations",
        sequence,
    }
    assert again["public.django_migrations"][0] == upgraded["public.django_migrations"][0]
