"""Product search on SQLite, the embedded default, made to behave as it does on PostgreSQL.

PostgreSQL searches a weighted tsvector and a trigram index that it computes itself from the
product's columns (see 0001). SQLite gets the same from two FTS5 tables: one of stemmed words
(the porter tokenizer) for the search, one of three-letter slices of the name (the trigram
tokenizer) for the close-spelling fallback. Triggers keep both in step with every write to the
product table, however it is made (the ORM, `bulk_create`, `update()`, the admin, raw SQL), as
PostgreSQL's indexes are; rows that exist already are indexed here. On PostgreSQL this
migration does nothing.

SQLite drops a table's triggers with the table, and Django rebuilds a table on SQLite to alter
some columns: a later migration that does so to shop_product must run `install` again
(tests/shop/test_search.py fails until it does).
"""

from django.db import migrations

CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS shop_product_words USING fts5("
    "name, description, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS shop_product_letters USING fts5("
    "name, tokenize = 'trigram')",
    """CREATE TRIGGER IF NOT EXISTS shop_product_search_insert AFTER INSERT ON shop_product
    BEGIN
        INSERT INTO shop_product_words (rowid, name, description)
            VALUES (new.id, new.name, new.description);
        INSERT INTO shop_product_letters (rowid, name) VALUES (new.id, new.name);
    END""",
    """CREATE TRIGGER IF NOT EXISTS shop_product_search_update
    AFTER UPDATE OF id, name, description ON shop_product
    BEGIN
        DELETE FROM shop_product_words WHERE rowid = old.id;
        DELETE FROM shop_product_letters WHERE rowid = old.id;
        INSERT INTO shop_product_words (rowid, name, description)
            VALUES (new.id, new.name, new.description);
        INSERT INTO shop_product_letters (rowid, name) VALUES (new.id, new.name);
    END""",
    """CREATE TRIGGER IF NOT EXISTS shop_product_search_delete AFTER DELETE ON shop_product
    BEGIN
        DELETE FROM shop_product_words WHERE rowid = old.id;
        DELETE FROM shop_product_letters WHERE rowid = old.id;
    END""",
    # Whatever was there before, indexed afresh.
    "DELETE FROM shop_product_words",
    "DELETE FROM shop_product_letters",
    "INSERT INTO shop_product_words (rowid, name, description)"
    " SELECT id, name, description FROM shop_product",
    "INSERT INTO shop_product_letters (rowid, name) SELECT id, name FROM shop_product",
]

DROP = [
    "DROP TRIGGER IF EXISTS shop_product_search_insert",
    "DROP TRIGGER IF EXISTS shop_product_search_update",
    "DROP TRIGGER IF EXISTS shop_product_search_delete",
    "DROP TABLE IF EXISTS shop_product_words",
    "DROP TABLE IF EXISTS shop_product_letters",
]


def install(apps, schema_editor) -> None:
    """Create (or restore) the search tables and their triggers, and index every product."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("shop", "0008_move_queued_expiry_tasks")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
