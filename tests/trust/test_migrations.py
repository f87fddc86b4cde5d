"""Every migration applies backwards and forwards on a database holding the demo data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

from gis.backup import create_backup, restore_backup
from tests.trust._pg import scratch_database

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
    assert {"layers", "walks", "trygg", "auth", "contenttypes"} <= set(found["apps"])
    assert found["applied_before"] == found["migrations"]
    assert found["left_applied"] == []
    assert found["left_tables"] == ["django_migrations"]
    assert found["applied_after"] == found["migrations"]
    assert found["categories"] == 9  # the data migration ran again
