"""Log records as JSON lines, each stamped with the id of the request that emitted it.

RequestMiddleware sets `current_request_id` for the length of a request; RequestIdFilter,
on the console handler, copies it onto every record, whichever logger emitted it.
"""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)

# Fields a record carries when the caller passed them with `extra=`, in output order.
REQUEST_FIELDS = (
    "request_id", "user_id", "method", "path", "status", "duration_ms", "db_ms", "queries",
    "sql",
)


class RequestIdFilter(logging.Filter):
    """Stamps the current request's id on records that do not carry one already."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            request_id = current_request_id.get()
            if request_id is not None:
                record.request_id = request_id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: time (ISO 8601, UTC), level, logger, message,
    the request fields that are present, and the exception as text."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # A field passed as None (an anonymous user's id) is written as null.
        entry.update(
            (field, record.__dict__[field]) for field in REQUEST_FIELDS if field in record.__dict__
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # json.dumps escapes newlines inside strings, so a traceback stays on its line.
        return json.dumps(entry, default=str, ensure_ascii=False)
