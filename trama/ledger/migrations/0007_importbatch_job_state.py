# The upload wizard's job state moves from JSON files onto the ImportBatch row.

import trama.lib.storage
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0006_program_moves_to_programs'),
    ]

    operations = [
        migrations.AddField(
            model_name='importbatch',
            name='bad',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='errors',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='file',
            field=models.FileField(blank=True, storage=trama.lib.storage.owner_only_storage, upload_to='imports/%Y/%m/'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='file_error',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='language',
            field=models.CharField(blank=True, max_length=10),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='progress',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='status',
            # Every batch saved before the wizard kept its state here is a finished import.
            field=models.CharField(choices=[('CHECKING', 'checking the file'), ('CHECKED', 'file checked'), ('RUNNING', 'importing'), ('DONE', 'import complete'), ('FAILED', 'import failed')], default='DONE', max_length=10),
        ),
        migrations.AlterField(
            model_name='importbatch',
            name='status',
            field=models.CharField(choices=[('CHECKING', 'checking the file'), ('CHECKED', 'file checked'), ('RUNNING', 'importing'), ('DONE', 'import complete'), ('FAILED', 'import failed')], default='CHECKING', max_length=10),
        ),
    ]
