"""An installation of the release before the house was reshaped upgrades with nothing lost.

`tests/data/backup-before-house.tar` is a real `trygg backup` made by that release (commit
7da4561, see tests/data/README.md): the municipality still in `layers`, analysis runs, hotspot
cells, fixes and their history in `trygg`, a coordinator with a role and direct permissions, a
fix history and an admin log entry. It is restored into a scratch database and migrated by this
release in a subprocess, as an operator would. The moved models keep their tables, so every row
must be as it was; what changes is named below, and why.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from gis.backup import read_manifest, restore_backup, table_counts, user_functions
from gis.core.roles import ROLE_PERMISSIONS
from tests._cli import trygg
from tests.trust._pg import fingerprints, scratch_database

ROOT = Path(__file__).resolve().parents[2]
ARCHIVE = ROOT / "tests/data/backup-before-house.tar"
USERNAME = "coordinator_v1"

# The migrations since that release, the reshaping's, the stored parts of place names
# (layers/0004), the basemap (layers/0005) and the import batches (layers/0006): the only rows
# the upgrade adds anywhere.
NEW_MIGRATIONS = {
    ("core", "0001_initial"),
    ("hotspots", "0001_initial"),
    ("fixes", "0001_initial"),
    ("fixes", "0002_shared_status_history"),
    ("walks", "0006_municipality_in_core"),
    ("trygg", "0003_models_to_apps"),
    ("layers", "0003_municipality_to_core"),
    ("layers", "0004_named_places"),
    ("layers", "0005_basemap"),
    ("layers", "0006_imports"),
    ("core", "0002_partners"),
    ("layers", "0008_incident_partner"),
    ("walks", "0007_pin_partner"),
    ("layers", "0009_properties"),
    ("walks", "0008_pin_routing"),
    ("layers", "0010_import_jobs"),
    ("fixes", "0003_property_fixes"),
    ("presence", "0001_initial"),
    ("riskcalendar", "0001_initial"),
    ("walks", "0009_walk_stops"),
    ("notices", "0001_initial"),
    ("campaigns", "0001_initial"),
    # Indexes leading with the municipality (docs/scaling.md): no data changes.
    ("walks", "0010_municipality_indexes"),
    ("layers", "0011_municipality_indexes"),
    ("fixes", "0004_municipality_indexes"),
    # Analysis jobs (gis.jobs) and the background tasks' table of the django-tasks database
    # backend (its migration is ours: gis/jobs/tasks_db).
    ("jobs", "0001_initial"),
    ("django_tasks_database", "0001_initial"),
    # The change log that versions the cached report tiles, and its triggers.
    ("dashboard", "0001_initial"),
}
# Roles this release adds: `migrate` makes their groups and grants (gis.core.roles).
NEW_ROLES = ("partner",)
NEW_GRANTS = sum(len(set(ROLE_PERMISSIONS[role])) for role in NEW_ROLES)
# Permissions this release adds to the roles that were there: the municipal properties
# (layers/0009) are seen by every role that sees all layers, and kept by coordinators and planners.
PROPERTY_GRANTS = sum(
    permission.endswith("_property")
    for role, permissions in ROLE_PERMISSIONS.items()
    if role not in NEW_ROLES
    for permission in set(permissions)
)
# Apps this release adds: every role that sees all layers sees their records too, and the
# coordinator keeps them (gis.core.roles).
NEW_APPS = ("presence", "riskcalendar", "notices", "campaigns")
NEW_APP_GRANTS = sum(
    permission.split(".", 1)[0] in NEW_APPS
    for role, permissions in ROLE_PERMISSIONS.items()
    if role not in NEW_ROLES
    for permission in set(permissions)
)
# Permissions beyond add/change/delete/view that the new models declare (Meta.permissions).
CUSTOM_PERMISSIONS = ("presence.log_visit",)
# Grants this release adds to roles that existed before: the coordinator manages partners.
ADDED_GRANTS = (
    "core.add_partner",
    "core.change_partner",
    "core.view_partner",
    "core.add_partnerkey",
    "core.change_partnerkey",
    "core.view_partnerkey",
    "core.view_partnerkeyuse",
)
NEW_GRANTS = sum(len(set(ROLE_PERMISSIONS[role])) for role in NEW_ROLES) + len(ADDED_GRANTS)
# Grants this release adds to roles that existed: the import page (layers.add_importbatch) for
# coordinators and planners.
NEW_GRANTS_OF_OLD_ROLES = 2
# Moved models: model -> (old app label, new app label). Their content types are re-labelled in
# place, so the permissions, grants and log entries that point at their ids stay as they are.
MOVED = {
    "municipality": ("layers", "core"),
    "analysisrun": ("trygg", "hotspots"),
    "hotspotcell": ("trygg", "hotspots"),
    "fix": ("trygg", "fixes"),
    "fixstatuschange": ("trygg", "fixes"),
}
# Models the upgrade adds: the basemap's (layers/0005) and the import batches' (layers/0006).
# Their tables and id sequences appear, empty, and each has a content type and four permissions.
# The partners' (core/0002) and the municipal properties' (layers/0009) too. (app label, model)
NEW_MODELS = (
    ("layers", "basemapfeature"),
    ("layers", "importbatch"),
    ("layers", "importchange"),
    ("layers", "importprofile"),
    ("core", "partner"),
    ("core", "partnerkey"),
    ("core", "partnerkeyuse"),
    ("layers", "property"),
    ("layers", "importjob"),
    ("presence", "presenceresource"),
    ("presence", "presenceplan"),
    ("presence", "plannedvisit"),
    ("presence", "presencemeasure"),
    ("riskcalendar", "calendarentry"),
    ("walks", "walkstop"),
    ("notices", "noticesettings"),
    ("notices", "subscription"),
    ("notices", "message"),
    ("notices", "personaldatarequest"),
    ("campaigns", "campaign"),
    ("campaigns", "campaignresponse"),
    ("campaigns", "campaigncontact"),
    ("campaigns", "campaignfeature"),
    ("campaigns", "campaignphoto"),
    ("jobs", "jobrun"),
    ("dashboard", "mapchange"),
    ("django_tasks_database", "dbtaskresult"),
)
# Their tables, and the tables of their many-to-many fields.
NEW_TABLES = (*(f"{app}_{model}" for app, model in NEW_MODELS), "core_partner_members")
NEW_RELATIONS = {f"public.{table}{suffix}" for table in NEW_TABLES for suffix in ("", "_id_seq")}
# The background tasks' results are keyed by a UUID: no sequence.
NEW_RELATIONS -= {"public.django_tasks_database_dbtaskresult_id_seq"}
# Relations whose fingerprint (ordered MD5 of the rows, or a sequence's position) the upgrade
# changes, and why:
CHANGED = {
    "public.django_migrations": "gains exactly the rows of NEW_MIGRATIONS",
    "public.django_migrations_id_seq": "advanced by those rows",
    "public.layers_streetsegment": "the parts of place names (layers/0004): the named place "
    "nearby of each segment without a name, no house numbers yet; an empty import batch "
    "(layers/0006)",
    "public.layers_greenarea": "the named place nearby of each green area without a name; an "
    "empty import batch (layers/0006)",
    **{
        f"public.layers_{table}": "each row gains an empty import batch (layers/0006)"
        for table in ("camera", "district", "luxreading", "streetlamp", "vegetation")
    },
    "public.layers_incident": "each row gains an empty import batch and span end (layers/0006), "
    "no partner, severity or young people met (layers/0008) and no property (layers/0009)",
    "public.walks_residentpin": "each pin gains an empty partner (walks/0007), an empty routed "
    "department and no property (walks/0008: it falls back to its category's owner)",
    "public.walks_safetywalk": "each walk gains empty plan inputs (walks/0009)",
    "public.trygg_fix": "each fix gains an empty property (fixes/0003)",
    "public.django_content_type": "the five moved models' rows carry their new app label; "
    "NEW_MODELS gain theirs",
    "public.django_content_type_id_seq": "advanced by the content types of NEW_MODELS",
    "public.auth_permission": "the four permissions of each of NEW_MODELS",
    "public.auth_permission_id_seq": "advanced by those permissions",
    **{
        f"public.{table}": "gains the groups and grants of NEW_ROLES, PROPERTY_GRANTS and the "
        "import page's grant of coordinators and planners"
        for table in (
            "auth_group",
            "auth_group_id_seq",
            "auth_group_permissions",
            "auth_group_permissions_id_seq",
        )
    },
}


@dataclass
class Upgrade:
    """The scratch database restored from the old archive and migrated by this release."""

    name: str
    env: dict[str, str]
    dbparams: dict[str, str]
    manifest: dict
    before: dict[str, tuple]  # fingerprints as restored (the old release's database)
    after: dict[str, tuple]  # fingerprints after `migrate`
    content_types_before: dict[int, tuple[str, str]]
    applied_before: set[tuple[str, str]]  # django_migrations as restored
    applied_after: set[tuple[str, str]]  # ... and after `migrate`
    migrate_output: str


def content_types(dbparams: dict[str, str]) -> dict[int, tuple[str, str]]:
    with psycopg.connect(**dbparams) as conn:
        rows = conn.execute("SELECT id, app_label, model FROM django_content_type")
        return {pk: (app, model) for pk, app, model in rows}


def migrations(dbparams: dict[str, str]) -> set[tuple[str, str]]:
    with psycopg.connect(**dbparams) as conn:
        return set(conn.execute("SELECT app, name FROM django_migrations").fetchall())


def status_width(dbparams: dict[str, str]) -> int:
    """Width of the fix history's `to_status` column (fixes/0002 widens it from 16 to 20)."""
    with psycopg.connect(**dbparams) as conn:
        return conn.execute(
            "SELECT character_maximum_length FROM information_schema.columns "
            "WHERE table_name = 'trygg_fixstatuschange' AND column_name = 'to_status'"
        ).fetchone()[0]


