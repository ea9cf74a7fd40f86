"""Checking the shop's dependencies, for the readiness probe and the health page.

`check_database`, `check_cache` and `check_migrations` each answer with a `Check`;
`check_readiness` runs the three and says whether this process can take traffic;
`describe_health` adds what a person looking at the service wants to know, the read replica
among it (`check_replica`).

The replica is left out of readiness on purpose: reads meant for it go to the primary while
it is away (core.db_routers), so it takes no pod out of the service, and a replica that does
not answer would hold the probe for its connect timeout, past the kubelet's.

A failing check carries a short reason made from the kind of error, never its message: the
probes answer anyone who reaches the process, and a driver's message can name hosts and
users. The message goes to the log.
"""

import importlib.metadata
import logging
import platform
import secrets
import time
from dataclasses import asdict, dataclass, field

import django
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from config.databases import REPLICA
from monitoring import metrics
from monitoring.task_backlog import TaskFailures, read_task_queue

logger = logging.getLogger(__name__)

OK = "ok"
DEGRADED = "degraded"  # a soft dependency is down; the shop still serves
FAILING = "failing"
SKIPPED = "skipped"

# Long enough for a loaded database, short enough that the kubelet's probe (1 s by default)
# gets an answer rather than a timeout.
STATEMENT_TIMEOUT_MS = 500


@dataclass
class Check:
    status: str
    latency_ms: float | None = None
    reason: str = ""
    detail: dict = field(default_factory=dict)

    @property
    def failing(self) -> bool:
        return self.status == FAILING

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value not in ("", {}, None)}


@dataclass
class Readiness:
    checks: dict[str, Check]

    @property
    def failing(self) -> list[str]:
        return [name for name, check in self.checks.items() if check.failing]

    @property
    def status(self) -> str:
        return FAILING if self.failing else OK


def check_database(alias: str = "default") -> Check:
    """`SELECT 1`, bounded by a statement timeout on PostgreSQL (the connect timeout is the
    database setting's OPTIONS)."""
    connection = connections[alias]
    started = time.perf_counter()
    try:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
            cursor.execute("SELECT 1")
            cursor.fetchone()
            # Nothing was written; rolling back also ends the SET LOCAL, also when this runs
            # inside an outer transaction (where it is only a savepoint).
            transaction.set_rollback(True, using=alias)
    except DatabaseError as error:
        logger.warning("Readiness: the database check (%s) failed: %s", alias, error)
        return Check(FAILING, reason=_reason("unreachable", error))
    return Check(OK, latency_ms=_since(started))


def check_cache(alias: str = "default") -> Check:
    """A set and a get of a random key. The cache is a soft dependency: when it does not
    answer (django-redis set to ignore errors answers None) it is degraded, not failing."""
    cache = caches[alias]
    backend = _cache_backend(cache)
    key = f"readiness:{secrets.token_hex(8)}"
    started = time.perf_counter()
    try:
        cache.set(key, "1", timeout=10)
        answered = cache.get(key) == "1"
        cache.delete(key)
    except Exception as error:  # any backend error means "down", never a 500
        logger.warning("Readiness: the cache check failed: %s", error)
        return Check(DEGRADED, reason=_reason("unreachable", error), detail={"backend": backend})
    if not answered:
        return Check(DEGRADED, reason="no answer", detail={"backend": backend})
    return Check(OK, latency_ms=_since(started), detail={"backend": backend})


class _MigrationState:
    """Whether every migration is applied, remembered once it is: that only changes with a
    deploy, which starts new processes. Until then the graph is read on each check."""

    all_applied = False

    def forget(self) -> None:
        self.all_applied = False


migration_state = _MigrationState()


def check_migrations(alias: str = "default") -> Check:
    if migration_state.all_applied:
        return Check(OK, detail={"pending": 0})
    try:
        executor = MigrationExecutor(connections[alias])
        pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except DatabaseError as error:
        logger.warning("Readiness: the migrations check failed: %s", error)
        return Check(FAILING, reason=_reason("unreadable", error))
    if pending:
        return Check(FAILING, reason=f"{pending} not applied", detail={"pending": pending})
    migration_state.all_applied = True
    return Check(OK, detail={"pending": 0})


def check_readiness() -> Readiness:
    database = check_database()
    if database.failing:
        # Asking again would only wait for a second connect timeout.
        migrations = Check(SKIPPED, reason="database unreachable")
    else:
        migrations = check_migrations()
    return Readiness({"database": database, "cache": check_cache(), "migrations": migrations})


def check_replica() -> Check | None:
    """The read replica, when there is one: a `SELECT 1` like the primary's, degraded (never
    failing) when it does not answer. One that names the primary's own database (the test
    suite's mirror of it) is no replica."""
    if REPLICA not in settings.DATABASES:
        return None
    if _where(connections[REPLICA].settings_dict) == _where(connections["default"].settings_dict):
        return None
    check = check_database(REPLICA)
    if check.failing:
        return Check(DEGRADED, reason=check.reason)
    return check


def check_tasks(*, database: Check) -> tuple[Check, list[TaskFailures]]:
    """The task queue, and each task's failures of the last day. Tasks failing now (failed
    and not made good since) or stuck make it degraded (emails late, orders not expiring),
    not failing: the shop still serves. Failures a retry made good are history only."""
    if database.failing:
        return Check(SKIPPED, reason="database unreachable"), []
    started = time.perf_counter()
    try:
        queue = read_task_queue()
    except DatabaseError as error:
        logger.warning("Task backlog unreadable: %s", error)
        return Check(DEGRADED, reason=_reason("unreadable", error)), []
    backlog = queue.backlog
    stuck = backlog["failing"] or backlog["stale_running"]
    check = Check(DEGRADED if stuck else OK, latency_ms=_since(started), detail=backlog,
                  reason="failing or stuck tasks" if stuck else "")
    return check, queue.failures


def describe_health(*, details: bool = True) -> dict:
    """Readiness plus the version and the task queue, for the health page; with `details`
    also the software versions, the cache hit ratio (which reads every worker's metric
    files) and the last day's task failures, for staff."""
    readiness = check_readiness()
    checks = {name: check.as_dict() for name, check in readiness.checks.items()}
    tasks, task_failures = check_tasks(database=readiness.checks["database"])
    checks["tasks"] = tasks.as_dict()
    replica = check_replica()
    if replica is not None:
        checks["replica"] = replica.as_dict()
    report = {
        "status": readiness.status,
        "failing": readiness.failing,
        "version": app_version(),
        "checks": checks,
    }
    if details:
        report |= {
            "python": platform.python_version(),
            "django": django.get_version(),
            # Since the workers started; None before the first cache read.
            "cache_hit_ratio": metrics.cache_hit_ratio(
                multiprocess_dir=settings.PROMETHEUS_MULTIPROC_DIR
            ),
            # The last day's, made good or not: what went wrong lately, beside what is wrong now.
            "task_failures": [
                asdict(failure) | {"recovered": failure.recovered} for failure in task_failures
            ],
        }
    return report


def app_version() -> str:
    """The deployed version: APP_VERSION as the deploy stamps it (a tag or a commit), else
    the package's own."""
    if settings.APP_VERSION:
        return settings.APP_VERSION
    try:
        return importlib.metadata.version("storefront")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _where(database: dict) -> tuple:
    return database["HOST"], database["PORT"], database["NAME"]


def _cache_backend(cache) -> str:
    """`redis`, or `local` for a cache inside this process (local memory, dummy)."""
    return "redis" if "redis" in type(cache).__module__ else "local"


def _reason(what: str, error: Exception) -> str:
    return f"{what} ({type(error).__name__})"


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
