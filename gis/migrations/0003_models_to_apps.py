# Analysis runs, hotspot cells, fixes and their history moved to the hotspots and fixes apps
# (hotspots/0001, fixes/0001). Their tables stay as they are: this only changes Django's state.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("trygg", "0002_fix_workflow"),
        ("hotspots", "0001_initial"),
        ("fixes", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="analysisrun",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="analysisrun",
                    name="municipality",
                ),
                migrations.RemoveField(
                    model_name="fix",
                    name="run",
                ),
                migrations.RemoveField(
                    model_name="fix",
                    name="green_area",
                ),
                migrations.RemoveField(
                    model_name="fix",
                    name="municipality",
                ),
                migrations.RemoveField(
                    model_name="fix",
                    name="pins",
                ),
                migrations.RemoveField(
                    model_name="fix",
                    name="segment",
                ),
                migrations.RemoveField(
                    model_name="fix",
                    name="status_changed_by",
                ),
                migrations.RemoveField(
                    model_name="fixstatuschange",
                    name="fix",
                ),
                migrations.RemoveField(
                    model_name="fixstatuschange",
                    name="changed_by",
                ),
                migrations.DeleteModel(
                    name="HotspotCell",
                ),
                migrations.DeleteModel(
                    name="AnalysisRun",
                ),
                migrations.DeleteModel(
                    name="Fix",
                ),
                migrations.DeleteModel(
                    name="FixStatusChange",
                ),
            ],
        ),
    ]
