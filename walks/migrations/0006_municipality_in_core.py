# The municipality moved to the kernel (core/0001): the keys point there. State only.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("walks", "0005_support_votes_join_codes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="residentpin",
                    name="municipality",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        to="core.municipality",
                        verbose_name="municipality",
                    ),
                ),
                migrations.AlterField(
                    model_name="safetywalk",
                    name="municipality",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        to="core.municipality",
                        verbose_name="municipality",
                    ),
                ),
                migrations.AlterField(
                    model_name="walkaudit",
                    name="municipality",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        to="core.municipality",
                        verbose_name="municipality",
                    ),
                ),
                migrations.AlterField(
                    model_name="walkfinding",
                    name="municipality",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        to="core.municipality",
                        verbose_name="municipality",
                    ),
                ),
            ],
        ),
    ]