def function_names(dbparams: dict[str, str]) -> set[str]:
    """The names of the database's own functions (not an extension's), as a restore sees them."""
    with psycopg.connect(**dbparams) as conn:
        return {name for _, name, _ in user_functions(conn)}


@pytest.fixture(scope="module")
def upgrade(embedded_cluster, tmp_path_factory) -> Upgrade:
    assert ARCHIVE.stat().st_size < 2_000_000  # a test fixture, kept small
    manifest = read_manifest(ARCHIVE)
    # The archive is the old release's: otherwise this test would prove nothing.
    assert manifest["database"]["migrations"]["trygg"] == "0002_fix_workflow"
    assert manifest["database"]["migrations"]["layers"] == "0002_municipality_staff"

    name = f"upgrade_test_{os.getpid()}"
    media = tmp_path_factory.mktemp("upgrade-media")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gis.settings.demo",
        "TRYGG_DB_NAME": name,
        "TRYGG_MEDIA_ROOT": str(media),
        "TRYGG_SRID": str(manifest["database"]["srid"]),
    }
    with scratch_database(name) as dbparams:
        target = {**settings.DATABASES["default"], "NAME": name}
        restored = restore_backup(ARCHIVE, target, media)
        assert restored.tables == manifest["tables"]
        before = fingerprints(dbparams)
        types_before = content_types(dbparams)
        applied_before = migrations(dbparams)
        migrated = trygg("migrate", "--no-input", env=env)
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        yield Upgrade(
            name=name,
            env=env,
            dbparams=dbparams,
            manifest=manifest,
            before=before,
            after=fingerprints(dbparams),
            content_types_before=types_before,
            applied_before=applied_before,
            applied_after=migrations(dbparams),
            migrate_output=migrated.stdout,
        )


