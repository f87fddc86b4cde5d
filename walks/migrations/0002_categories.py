# The taxonomy of what makes a place feel unsafe, each routed to the department that owns it.

from django.db import migrations

CATEGORIES = [
    # code, Swedish, English, owner, duplicate radius (m), colour
    ("lighting", "Mörkt eller trasig belysning", "Dark or broken lighting", "street", 40, "#f2b705"),
    ("vegetation", "Igenvuxet, skymd sikt", "Overgrown vegetation, blocked sightline", "parks", 40, "#2e8b57"),
    ("hidden_place", "Dold plats, gångtunnel", "Hidden corner or tunnel", "street", 60, "#6a3d9a"),
    ("graffiti", "Klotter och skadegörelse", "Graffiti and vandalism", "street", 40, "#e31a1c"),
    ("litter", "Nedskräpning", "Litter", "street", 40, "#8c6d31"),
    ("traffic", "Trafik, olaglig körning", "Traffic or illegal driving", "police", 80, "#1f78b4"),
    ("gathering", "Samlingsplats, trakasserier", "Gathering or harassment", "social", 80, "#d95f02"),
    ("wayfinding", "Saknad gångväg eller skyltning", "Missing path or signage", "street", 60, "#7f7f7f"),
    ("other", "Annat", "Other", "street", 30, "#444444"),
]


def add_categories(apps, schema_editor):
    Category = apps.get_model("walks", "Category")
    for order, (code, sv, en, owner, radius, colour) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            code=code,
            defaults={"name_sv": sv, "name_en": en, "owner": owner,
                      "duplicate_radius_m": radius, "colour": colour, "order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("walks", "0001_initial")]
    # Reversing keeps the categories: pins and findings may still refer to them.
    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]
