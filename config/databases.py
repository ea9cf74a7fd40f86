"""The databases: the primary from DATABASE_URL (a SQLite file without it), and a read replica
from DATABASE_REPLICA_URL when that is set, with the same options.

The replica is a copy kept by the database's own replication (PostgreSQL streaming
replication): nothing here writes to it. Which reads go there is core.db_routers' business.
"""

from pathlib import Path

import dj_database_url

from config import env

REPLICA = "replica"


def databases(base_dir: Path) -> dict:
    primary = _database(env.text("DATABASE_URL") or f"sqlite:///{base_dir / 'db.sqlite3'}")
    found = {"default": primary}
    replica_url = env.text("DATABASE_REPLICA_URL")
    if replica_url:
        # Tests create no database of their own for it: it reads the test database.
        found[REPLICA] = _database(replica_url) | {"TEST": {"MIRROR": "default"}}
    return found


def _database(url: str) -> dict:
    database = dj_database_url.parse(
        url, conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # Writers take the database's write lock when their transaction begins, so two at
        # once queue up (for up to 20 s) instead of one failing with "database is locked".
        database["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    if database["ENGINE"] == "django.db.backends.postgresql":
        # A search with a typo finds the catalogue's words spelled close to its own with `%`,
        # from this similarity (shop.selectors.spellings.CLOSE_ENOUGH), whatever the server's.
        # No query is compiled just in time: the shop's take milliseconds, and PostgreSQL
        # compiles any whose estimated cost is high, which a correlated subquery's often is
        # (compiling the low-stock panel's took 0.4 s of its 0.44 at 100,000 orders).
        database.setdefault("OPTIONS", {})["options"] = (
            "-c pg_trgm.similarity_threshold=0.4 -c jit=off"
        )
        # A database that does not answer fails a request (and the readiness probe) in 2 s,
        # the driver's shortest, instead of waiting out TCP's retries. `?connect_timeout=`
        # wins.
        database["OPTIONS"].setdefault("connect_timeout", 2)
    return database
