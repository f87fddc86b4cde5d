"""`trygg heatmap` and `trygg hotspots` on the demo: stored runs and one-line errors."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from gis.hotspots.models import AnalysisRun, HotspotCell


def _call(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_emerging_command_stores_a_run(demo):
    get_user_model().objects.create_user("planner-cli")
    output = _call("hotspots", "--emerging", "--months", "24", "--user", "planner-cli")
    run = AnalysisRun.objects.get(municipality=demo)
    assert run.kind == "emerging" and run.created_by.username == "planner-cli"
    assert run.params["months"] == 24 and run.params["time_window"] == 1
    assert len(run.summary["edges"]) == 25
    assert HotspotCell.objects.filter(run=run).count() == run.summary["n_cells"] > 100
    assert output.startswith(f"emerging hot spots run {run.pk} over 24 months: ")
    for category in ("new hot spot", "persistent hot spot", "historical hot spot"):
        assert category in output


def test_gistar_command_with_filters(demo):
    output = _call(
        "hotspots",
        "--category",
        "lighting,gathering",
        "--when",
        "evening",
        "--when",
        "night",
        "--district",
        "kamppi",
        "--since",
        "2000-01-01",
        "--weighted",
    )
    run = AnalysisRun.objects.get(municipality=demo)
    assert run.kind == "gistar"
    selection = run.params["selection"]
    assert selection["categories"] == ["lighting", "gathering"]
    assert selection["when"] == ["evening", "night"] and selection["weighted"] is True
    assert selection["district"] is not None
    assert run.params["since"].startswith("2000-01-01T00:00:00")
    assert "categories=lighting,gathering when=evening,night" in output


def test_heatmap_command_writes_the_raster(demo):
    output = _call("heatmap", "--bandwidth", "auto", "--source", "resident")
    run = AnalysisRun.objects.get(municipality=demo)
    try:
        assert run.kind == "heatmap" and run.raster.name.endswith(f"heatmap-{run.pk}.tif")
        assert run.params["bandwidth_suggested"] is True
        assert "(suggested)" in output and run.raster.name in output
    finally:
        run.raster.delete(save=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["heatmap", "--bandwidth", "0"], "--bandwidth must be > 0 m, got 0.0"),
        (["heatmap", "--bandwidth", "-5"], "--bandwidth must be > 0 m, got -5.0"),
        (["heatmap", "--bandwidth", "wide"], "--bandwidth must be a number, got 'wide'"),
        (["heatmap", "--cell-size", "0.01"], "more than max_cells"),
        (["hotspots", "--cell-size", "0.5"], "--cell-size 0.5 m would make"),
        (["hotspots", "--cell-size", "-100"], "--cell-size must be > 0 m"),
        (["hotspots", "--distance", "0"], "--distance must be > 0 m"),
        (["hotspots", "--emerging", "--months", "9"], "--months must be an integer >= 10"),
        (["hotspots", "--emerging", "--months", "two"], "--months must be an integer, got 'two'"),
        (["hotspots", "--emerging", "--time-window", "24"], "--time-window must be < the number"),
        (["hotspots", "--emerging", "--alpha", "1.5"], "--alpha must be in (0, 1)"),
        (["hotspots", "--study-area", "forest"], "--study-area must be one of"),
        (["hotspots", "--since", "2999-01-01"], "selection is empty: no reports match"),
        (["hotspots", "--category", "unicorns"], "--category must be among"),
        (["hotspots", "--when", "dusk"], "when must be among day, evening, night"),
        (["hotspots", "--district", "Atlantis"], "--district must be a district of"),
        (["hotspots", "--since", "2026-02-30"], "--since must be a date (YYYY-MM-DD)"),
        (["hotspots", "--since", "2026-01-02", "--until", "2026-01-01"], "--since must be before"),
        (["hotspots", "--emerging", "--since", "2026-01-01"], "--since/--until are for Gi*"),
        (["hotspots", "--end", "2026-01-01"], "--end is for --emerging"),
        (["hotspots", "--municipality", "nowhere"], "--municipality must be one of"),
        (["hotspots", "--user", "nobody"], "--user must be an existing username"),
    ],
)
def test_bad_parameters_stop_with_one_line(demo, args, message):
    with pytest.raises(CommandError) as error:
        _call(*args)
    text = str(error.value)
    assert message in text
    assert "\n" not in text
    assert not AnalysisRun.objects.filter(municipality=demo).exists()
