"""Filter values as index terms: a `facets` column on the search documents, and in SQLite's FTS5 table.

On SQLite a filtered search then asks FTS5 for "weekly online groups about POTS" in one MATCH, instead of reading
every match and checking its row. PostgreSQL keeps filtering with its own indexes; the column is filled there too.
"""

from django.db import migrations, models

FTS = "directory_listing_fts"
DOCUMENTS = "directory_listingsearchdocument"


def sqlite_create(columns: list[str]) -> list[str]:
    names = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    delete = f"INSERT INTO {FTS}({FTS}, rowid, {names}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {FTS}(rowid, {names}) VALUES (new.id, {new});"
    return [
        f"""CREATE VIRTUAL TABLE {FTS} USING fts5({names}, content='{DOCUMENTS}', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2')""",
        f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON {DOCUMENTS} BEGIN {insert} END",
        f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON {DOCUMENTS} BEGIN {delete} END",
        f"CREATE TRIGGER {FTS}_update AFTER UPDATE ON {DOCUMENTS} BEGIN {delete} {insert} END",
        f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    ]


SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TABLE IF EXISTS {FTS}",
]


def _execute(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _execute(schema_editor, SQLITE_DROP)


def restore_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _execute(schema_editor, SQLITE_DROP)
        _execute(schema_editor, sqlite_create(["name", "conditions", "body"]))


def fill_facets(apps, schema_editor):
    # The same terms the services write (directory.search.facet_terms), for the documents that exist already.
    from peerpath.directory.search import facet_terms

    Listing = apps.get_model("directory", "Listing")
    Document = apps.get_model("directory", "ListingSearchDocument")
    for listing in Listing.objects.filter(search_document__isnull=False).prefetch_related("conditions"):
        terms = facet_terms(listing, [condition.pk for condition in listing.conditions.all()])
        Document.objects.filter(listing=listing).update(facets=terms)
    if schema_editor.connection.vendor == "sqlite":
        _execute(schema_editor, SQLITE_DROP)
        _execute(schema_editor, sqlite_create(["name", "conditions", "body", "facets"]))


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_load_conditions")]
    # Adding a column remakes the SQLite table, which drops its triggers: the index comes down first and goes
    # back up after, both ways.
    operations = [
        migrations.RunPython(drop_index, restore_index),
        migrations.AddField(
            model_name="listingsearchdocument",
            name="facets",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(fill_facets, drop_index),
    ]
