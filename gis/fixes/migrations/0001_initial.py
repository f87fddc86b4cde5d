# Fixes and their history moved here from the `trygg` app (trygg/0003): same tables, state only.
# The history's fields are as they were; 0002 brings them to the shared status history.

import django.contrib.gis.db.models.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from gis.core.moves import relabel_content_types


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0001_initial"),
        ("hotspots", "0001_initial"),
        ("layers", "0002_municipality_staff"),
        ("walks", "0005_support_votes_join_codes"),
        ("trygg", "0002_fix_workflow"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        relabel_content_types(("trygg", "fixes", "fix"), ("trygg", "fixes", "fixstatuschange")),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Fix",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("fix_type", models.CharField(choices=[("repair_lamps", "Repair lamps"), ("add_lighting", "Add lighting"), ("clear_vegetation", "Trim or clear vegetation"), ("redesign", "Open up a hidden corner or redesign"), ("clean", "Clean graffiti or litter"), ("refer_police", "Refer to the police"), ("refer_housing", "Refer to the housing company"), ("refer_social", "Refer to social services")], max_length=20, verbose_name="fix")),
                        ("department", models.CharField(choices=[("street", "Street department"), ("parks", "Parks department"), ("property", "Property management"), ("housing", "Housing company"), ("police", "Police"), ("social", "Social services")], max_length=16, verbose_name="department")),
                        ("cost_class", models.PositiveSmallIntegerField(verbose_name="cost class")),
                        ("score", models.FloatField(verbose_name="score")),
                        ("rank", models.PositiveIntegerField(blank=True, db_index=True, null=True, verbose_name="rank")),
                        ("reasons", models.JSONField(default=list, verbose_name="reasons")),
                        ("explanation", models.TextField(blank=True, default="", verbose_name="explanation")),
                        ("status", models.CharField(choices=[("proposed", "Proposed"), ("planned", "Planned"), ("scheduled", "Scheduled"), ("done", "Done"), ("verified", "Verified"), ("rejected", "Rejected")], default="proposed", max_length=16, verbose_name="status")),
                        ("answer", models.TextField(blank=True, default="", verbose_name="answer to residents")),
                        ("done_at", models.DateTimeField(blank=True, null=True, verbose_name="done at")),
                        ("scheduled_for", models.DateField(blank=True, null=True, verbose_name="scheduled for")),
                        ("verified_at", models.DateTimeField(blank=True, null=True, verbose_name="verified at")),
                        ("status_changed_at", models.DateTimeField(blank=True, null=True, verbose_name="status changed")),
                        ("geom", django.contrib.gis.db.models.fields.GeometryField(srid=settings.TRYGG_SRID, verbose_name="place")),
                        ("green_area", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to="layers.greenarea")),
                        ("municipality", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="core.municipality")),
                        ("pins", models.ManyToManyField(blank=True, related_name="fixes", to="walks.residentpin")),
                        ("run", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to="hotspots.analysisrun")),
                        ("segment", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to="layers.streetsegment")),
                        ("status_changed_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="status changed by")),
                    ],
                    options={
                        "verbose_name": "fix",
                        "verbose_name_plural": "fixes",
                        "db_table": "trygg_fix",
                        "ordering": ["rank"],
                        "constraints": [
                            models.UniqueConstraint(condition=models.Q(("segment__isnull", False)), fields=("municipality", "fix_type", "segment"), name="fix_unique_per_segment"),
                            models.UniqueConstraint(condition=models.Q(("green_area__isnull", False)), fields=("municipality", "fix_type", "green_area"), name="fix_unique_per_green_area"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="FixStatusChange",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("from_status", models.CharField(blank=True, default="", max_length=16, verbose_name="from")),
                        ("to_status", models.CharField(max_length=16, verbose_name="to")),
                        ("changed_at", models.DateTimeField(auto_now_add=True, verbose_name="changed")),
                        ("note", models.TextField(blank=True, default="", verbose_name="note")),
                        ("changed_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ("fix", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="history", to="fixes.fix")),
                    ],
                    options={"db_table": "trygg_fixstatuschange", "ordering": ["changed_at"]},
                ),
            ],
        ),
    ]
