"""What a listing sorts and ranks by, stored on the product and kept by the database.

- `search_document` (PostgreSQL): the weighted tsvector of the name and description, which
  the GIN index was built on as an expression (0001); ranking had to work it out again for
  every match. A row trigger sets it on every insert and every change of the name or the
  description.
- `lowest_price`, `highest_price`: the cheapest and dearest variant. Triggers on the variant
  table set them whenever a variant is added, deleted, repriced or moved to another product.
  On PostgreSQL an insert or delete runs them once per statement over the rows it wrote (a
  COPY of 850,000 variants updates each product once), a new price once per row; on SQLite
  each runs once per row. A change of stock runs none.

Triggers rather than code in the services: every writer goes through them, the ORM, the admin,
`bulk_create`, `update()`, the demo loader and the benchmark's COPY alike, as the SQLite search
tables are kept (0009). Rows that exist are filled in here. SQLite drops a table's triggers
when Django rebuilds the table: a later migration that does so to shop_variant must run
`install` again (tests/shop/test_stored_columns.py fails until it does).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

from shop.migration_operations import AddIndexOnPostgres, RemoveIndexOnPostgres

# What the price indexes hold besides the price (as shop.models.catalogue has it today).
LISTING_FILTERS = ["id", "category", "seller", "is_active", "seller_listed"]
# Both databases: one product's prices worked out from its variants, for a trigger body.
PRICES = (
    "lowest_price = (SELECT MIN(price) FROM shop_variant WHERE product_id = {id}),"
    " highest_price = (SELECT MAX(price) FROM shop_variant WHERE product_id = {id})"
)

POSTGRES = [
    """CREATE OR REPLACE FUNCTION shop_product_search_document() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        -- As shop.models.catalogue.search_vector() writes it.
        NEW.search_document :=
            setweight(to_tsvector('english'::regconfig, COALESCE(NEW.name, '')), 'A')
            || setweight(to_tsvector('english'::regconfig, COALESCE(NEW.description, '')), 'B');
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER shop_product_search_document
    BEFORE INSERT OR UPDATE OF name, description ON shop_product
    FOR EACH ROW EXECUTE FUNCTION shop_product_search_document()""",
    """CREATE OR REPLACE FUNCTION shop_product_prices(ids bigint[]) RETURNS void
    LANGUAGE sql AS $$
        UPDATE shop_product AS product SET lowest_price = found.lowest,
            highest_price = found.highest
        FROM (
            SELECT changed.id, MIN(variant.price) AS lowest, MAX(variant.price) AS highest
            FROM unnest(ids) AS changed(id)
            LEFT JOIN shop_variant AS variant ON variant.product_id = changed.id
            GROUP BY changed.id
        ) AS found
        WHERE product.id = found.id
            AND (product.lowest_price, product.highest_price)
                IS DISTINCT FROM (found.lowest, found.highest)
    $$""",
    # Transition tables exist only for the trigger that names them: each branch reads its own.
    """CREATE OR REPLACE FUNCTION shop_variant_prices() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM shop_product_prices(ARRAY(SELECT DISTINCT product_id FROM added));
        ELSE
            PERFORM shop_product_prices(ARRAY(SELECT DISTINCT product_id FROM removed));
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION shop_variant_repriced() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM shop_product_prices(ARRAY[OLD.product_id, NEW.product_id]);
        RETURN NULL;
    END $$""",
    # A product written whole (the ORM's save() sets every column) with prices read before
    # its variants last changed would put the old prices back: they are worked out again.
    # Not on insert, so that a COPY's products keep the prices written with them.
    """CREATE OR REPLACE FUNCTION shop_product_prices_kept() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        SELECT MIN(price), MAX(price) INTO NEW.lowest_price, NEW.highest_price
        FROM shop_variant WHERE product_id = NEW.id;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER shop_product_prices_kept
    BEFORE UPDATE OF lowest_price, highest_price ON shop_product
    FOR EACH ROW EXECUTE FUNCTION shop_product_prices_kept()""",
    """CREATE TRIGGER shop_variant_prices_insert AFTER INSERT ON shop_variant
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION shop_variant_prices()""",
    # Per row, and only for a new price or product: a statement trigger cannot name columns,
    # and would run for every change of stock.
    """CREATE TRIGGER shop_variant_prices_update AFTER UPDATE OF price, product_id ON shop_variant
    FOR EACH ROW WHEN (OLD.price IS DISTINCT FROM NEW.price
                       OR OLD.product_id IS DISTINCT FROM NEW.product_id)
    EXECUTE FUNCTION shop_variant_repriced()""",
    """CREATE TRIGGER shop_variant_prices_delete AFTER DELETE ON shop_variant
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION shop_variant_prices()""",
]

POSTGRES_FILL = [
    # Setting the name to itself fires the trigger, which writes the document.
    "UPDATE shop_product SET name = name",
    "UPDATE shop_product SET " + PRICES.format(id="shop_product.id"),
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS shop_variant_prices_insert ON shop_variant",
    "DROP TRIGGER IF EXISTS shop_variant_prices_update ON shop_variant",
    "DROP TRIGGER IF EXISTS shop_variant_prices_delete ON shop_variant",
    "DROP FUNCTION IF EXISTS shop_variant_prices()",
    "DROP FUNCTION IF EXISTS shop_variant_repriced()",
    "DROP FUNCTION IF EXISTS shop_product_prices(bigint[])",
    "DROP TRIGGER IF EXISTS shop_product_prices_kept ON shop_product",
    "DROP FUNCTION IF EXISTS shop_product_prices_kept()",
    "DROP TRIGGER IF EXISTS shop_product_search_document ON shop_product",
    "DROP FUNCTION IF EXISTS shop_product_search_document()",
]

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS shop_variant_prices_insert AFTER INSERT ON shop_variant
    BEGIN
        UPDATE shop_product SET {PRICES.format(id="new.product_id")} WHERE id = new.product_id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS shop_variant_prices_update
    AFTER UPDATE OF price, product_id ON shop_variant
    BEGIN
        UPDATE shop_product SET {PRICES.format(id="new.product_id")} WHERE id = new.product_id;
        UPDATE shop_product SET {PRICES.format(id="old.product_id")} WHERE id = old.product_id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS shop_variant_prices_delete AFTER DELETE ON shop_variant
    BEGIN
        UPDATE shop_product SET {PRICES.format(id="old.product_id")} WHERE id = old.product_id;
    END""",
    # As on PostgreSQL, a product written with old prices gets its own back. SQLite does not
    # fire a trigger again from its own statement (recursive_triggers is off).
    f"""CREATE TRIGGER IF NOT EXISTS shop_product_prices_kept
    AFTER UPDATE OF lowest_price, highest_price ON shop_product
    BEGIN
        UPDATE shop_product SET {PRICES.format(id="new.id")} WHERE id = new.id;
    END""",
    "UPDATE shop_product SET " + PRICES.format(id="shop_product.id"),
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS shop_product_prices_kept",
    "DROP TRIGGER IF EXISTS shop_variant_prices_insert",
    "DROP TRIGGER IF EXISTS shop_variant_prices_update",
    "DROP TRIGGER IF EXISTS shop_variant_prices_delete",
]


