"""Program leaves `procedures` for its own app (`programs` 0001): state only, no SQL.

The procedure's foreign key points at the new model's state, then the old model's state goes;
its table, `procedures_program`, is now the `programs` app's and keeps every row.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("procedures", "0004_coprogramming"),
        ("programs", "0001_initial"),
        # The ledger's foreign keys leave the old state before it is deleted.
        ("ledger", "0006_program_moves_to_programs"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="procedure",
                    name="program",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="procedures", to="programs.program"),
                ),
                migrations.DeleteModel(name="Program"),
            ],
            database_operations=[],
        ),
    ]
