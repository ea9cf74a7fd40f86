"""PostgreSQL: the words of the products' names, each once, for a search with a typo.

A search whose words match nothing looks for names with words spelled close to them
(shop.selectors.spellings). Scoring every name that shares letters with the search took most
of the page at 200,000 products: "wooll" shares trigrams with 6,700 names, and scoring each
one (twice, to match and to rank) took 60–70 ms. The catalogue's names have about 18,000
different words there: the close ones are found among those, in a millisecond, and the
names holding them by the trigram index of the name, which a regular expression of those
words rechecks cheaply (15 ms for the same page).

Triggers keep the table: the words of every product inserted (once per statement, so a COPY
of 200,000 products adds theirs in one go) and of every new name. Words are inserted in
order, so that two writers adding the same new words wait for each other rather than
deadlock (each statement's words in order: two transactions adding the same new words in
several statements each could still deadlock, and one would fail; the shop writes a product
in one statement). A writer adding a word another has just added waits until that one
commits. A word is never taken out: one that no name has any more finds no product, and
costs only its row. SQLite reads its trigram table of names instead (0009).
"""

from django.db import migrations

# As shop.selectors.spellings reads words: letters and digits in a row, lower-cased; of three
# letters or more, as its `closeness` reads a name's.
POSTGRES = [
    "CREATE TABLE shop_name_word (word text PRIMARY KEY)",
    """CREATE OR REPLACE FUNCTION shop_name_words(names text[]) RETURNS void
    LANGUAGE sql AS $$
        INSERT INTO shop_name_word (word)
        SELECT DISTINCT word
        FROM unnest(names) AS name, regexp_split_to_table(lower(name), '[^[:alnum:]]+') AS word
        WHERE length(word) >= 3
        ORDER BY word
        ON CONFLICT DO NOTHING
    $$""",
    """CREATE OR REPLACE FUNCTION shop_product_name_words_added() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM shop_name_words(ARRAY(SELECT name FROM added));
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER shop_product_name_words_added
    AFTER INSERT ON shop_product REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION shop_product_name_words_added()""",
    # A trigger reading a transition table may not name the columns it follows: a row trigger
    # follows the name alone, so that a product's other changes (its prices, its rating) add
    # nothing to their writes.
    """CREATE OR REPLACE FUNCTION shop_product_name_words_renamed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM shop_name_words(ARRAY[NEW.name]);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER shop_product_name_words_renamed
    AFTER UPDATE OF name ON shop_product
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION shop_product_name_words_renamed()""",
    "SELECT shop_name_words(ARRAY(SELECT name FROM shop_product))",
    # New words go straight into the index, not into GIN's list of pending entries: every
    # search with a typo would read through that list until a vacuum took it in, and the
    # planner, counting it, would rather read the whole table.
    "CREATE INDEX shop_name_word_trigram ON shop_name_word USING gin (word gin_trgm_ops)"
    " WITH (fastupdate = off)",
    "ANALYZE shop_name_word",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS shop_product_name_words_renamed ON shop_product",
    "DROP TRIGGER IF EXISTS shop_product_name_words_added ON shop_product",
    "DROP FUNCTION IF EXISTS shop_product_name_words_renamed()",
    "DROP FUNCTION IF EXISTS shop_product_name_words_added()",
    "DROP FUNCTION IF EXISTS shop_name_words(text[])",
    "DROP TABLE IF EXISTS shop_name_word",
]


def install(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("shop", "0024_variant_product_size_price")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
