"""The ledger's foreign keys follow Program to the `programs` app: state only, no SQL."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0005_rollup_hot_updates"),
        ("programs", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="importbatch",
                    name="program",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="import_batches", to="programs.program"),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="program",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="entries", to="programs.program"),
                ),
            ],
            database_operations=[],
        ),
    ]
