"""Supporting votes count one per supporter; longer walk join codes.

PinVote gains the keyed hash of the voter's address and the device token (nothing is backfilled:
existing votes get neither, since nobody knows who made them). Join codes widen to 16 characters
for the new 60-bit codes; existing 6-character codes stay. Reversing shortens longer codes to the
old 8 characters first, so that the narrower column fits.
"""

from django.db import migrations, models
from django.db.models.functions import Left, Length

import walks.models


def shorten_codes(apps, schema_editor):
    SafetyWalk = apps.get_model("walks", "SafetyWalk")
    SafetyWalk.objects.annotate(n=Length("join_code")).filter(n__gt=8).update(
        join_code=Left("join_code", 8)
    )


class Migration(migrations.Migration):

    dependencies = [
        ('walks', '0004_contact_access'),
    ]

    operations = [
        migrations.AddField(
            model_name='pinvote',
            name='address_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, verbose_name='address (keyed hash)'),
        ),
        migrations.AddField(
            model_name='pinvote',
            name='device_token',
            field=models.UUIDField(blank=True, editable=False, null=True, verbose_name='device token'),
        ),
        migrations.AlterField(
            model_name='safetywalk',
            name='join_code',
            field=models.CharField(default=walks.models.new_join_code, max_length=16, unique=True, verbose_name='join code'),
        ),
        migrations.RunPython(migrations.RunPython.noop, shorten_codes),
        migrations.AddConstraint(
            model_name='pinvote',
            constraint=models.UniqueConstraint(condition=models.Q(('address_hash__isnull', False)), fields=('pin', 'address_hash'), name='pinvote_one_per_address'),
        ),
        migrations.AddConstraint(
            model_name='pinvote',
            constraint=models.UniqueConstraint(condition=models.Q(('device_token__isnull', False)), fields=('pin', 'device_token'), name='pinvote_one_per_device'),
        ),
    ]
