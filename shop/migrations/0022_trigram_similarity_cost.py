"""PostgreSQL: pg_trgm's strict word similarity, which a search with a typo matches names by
(`name %>> text`), told what it costs.

pg_trgm declares its functions at the cost of a plain comparison (1). Scoring one name
against the search took about 6 µs there, far more than a comparison, so at 200,000
products the planner read the products in turn and scored their names, 30,000 of them
before it had the first 1,001 matches (170 ms), rather than asking the name's trigram index
for the candidates (11 ms): it reckoned on finding them after a few percent of the table. At
a cost of 100 it takes the index.

pg_trgm belongs to whoever created it. Where another role did (a managed database, say), this
role may not alter its functions: the search then plans as before, and the migration says so
rather than failing. SQLite scores names itself (shop.selectors.search): nothing to do there.
"""

from django.db import migrations

FUNCTIONS = ("strict_word_similarity_op", "strict_word_similarity_commutator_op")
COST = 100
DEFAULT_COST = 1


def _set_cost(schema_editor, cost: int) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = " ".join(f"ALTER FUNCTION {name}(text, text) COST {cost};" for name in FUNCTIONS)
    schema_editor.execute(f"""
        DO $$
        BEGIN
            {statements}
        EXCEPTION WHEN insufficient_privilege OR undefined_function THEN
            RAISE NOTICE USING MESSAGE =
                'The cost of pg_trgm''s strict word similarity is left as it is: ' || SQLERRM;
        END $$
    """)


def told(apps, schema_editor) -> None:
    _set_cost(schema_editor, COST)


def untold(apps, schema_editor) -> None:
    _set_cost(schema_editor, DEFAULT_COST)


class Migration(migrations.Migration):
    dependencies = [("shop", "0021_stored_listing_columns")]

    operations = [migrations.RunPython(told, untold, elidable=False)]
