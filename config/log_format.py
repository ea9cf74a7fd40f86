"""How log lines look, for Django's LOGGING (`django_logging`) and for gunicorn's own loggers
alike: JSON lines for the log collector, or text for people, as LOG_FORMAT says. The JSON
formatter and the request id filter are named by their dotted paths, which logging resolves
when it sets the loggers up: config imports no app."""

from django.core.exceptions import ImproperlyConfigured

from config import env

FORMATTERS = {
    "json": {"()": "monitoring.logs.JsonFormatter"},
    "text": {
        "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        "defaults": {"request_id": "-"},
    },
}


def log_format() -> str:
    """LOG_FORMAT, `json` unless set."""
    value = env.text("LOG_FORMAT", "json").lower()
    if value not in FORMATTERS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {value!r}.")
    return value


def django_logging() -> dict:
    """Django's LOGGING: every record to the console in LOG_FORMAT, at LOG_LEVEL (INFO)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        # On the handler, so records from every logger carry the current request's id.
        "filters": {"request_id": {"()": "monitoring.logs.RequestIdFilter"}},
        "formatters": FORMATTERS,
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format(),
                "filters": ["request_id"],
            },
        },
        "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    }
