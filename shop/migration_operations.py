"""Migration operations for what only PostgreSQL has; on SQLite they change the state only."""

from django.db import migrations


class AddIndexOnPostgres(migrations.AddIndex):
    """An index that only PostgreSQL can build (GIN over a tsvector or trigrams)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
