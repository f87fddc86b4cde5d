"""`trygg prioritise`: stores a run, prints the ranking and the risks; bad input -> one line."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from gis.fixes.models import Fix
from gis.hotspots.models import AnalysisRun
from tests.conftest import ROOT


def test_prioritise_stores_and_prints(demo):
    out = io.StringIO()
    call_command(
        "prioritise", "--municipality", demo.code, "--half-life", "90", "--top", "3", stdout=out
    )
    text = out.getvalue()
    run = AnalysisRun.objects.filter(municipality=demo, kind="prioritise").latest("created_at")
    assert run.params["half_life_days"] == 90.0
    assert f"run {run.pk}: {run.summary['fixes']} fixes ranked" in text
    top = list(Fix.objects.filter(run=run).order_by("rank")[:3])
    for fix in top:
        kind, place = ("segment", fix.segment) if fix.segment_id else ("green_area", fix.green_area)
        assert (
            f"{fix.fix_type:<16} {fix.department:<10} {fix.score:>8.2f}  "
            f"{place} ({kind} {place.pk})"  # the place by name, its record in brackets
        ) in text
    assert "top 3 fixes:" in text and "under_lit" in text and "log_footfall" in text


def test_dry_run_stores_nothing(demo):
    before = AnalysisRun.objects.count()
    out = io.StringIO()
    call_command("prioritise", "--municipality", demo.code, "--dry-run", "--top", "0", stdout=out)
    assert "nothing stored" in out.getvalue() and AnalysisRun.objects.count() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--half-life", "-5"], "--half-life must be > 0"),
        (["--half-life", "soon"], "--half-life must be a number"),
        (["--snap-tolerance", "0"], "--snap-tolerance must be > 0"),
        (["--as-of", "2024-02-30"], "--as-of must be a date (YYYY-MM-DD)"),
        (["--as-of", "2999-01-01"], "--as-of must not be in the future"),
        (["--time-zone", "Mars/Olympus"], "--time-zone must be an IANA zone"),
        (["--top", "-1"], "--top must be >= 0"),
        (["--municipality", "atlantis"], "--municipality must be one of"),
    ],
)
def test_bad_parameters_raise_one_line(demo, args, message):
    if "--municipality" not in args:
        args = ["--municipality", demo.code, *args]
    with pytest.raises(CommandError) as error:
        call_command("prioritise", *args, "--dry-run")
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_bad_parameter_exits_1_with_one_line(test_database_name):
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gis.settings.test",
        "TRYGG_DB_NAME": test_database_name,
        "TRYGG_DEFAULT_SRID": str(settings.TRYGG_SRID),
    }
    result = subprocess.run(
        [sys.executable, "-m", "gis.cli", "prioritise", "--half-life", "-5"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: --half-life must be > 0 and finite, got -5.0"
    ]