def test_migrate_applies_only_the_reshaping(upgrade):
    applied = {
        tuple(line.split()[1].rstrip(".").split(".", 1))
        for line in upgrade.migrate_output.splitlines()
        if line.strip().startswith("Applying ")
    }
    assert applied == NEW_MIGRATIONS
    assert "OK" in upgrade.migrate_output


def test_every_row_is_kept(upgrade):
    with psycopg.connect(**upgrade.dbparams) as conn:
        counts = table_counts(conn)
    expected = dict(upgrade.manifest["tables"])
    expected["public.django_migrations"] += len(NEW_MIGRATIONS)
    expected["public.auth_group"] += len(NEW_ROLES)
    expected["public.auth_group_permissions"] += (
        NEW_GRANTS + PROPERTY_GRANTS + NEW_GRANTS_OF_OLD_ROLES + NEW_APP_GRANTS
    )
    # The tables of NEW_MODELS appear, empty (the basemap's until the next load-osm), with the
    # content type and the four permissions of each model.
    expected.update({f"public.{table}": 0 for table in NEW_TABLES})
    expected["public.django_content_type"] += len(NEW_MODELS)
    expected["public.auth_permission"] += 4 * len(NEW_MODELS) + len(CUSTOM_PERMISSIONS)
    # No other table appears or disappears; content types and permissions gain no rows for the
    # moved models; the groups gain the new roles; every other table has the backup's count.
    assert counts == expected
    assert counts["public.django_content_type"] == 31 + len(NEW_MODELS)
    assert counts["public.auth_permission"] == (125 + 4 * len(NEW_MODELS) + len(CUSTOM_PERMISSIONS))
    assert counts["public.auth_group_permissions"] == (
        196 + NEW_GRANTS + PROPERTY_GRANTS + NEW_GRANTS_OF_OLD_ROLES + NEW_APP_GRANTS
    )

    # Stronger than counts: every relation's rows are identical (ordered MD5), every sequence
    # where it was, except the relations named in CHANGED.
    changed = {key for key in upgrade.before if upgrade.before[key] != upgrade.after.get(key)}
    assert upgrade.after.keys() - upgrade.before.keys() == NEW_RELATIONS
    assert upgrade.before.keys() <= upgrade.after.keys()
    assert changed == set(CHANGED)
    assert upgrade.applied_after == upgrade.applied_before | NEW_MIGRATIONS
    assert NEW_MIGRATIONS.isdisjoint(upgrade.applied_before)

    # The fix history's status columns are wider (fixes/0002), the values the same.
    assert status_width(upgrade.dbparams) == 20


