"""Background work of the dashboard: the daily recompute of the stock forecasts (also
`manage.py forecast_demand`). It can run again at any time with the same result."""

from django.tasks import task

from dashboard import forecasts


@task
def recompute_forecasts() -> int:
    return forecasts.recompute()
