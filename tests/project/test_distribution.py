"""The Citus distribution documented in docs/scaling.md matches the models: every model of
Trygg's apps is distributed by `municipality_id`, co-located with a distributed parent, or a
listed reference table, and the unique constraints and foreign keys that would have to include
the municipality are the ones listed (tests/project/distribution.py derives both tables)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.gis.db import models
from django.test.utils import isolate_apps

from gis.drills import national
from tests.project import distribution

DOC = Path(__file__).resolve().parents[2] / "docs" / "scaling.md"


def test_the_documented_tables_are_the_models():
    text = DOC.read_text(encoding="utf-8")
    assert distribution.classification_table() in text, (
        "regenerate the placement table of docs/scaling.md with "
        "tests.project.distribution.classification_table()"
    )
    assert distribution.constraints_table() in text, (
        "regenerate the constraint table of docs/scaling.md with "
        "tests.project.distribution.constraints_table()"
    )


def test_the_big_tables_are_distributed_and_the_vocabularies_reference_tables():
    kinds = {p.table: p.kind for p in distribution.placements()}
    for table in national.BIG_TABLES:
        assert kinds[table] == "distributed", table
    for table in ("walks_pinphoto", "trygg_fix_pins", "trygg_hotspotcell", "walks_pinvote"):
        assert kinds[table] == "co-located", table
    for table in ("layers_municipality", "walks_category", "auth_user"):
        assert kinds[table] == "reference", table
    assert kinds["django_session"] == "local"


def test_the_constraints_that_need_the_municipality_are_found():
    listed = {(t, c) for t, c, _kind in distribution.must_include_municipality()}
    assert ("walks_residentpin", "unique (tracking_token)") in listed
    assert ("walks_walkfinding", "walk_id -> walks_safetywalk") in listed
    # Those that already lead with the municipality are not listed.
    assert not any(c.startswith("fix_unique_per_segment") for _t, c in listed)
    assert not any(c.startswith("district_unique_name") for _t, c in listed)


@isolate_apps("walks")
def test_a_new_model_without_a_municipality_path_is_unclassified(monkeypatch):
    class Orphan(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "walks"
            db_table = "walks_orphan_for_test"

    found = [*distribution._models(), Orphan]
    monkeypatch.setattr(distribution, "_models", lambda: found)
    with pytest.raises(distribution.UnclassifiedError, match="walks_orphan_for_test"):
        distribution.placements()