def test_the_upgrade_names_places_after_the_streets_and_parks_stored(upgrade):
    with psycopg.connect(**upgrade.dbparams) as conn:
        nameless, named_nearby, numbered = conn.execute(
            "SELECT count(*) FILTER (WHERE name = ''), count(*) FILTER (WHERE near_name <> ''), "
            "count(*) FILTER (WHERE house_numbers <> '') FROM layers_streetsegment"
        ).fetchone()
        parks = conn.execute(
            "SELECT count(*) FROM layers_greenarea WHERE name <> '' AND near_name = ''"
        ).fetchone()[0]
    # Central Helsinki's footways without a name all lie within reach of a named street or
    # park; house numbers need the extract's addresses, which only `trygg load-osm` reads.
    assert nameless > 1000 and named_nearby == nameless and numbered == 0
    assert parks > 0  # a named park is its own name


def test_moved_models_keep_their_content_type_ids(upgrade):
    before = upgrade.content_types_before
    after = content_types(upgrade.dbparams)
    added = {after[pk] for pk in after.keys() - before.keys()}
    assert added == set(NEW_MODELS)
    for pk, (app, model) in before.items():
        if model in MOVED and app == MOVED[model][0]:
            assert after[pk] == (MOVED[model][1], model)
        else:
            assert after[pk] == (app, model)
    assert {model for (app, model) in after.values() if model in MOVED} == set(MOVED)
    assert not {app for (app, model) in after.values() if model in MOVED} & {"trygg", "layers"}


def test_the_old_coordinator_works_on_with_the_new_models_and_pages(upgrade):
    result = subprocess.run(
        [sys.executable, "-m", "tests.project._upgraded_probe"],
        cwd=ROOT,
        env=upgrade.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])

    # Content types through the ORM: the new labels, the old ids.
    old_ids = {
        model: pk
        for pk, (app, model) in upgrade.content_types_before.items()
        if model in MOVED and app == MOVED[model][0]
    }
    assert found["content_types"] == {
        model: [old_ids[model], new] for model, (_, new) in MOVED.items()
    }
    # The user's direct grants were made as trygg.view_fix and layers.view_municipality.
    assert found["direct"] == ["core.view_municipality", "fixes.view_fix"]
    assert found["groups"] == ["coordinator"]
    assert "fixes.change_fix" in found["through_groups"]
    assert "fixes.change_fix" not in found["direct"]
    assert not [code for code in found["through_groups"] if code.startswith("trygg.")]
    assert found["has"] == {
        "fixes.view_fix": True,
        "fixes.change_fix": True,
        "core.view_municipality": True,
        "hotspots.view_analysisrun": True,
        "trygg.view_fix": False,
        "layers.view_municipality": False,
    }

    history = [
        [2, "proposed", "planned", "v1 plan", USERNAME],
        [2, "planned", "scheduled", "v1 sched", USERNAME],
        [3, "proposed", "rejected", "not ours", USERNAME],
    ]
    assert found["history"] == history
    assert found["log"] == {
        "content_type": "fixes.fix",
        "object": "Fix",
        "object_id": "2",
        "message": "v1 change",
        "url": "/admin/fixes/fix/2/change/",
        "user": USERNAME,
    }
    tables = upgrade.manifest["tables"]
    assert found["counts"] == {
        "pins": tables["public.walks_residentpin"],
        "walks": tables["public.walks_safetywalk"],
        "fixes": tables["public.trygg_fix"],
        "v1_walks": 1,
    }
    assert found["fixes_of"] == {"scheduled": [2], "rejected": [3]}

    pages = found["pages"]
    assert pages["list scheduled"] == [200, [2]]
    assert pages["list rejected"] == [200, [3]]
    assert pages["detail 2"] == [200, ["v1 plan", "v1 sched", USERNAME]]
    assert pages["api list scheduled"] == [200, [2]]
    api_history = pages["api fix 2"][1] + pages["api fix 3"][1]
    assert pages["api fix 2"][0] == pages["api fix 3"][0] == 200
    assert api_history == [[old, new, by, note] for _, old, new, note, by in history]


