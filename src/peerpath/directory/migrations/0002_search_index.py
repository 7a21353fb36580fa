"""The full-text index over listing search documents, one per engine, behind directory.search.

SQLite: an FTS5 table with the search documents as external content, kept in step by triggers.
PostgreSQL: a generated, weighted tsvector column (name A, conditions B, the rest C) with a GIN index.
"""

from django.db import migrations

SQLITE_CREATE = [
    """
    CREATE VIRTUAL TABLE directory_listing_fts USING fts5(
        name, conditions, body,
        content='directory_listingsearchdocument', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER directory_listing_fts_insert AFTER INSERT ON directory_listingsearchdocument BEGIN
        INSERT INTO directory_listing_fts(rowid, name, conditions, body)
        VALUES (new.id, new.name, new.conditions, new.body);
    END
    """,
    """
    CREATE TRIGGER directory_listing_fts_delete AFTER DELETE ON directory_listingsearchdocument BEGIN
        INSERT INTO directory_listing_fts(directory_listing_fts, rowid, name, conditions, body)
        VALUES ('delete', old.id, old.name, old.conditions, old.body);
    END
    """,
    """
    CREATE TRIGGER directory_listing_fts_update AFTER UPDATE ON directory_listingsearchdocument BEGIN
        INSERT INTO directory_listing_fts(directory_listing_fts, rowid, name, conditions, body)
        VALUES ('delete', old.id, old.name, old.conditions, old.body);
        INSERT INTO directory_listing_fts(rowid, name, conditions, body)
        VALUES (new.id, new.name, new.conditions, new.body);
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS directory_listing_fts_update",
    "DROP TRIGGER IF EXISTS directory_listing_fts_delete",
    "DROP TRIGGER IF EXISTS directory_listing_fts_insert",
    "DROP TABLE IF EXISTS directory_listing_fts",
]

# Condition names and synonyms are indexed twice: unstemmed ('simple', so "ME" and "POTS" survive as words; the
# english configuration drops "me" as a stop word) and stemmed ('english', so "arthritic" finds "arthritis").
POSTGRES_CREATE = [
    """
    ALTER TABLE directory_listingsearchdocument ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A')
        || setweight(to_tsvector('simple'::regconfig, coalesce(conditions, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(conditions, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')
    ) STORED
    """,
    "CREATE INDEX directory_listing_search_gin ON directory_listingsearchdocument USING GIN (search_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS directory_listing_search_gin",
    "ALTER TABLE directory_listingsearchdocument DROP COLUMN IF EXISTS search_vector",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_CREATE)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_CREATE)
    else:
        raise RuntimeError(f"PeerPath's directory search supports SQLite and PostgreSQL, not {vendor}.")


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
