"""Program moves from `procedures` to its own app without copying a row.

Only Django's model state moves here (`SeparateDatabaseAndState`): the table keeps its name,
`procedures_program`, and every row, id and foreign key stays where it is. The content type
is renamed so that permissions granted on programs follow the model.
`procedures` 0005 and `ledger` 0006 point their foreign keys at the new model's state.
"""

import django.db.models.deletion
from django.db import migrations, models


def rename_content_type(apps, schema_editor, old="procedures", new="programs"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="program").exists():
        ContentType.objects.using(db).filter(app_label=old, model="program").update(app_label=new)


def restore_content_type(apps, schema_editor):
    rename_content_type(apps, schema_editor, old="programs", new="procedures")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("organizations", "0001_initial"),
        ("procedures", "0004_coprogramming"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Program",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        ("slug", models.SlugField(max_length=80, unique=True, verbose_name="short name")),
                        ("area", models.CharField(choices=[("SOCIAL_WELFARE", "Social welfare"), ("HEALTH", "Health and social care"), ("EDUCATION", "Education and youth"), ("HOUSING", "Housing"), ("EMPLOYMENT", "Work and inclusion"), ("CULTURE", "Culture"), ("ENVIRONMENT", "Environment and commons"), ("OTHER", "Other")], default="SOCIAL_WELFARE", max_length=16, verbose_name="area")),
                        ("start_year", models.PositiveSmallIntegerField(verbose_name="first year")),
                        ("end_year", models.PositiveSmallIntegerField(verbose_name="last year")),
                        ("description", models.TextField(blank=True, verbose_name="description")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("owner", models.ForeignKey(limit_choices_to={"kind": "PUBLIC_BODY"}, on_delete=django.db.models.deletion.PROTECT, related_name="programs", to="organizations.organization", verbose_name="owning public body")),
                    ],
                    options={
                        "verbose_name": "program",
                        "verbose_name_plural": "programs",
                        "ordering": ["-start_year", "title"],
                        "db_table": "procedures_program",
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("end_year__gte", models.F("start_year"))), name="program_years_ordered"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_type, restore_content_type),
    ]
