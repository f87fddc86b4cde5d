# Fixes of the municipality's own properties (gis.priority.properties): three fix kinds and the
# property a fix belongs to. Existing rows are unchanged (the new column is empty).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fixes', '0002_shared_status_history'),
        ('layers', '0009_properties'),
    ]

    operations = [
        migrations.AddField(
            model_name='fix',
            name='property',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='fixes', to='layers.property', verbose_name='municipal property'),
        ),
        migrations.AlterField(
            model_name='fix',
            name='fix_type',
            field=models.CharField(choices=[('repair_lamps', 'Repair lamps'), ('add_lighting', 'Add lighting'), ('clear_vegetation', 'Trim or clear vegetation'), ('redesign', 'Open up a hidden corner or redesign'), ('clean', 'Clean graffiti or litter'), ('refer_police', 'Refer to the police'), ('refer_housing', 'Refer to the housing company'), ('refer_social', 'Refer to social services'), ('property_repair', 'Repair the property'), ('property_lighting', "Light the property's surroundings"), ('property_alarm', 'Alarm or perimeter protection')], max_length=20, verbose_name='fix'),
        ),
        migrations.AddConstraint(
            model_name='fix',
            constraint=models.UniqueConstraint(condition=models.Q(('property__isnull', False)), fields=('municipality', 'fix_type', 'property'), name='fix_unique_per_property'),
        ),
    ]
