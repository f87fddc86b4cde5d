# Street segments and green areas get the stored parts of their names (layers.naming): the
# named place nearby and a street's house numbers. The named place nearby is filled from the
# named streets and parks already stored; squares and house numbers come with the next
# `trygg load-osm` (layers.placenames).

from django.db import migrations, models


def fill_names(apps, schema_editor) -> None:
    from layers import placenames

    Municipality = apps.get_model("core", "Municipality")
    for pk in Municipality.objects.using(schema_editor.connection.alias).values_list(
        "pk", flat=True
    ):
        placenames.fill(pk, using=schema_editor.connection.alias)


def near_name(help_text: str) -> models.CharField:
    return models.CharField(
        blank=True,
        default="",
        help_text=help_text,
        max_length=200,
        verbose_name="named place nearby",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("layers", "0003_municipality_to_core"),
    ]

    operations = [
        migrations.AddField(
            model_name="greenarea",
            name="near_name",
            field=near_name("Without a name: the nearest named street, square or park."),
        ),
        migrations.AddField(
            model_name="streetsegment",
            name="house_numbers",
            field=models.CharField(
                blank=True,
                default="",
                help_text="The range of the street's addresses along the segment, e.g. 12–20.",
                max_length=32,
                verbose_name="house numbers",
            ),
        ),
        migrations.AddField(
            model_name="streetsegment",
            name="near_name",
            field=near_name("Without a street name: the nearest named street, square or park."),
        ),
        migrations.RunPython(fill_names, migrations.RunPython.noop),
    ]
