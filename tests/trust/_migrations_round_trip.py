"""Run in a subprocess on a scratch database: migrate every app back to zero, then forward.

Prints one JSON line with what it found; exits non-zero with the traceback on the first error.
"""

from __future__ import annotations

import io
import json

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    from gis.backup import connection_params, user_relations

    def tables() -> list[str]:
        import psycopg

        with psycopg.connect(**connection_params(connection.settings_dict)) as conn:
            return [n for _, n, kind in user_relations(conn) if kind == "r"]

    loader = MigrationLoader(connection)
    every = set(loader.graph.nodes)
    before = set(MigrationRecorder(connection).applied_migrations())
    out = io.StringIO()
    for app in sorted(loader.migrated_apps):
        call_command("migrate", app, "zero", interactive=False, verbosity=0, stdout=out)
    connection.close()
    left_applied = sorted(MigrationRecorder(connection).applied_migrations())
    left_tables = tables()
    call_command("migrate", interactive=False, verbosity=0, stdout=out)
    after = set(MigrationRecorder(connection).applied_migrations())
    from django.contrib.contenttypes.models import ContentType

    from walks.models import Category

    moved = ["municipality", "analysisrun", "hotspotcell", "fix", "fixstatuschange"]
    print(
        json.dumps(
            {
                "apps": sorted(loader.migrated_apps),
                "moved_content_types": sorted(
                    f"{ct.app_label}.{ct.model}"
                    for ct in ContentType.objects.filter(model__in=moved)
                ),
                "applied_before": len(before & every),
                "migrations": len(every),
                "left_applied": [list(key) for key in left_applied],
                "left_tables": left_tables,
                "applied_after": len(after & every),
                "categories": Category.objects.count(),
            }
        )
    )


if __name__ == "__main__":
    main()
