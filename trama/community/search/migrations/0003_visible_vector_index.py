"""PostgreSQL: the search index holds each row's visibility beside its vector (a GIN index
on both, through `btree_gin`), so a visitor's search reads only public rows from the index;
it replaces the index on the vector alone, which a member's search (every row) still finds
in it. SQLite (`make run`) searches by plain matching and needs neither."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX IF NOT EXISTS search_document_visible_vector "
    "ON search_searchdocument USING gin (visibility, vector)",
    "DROP INDEX IF EXISTS search_document_vector",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS search_document_vector "
    "ON search_searchdocument USING gin (vector)",
    "DROP INDEX IF EXISTS search_document_visible_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_italian_search")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
