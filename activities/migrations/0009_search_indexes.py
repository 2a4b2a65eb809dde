"""The agenda's search, indexed on PostgreSQL (SQLite searches with LIKE).

A search matches activities on Dutch full text OR on part of the title (compound words:
"ochtend" finds "Koffieochtend"). Computed at query time, the text vector of every
candidate activity was worked out again for every search (80 ms at region scale even when
nothing matched; a GIN index on the expression did not help, since the heap recheck
computes it again). So the vector is a stored generated column, `search_vector`, with a
GIN index, beside a trigram index on the upper-cased title for the LIKE (what the ORM's
`icontains` writes): both conditions are then one bitmap scan, or a cheap sequential one.

The ORM does not know the column (a generated column of a type SQLite lacks):
activities.filters.matching_activities names it in SQL. tests/activities/
test_search_indexes.py checks that the plan uses both indexes.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

SEARCH_VECTOR = (
    "setweight(to_tsvector('dutch'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('dutch'::regconfig, COALESCE(description, '')), 'B')"
)
FORWARDS = [
    "ALTER TABLE activities_activity ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS ({SEARCH_VECTOR}) STORED",
    "CREATE INDEX IF NOT EXISTS activity_search ON activities_activity "
    "USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS activity_title_trigram ON activities_activity "
    "USING gin ((UPPER(title::text)) gin_trgm_ops)",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS activity_title_trigram",
    "DROP INDEX IF EXISTS activity_search",
    "ALTER TABLE activities_activity DROP COLUMN IF EXISTS search_vector",
]


def _on_postgresql(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0008_occurrence_activity_starts_index"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(_on_postgresql(FORWARDS), _on_postgresql(BACKWARDS)),
    ]
