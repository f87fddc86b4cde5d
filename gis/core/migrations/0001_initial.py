# The municipality moved here from `layers` (layers/0003): same table, state only.

import django.contrib.gis.db.models.fields
from django.conf import settings
from django.db import migrations, models

from gis.core.moves import relabel_content_types


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("layers", "0002_municipality_staff"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        relabel_content_types(("layers", "core", "municipality")),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Municipality",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, verbose_name="name")),
                        ("code", models.CharField(max_length=16, unique=True, verbose_name="code")),
                        ("boundary", django.contrib.gis.db.models.fields.MultiPolygonField(srid=settings.TRYGG_SRID, verbose_name="boundary")),
                        ("staff", models.ManyToManyField(blank=True, help_text="Users who work for this municipality: they see and change only its records. Superusers work for every municipality.", related_name="municipalities", to=settings.AUTH_USER_MODEL, verbose_name="staff")),
                    ],
                    options={
                        "verbose_name": "municipality",
                        "verbose_name_plural": "municipalities",
                        "db_table": "layers_municipality",
                        "ordering": ["name"],
                        "constraints": [models.CheckConstraint(condition=models.Q(("boundary__isvalid", True)), name="municipality_boundary_valid")],
                    },
                ),
            ],
        ),
    ]
