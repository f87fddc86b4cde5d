# The fix history takes the fields of the shared status history (gis.core.models.StatusChange):
# the two status columns widen from 16 to 20 characters, as the pin history has them.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fixes', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='fixstatuschange',
            options={'ordering': ['changed_at'], 'verbose_name': 'status change', 'verbose_name_plural': 'status changes'},
        ),
        migrations.AlterField(
            model_name='fixstatuschange',
            name='changed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name='changed by'),
        ),
        migrations.AlterField(
            model_name='fixstatuschange',
            name='from_status',
            field=models.CharField(blank=True, default='', max_length=20, verbose_name='from'),
        ),
        migrations.AlterField(
            model_name='fixstatuschange',
            name='to_status',
            field=models.CharField(max_length=20, verbose_name='to'),
        ),
    ]
