# Analysis runs and hotspot cells moved here from the `trygg` app (trygg/0003): same tables,
# state only.

import django.contrib.gis.db.models.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from gis.core.moves import relabel_content_types


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0001_initial"),
        ("trygg", "0002_fix_workflow"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        relabel_content_types(
            ("trygg", "hotspots", "analysisrun"), ("trygg", "hotspots", "hotspotcell")
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AnalysisRun",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("heatmap", "Heat map"), ("gistar", "Hotspots (Gi*)"), ("emerging", "Emerging hotspots"), ("prioritise", "Prioritisation")], max_length=16, verbose_name="kind")),
                        ("params", models.JSONField(default=dict, verbose_name="parameters")),
                        ("period_start", models.DateTimeField(blank=True, null=True, verbose_name="period start")),
                        ("period_end", models.DateTimeField(blank=True, null=True, verbose_name="period end")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="run at")),
                        ("data_version", models.CharField(blank=True, default="", max_length=64, verbose_name="data version")),
                        ("summary", models.JSONField(default=dict, verbose_name="summary")),
                        ("raster", models.FileField(blank=True, upload_to="analysis/", verbose_name="raster")),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name="run by")),
                        ("municipality", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="core.municipality")),
                    ],
                    options={
                        "verbose_name": "analysis run",
                        "verbose_name_plural": "analysis runs",
                        "db_table": "trygg_analysisrun",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="HotspotCell",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("cell_id", models.BigIntegerField(verbose_name="cell")),
                        ("category", models.CharField(max_length=32, verbose_name="category")),
                        ("z", models.FloatField(null=True, verbose_name="z-score")),
                        ("p", models.FloatField(null=True, verbose_name="p-value")),
                        ("value", models.FloatField(default=0, verbose_name="value")),
                        ("geom", django.contrib.gis.db.models.fields.PolygonField(srid=settings.TRYGG_SRID, verbose_name="cell")),
                        ("run", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="cells", to="hotspots.analysisrun")),
                    ],
                    options={
                        "verbose_name": "hotspot cell",
                        "verbose_name_plural": "hotspot cells",
                        "db_table": "trygg_hotspotcell",
                        "constraints": [models.UniqueConstraint(fields=("run", "cell_id"), name="hotspot_cell_unique")],
                    },
                ),
            ],
        ),
    ]
