"""PostgreSQL: the Italian text search configuration without accents ("attività" and
"attivita" are the same word) and the GIN index of the search vector. SQLite (`make run`)
searches by plain matching and needs neither."""

from django.db import migrations

CONFIGURATION = "trama_italian"

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{CONFIGURATION}') THEN
            CREATE TEXT SEARCH CONFIGURATION {CONFIGURATION} (COPY = italian);
            ALTER TEXT SEARCH CONFIGURATION {CONFIGURATION}
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, italian_stem;
        END IF;
    END $$""",
    "CREATE INDEX IF NOT EXISTS search_document_vector ON search_searchdocument USING gin (vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_document_vector",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIGURATION}",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
