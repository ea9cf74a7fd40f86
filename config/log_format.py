"""How log lines look, for Django's LOGGING and for gunicorn's own loggers alike: JSON lines
for the log collector, or text for people, as LOG_FORMAT says. The JSON formatter is named by
its dotted path, which logging resolves when it sets the loggers up: config imports no app."""

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
