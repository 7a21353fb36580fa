"""The full-text index over forum search documents, one per engine, behind forum.search.

SQLite: an FTS5 table with the search documents as external content, kept in step by triggers. Besides the title
and body it indexes the document's own space, kind, public and answered columns as terms, so that "what may this
person see" and the filters are part of one MATCH instead of a check of every matching row.
PostgreSQL: a generated, weighted tsvector column (title A, body C) with a GIN index; filters use the table's indexes.
"""

from django.db import migrations

FTS = "forum_search_fts"
DOCUMENTS = "forum_searchdocument"
COLUMNS = ["title", "body", "space_id", "kind", "is_public", "thread_answered"]


def sqlite_create() -> list[str]:
    names = ", ".join(COLUMNS)
    new = ", ".join(f"new.{column}" for column in COLUMNS)
    old = ", ".join(f"old.{column}" for column in COLUMNS)
    delete = f"INSERT INTO {FTS}({FTS}, rowid, {names}) VALUES ('delete', old.id, {old});"  # noqa: S608 - constants
    insert = f"INSERT INTO {FTS}(rowid, {names}) VALUES (new.id, {new});"  # noqa: S608 - constants
    return [
        f"""CREATE VIRTUAL TABLE {FTS} USING fts5({names}, content='{DOCUMENTS}', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2')""",
        f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON {DOCUMENTS} BEGIN {insert} END",
        f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON {DOCUMENTS} BEGIN {delete} END",
        f"CREATE TRIGGER {FTS}_update AFTER UPDATE ON {DOCUMENTS} BEGIN {delete} {insert} END",
        f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",  # noqa: S608
    ]


SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TABLE IF EXISTS {FTS}",
]

POSTGRES_CREATE = [
    f"""
    ALTER TABLE {DOCUMENTS} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')
    ) STORED
    """,
    f"CREATE INDEX forum_search_gin ON {DOCUMENTS} USING GIN (search_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS forum_search_gin",
    f"ALTER TABLE {DOCUMENTS} DROP COLUMN IF EXISTS search_vector",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, sqlite_create())
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_CREATE)
    else:
        raise RuntimeError(f"PeerPath's forum search supports SQLite and PostgreSQL, not {vendor}.")


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("forum", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
