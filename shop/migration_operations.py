"""Migration operations for what only PostgreSQL has; on SQLite they change the state only."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState


class OnPostgresOnly:
    """Runs the operation's database side on PostgreSQL alone."""

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState, to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState, to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class AddIndexOnPostgres(OnPostgresOnly, migrations.AddIndex):
    """An index that only PostgreSQL can build (GIN over a tsvector or trigrams)."""


class RemoveIndexOnPostgres(OnPostgresOnly, migrations.RemoveIndex):
    """The removal of an index that only PostgreSQL had (AddIndexOnPostgres)."""
