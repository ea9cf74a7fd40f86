"""Reading from a replica: `ReplicaRouter`, and `reading_from_replica()`, which marks the
reads that may lag by seconds.

With DATABASE_REPLICA_URL set, the settings add the `replica` database and this router.
Every read goes to the primary (`default`) unless it runs inside `reading_from_replica()`:
the staff dashboard and its reports, the sellers' figures and the rebuilds of the
recommendations and the stock forecasts wrap themselves in it. Even there a read stays on
the primary when
- its model is none of the shop's own data (REPLICA_APPS): sessions, permissions, second
  factors, the audit log and the task queue are read where they were written, so a
  sign-in, a role given or taken away counts at once;
- it runs inside a transaction on the primary: what a transaction reads decides what it
  writes, so it reads what is there now;
- the replica could not be reached in the last DOWN_SECONDS: the read goes to the primary,
  slower but right, and the replica is tried again after that (one warning each time).
Writes always go to the primary, and migrations run only there.

The mark is a context variable, so it belongs to one request or task, never to another
thread's.
"""

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
# The apps whose rows may be read a few seconds late, inside `reading_from_replica()`.
REPLICA_APPS = frozenset({"shop", "payments", "dashboard", "marketplace", "recommendations"})
# How long a replica that did not answer is left alone before it is tried again.
DOWN_SECONDS = 30

# The same logger as the primary's outages (monitoring.outage), for one alert on both.
logger = logging.getLogger("shop.outage")

_reading = ContextVar("reading_from_replica", default=False)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads of the shop's data inside go to the replica when there is one (see the module).
    Also a decorator: `@reading_from_replica()`."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def iterate_from_replica[T](items: Iterable[T]) -> Iterator[T]:
    """`items`, each taken inside `reading_from_replica()`: for what is read after its view
    has returned, such as a streamed response."""
    iterator = iter(items)
    while True:
        with reading_from_replica():
            try:
                item = next(iterator)
            except StopIteration:
                return
        yield item


class ReplicaRouter:
    """Named in DATABASE_ROUTERS only when the replica is configured."""

    def db_for_read(self, model, **hints) -> str:
        if (
            _reading.get()
            and model._meta.app_label in REPLICA_APPS
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
            and replica_health.answers()
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the primary's rows: an object read from either may refer to one
        # read from the other.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaHealth:
    """Whether the replica can be read now: its connection opened (or, kept from an earlier
    request, checked once per request as Django checks the primary's), unless it failed in
    the last DOWN_SECONDS. Opening it waits at most the connect timeout, once per
    DOWN_SECONDS per process while the replica is away."""

    def __init__(self) -> None:
        self.down_until = 0.0

    def answers(self) -> bool:
        if time.monotonic() < self.down_until:
            return False
        connection = connections[REPLICA]
        try:
            connection.close_if_health_check_failed()
            connection.ensure_connection()
        except DatabaseError as error:
            self.down_until = time.monotonic() + DOWN_SECONDS
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            logger.warning(
                "The replica database is unavailable, reading from the primary for %d s: %s",
                DOWN_SECONDS, reason or type(error).__name__,
            )
            return False
        return True

    def forget(self) -> None:
        """Try the replica again at the next read."""
        self.down_until = 0.0


replica_health = ReplicaHealth()