def install(apps, schema_editor) -> None:
    """Create (or restore) the triggers, and fill the columns in for every product."""
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES_DROP + POSTGRES + POSTGRES_FILL, "sqlite": SQLITE}
    for statement in statements.get(vendor, []):
        schema_editor.execute(statement)


def uninstall(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("shop", "0020_privacy")]

    operations = [
        # First, so that filling the column in does not keep the old index up to date too.
        RemoveIndexOnPostgres(model_name="product", name="product_search_vector"),
        migrations.AddField(
            model_name="product",
            name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="product",
            name="lowest_price",
            field=models.DecimalField(
                blank=True, decimal_places=2, editable=False, max_digits=10, null=True
            ),
        ),
        migrations.AddField(
            model_name="product",
            name="highest_price",
            field=models.DecimalField(
                blank=True, decimal_places=2, editable=False, max_digits=10, null=True
            ),
        ),
        AddIndexOnPostgres(
            model_name="product",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_document"], name="product_search_document"
            ),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                fields=["lowest_price", *LISTING_FILTERS], name="product_lowest"
            ),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                fields=["-highest_price", *LISTING_FILTERS], name="product_highest"
            ),
        ),
        # Last: an index built after the rows were updated in the same transaction may not be
        # used until every transaction older than it has ended (pg_index.indcheckxmin).
        migrations.RunPython(install, uninstall, elidable=False),
    ]
