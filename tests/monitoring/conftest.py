import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from monitoring import health


@pytest.fixture(autouse=True)
def _migrations_checked_afresh():
    """The "all applied" answer is kept for the life of the process; each test starts without."""
    health.migration_state.forget()
    yield
    health.migration_state.forget()


@pytest.fixture
def unapplied_migration(db):
    """The latest migration of an app, recorded as not applied (the test's transaction puts
    the record back)."""
    app, name = sorted(MigrationLoader(connection).graph.leaf_nodes())[0]
    MigrationRecorder(connection).record_unapplied(app, name)
    return app, name