def test_the_upgraded_database_needs_no_migration(upgrade):
    check = trygg("migrate", "--check", env=upgrade.env)
    assert check.returncode == 0, check.stdout + check.stderr
    models = trygg("makemigrations", "--check", "--dry-run", env=upgrade.env)
    assert models.returncode == 0, models.stdout + models.stderr
    assert "No changes detected" in models.stdout


def test_restoring_the_old_backup_over_the_upgrade(upgrade):
    """After an accident an operator restores the last backup, made by the old release, into
    the upgraded database: `trygg restore --force` restores it and migrates it to this release."""
    env = upgrade.env
    refused = trygg("restore", str(ARCHIVE), env=env)
    assert refused.returncode == 1
    assert "is not empty" in refused.stderr and "--force" in refused.stderr

    # --no-migrate: exactly the backup's database, nothing of the upgraded one left over.
    kept = trygg("restore", str(ARCHIVE), "--force", "--no-migrate", env=env)
    assert kept.returncode == 0, kept.stderr[-3000:]
    (warning,) = kept.stderr.strip().splitlines()
    assert warning.startswith(
        f"warning: the backup is from an older release: {len(NEW_MIGRATIONS)} migration(s)"
    )
    assert "run `trygg migrate` before serving it" in warning
    assert all(f"{app}.{name}" in warning for app, name in NEW_MIGRATIONS)
    assert fingerprints(upgrade.dbparams) == upgrade.before
    assert status_width(upgrade.dbparams) == 16
    assert "dashboard_map_changed" not in function_names(upgrade.dbparams)

    # The default: restored, then migrated, to the same database the first upgrade made.
    restored = trygg("restore", str(ARCHIVE), "--force", env=env)
    assert restored.returncode == 0, restored.stderr[-3000:]
    lines = restored.stdout.splitlines()
    assert lines[0].startswith(f"restored {ARCHIVE} into database {upgrade.name}: 37 tables")
    assert lines[1].startswith(
        f"the backup is from an older release: applying this release's {len(NEW_MIGRATIONS)}"
    )
    assert lines[-1] == "migrated: the database is at this release's migrations"
    assert "dashboard_map_changed" in function_names(upgrade.dbparams)
    again = fingerprints(upgrade.dbparams)
    # django_migrations differs only in the times its new rows were applied.
    assert {k: v for k, v in again.items() if k != "public.django_migrations"} == {
        k: v for k, v in upgrade.after.items() if k != "public.django_migrations"
    }
    assert migrations(upgrade.dbparams) == upgrade.applied_after
    assert trygg("migrate", "--check", env=env).returncode == 0


def _with_manifest_migration(archive: Path, target: Path, app: str, name: str) -> Path:
    """A copy of `archive` whose manifest says its database had migration `app.name` applied."""
    with tarfile.open(archive) as src, tarfile.open(target, "w") as dst:
        for member in src:
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["database"]["migrations"][app] = name
                data = json.dumps(manifest).encode()
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return target


def test_a_backup_from_a_newer_release_is_refused_before_anything_changes(upgrade, tmp_path):
    newer = _with_manifest_migration(ARCHIVE, tmp_path / "newer.tar", "fixes", "0099_future")
    before = fingerprints(upgrade.dbparams)
    result = trygg("restore", str(newer), "--force", env=upgrade.env)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line == (
        "CommandError: the backup's migration fixes.0099_future is unknown to this release of "
        "Trygg (a newer release made it): restore it with that release, or upgrade Trygg first"
    )
    assert fingerprints(upgrade.dbparams) == before
