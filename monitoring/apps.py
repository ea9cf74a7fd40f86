from django.apps import AppConfig

from monitoring.sentry import init_sentry


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Before the first request or task, in every process (web, worker, commands): errors
        # are reported from the start.
        init_sentry()
