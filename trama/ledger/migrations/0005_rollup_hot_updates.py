from django.db import migrations, models

ROLLUP_TABLES = ["ledger_ledgertotal", "ledger_contributortotal"]


def tune_rollup_tables(apps, schema_editor):
    """Leave room in every page so a roll-up update can stay on its page (HOT), and vacuum
    the roll-ups more often than the default 20 % of dead rows: they are small and hot."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ROLLUP_TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} SET (fillfactor = 75, "
            "autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02)"
        )


def untune_rollup_tables(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ROLLUP_TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} RESET (fillfactor, "
            "autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0004_evidence_private"),
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="contributortotal",
            name="contributor_total_top",
        ),
        migrations.AddIndex(
            model_name="contributortotal",
            index=models.Index(
                condition=models.Q(("level__in", ["country", "region"])),
                fields=["level", "scope_id", "measure", "additional", "year", "-amount"],
                name="contributor_total_top",
            ),
        ),
        migrations.RunPython(tune_rollup_tables, untune_rollup_tables),
    ]
