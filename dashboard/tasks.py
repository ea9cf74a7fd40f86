"""Background work of the dashboard: the daily recompute of the stock forecasts (also
`manage.py forecast_demand`) and the retention jobs (also `manage.py apply_retention`).
Each can run again at any time with the same result."""

from django.tasks import task

from dashboard import forecasts, retention


@task
def recompute_forecasts() -> int:
    return forecasts.recompute()


@task
def apply_retention() -> dict[str, int]:
    return retention.apply()
