from django.core.management.base import BaseCommand

from dashboard import forecasting, forecasts


class Command(BaseCommand):
    help = (
        "Forecast every variant's daily demand from its sales (trend and weekday, or the last "
        "4 weeks' average where that did better), and print the backtest: the mean absolute "
        f"error per day over the last {forecasting.BACKTEST_WEEKS} weeks beside the naive "
        "forecast's. Safe to run at any time (a cron job or a Kubernetes CronJob once a day)."
    )

    def handle(self, *args: object, **options: object) -> None:
        made = forecasts.recompute()
        result = forecasts.summary()
        self.stdout.write(f"Forecast {made:,} variants that sold in the last "
                          f"{forecasts.HISTORY_DAYS} days.")
        if not result.variants:
            self.stdout.write("No variant has enough history for a backtest.")
            return
        self.stdout.write(
            f"Backtest over the last {forecasting.BACKTEST_WEEKS} weeks, {result.variants:,} "
            f"variants: mean absolute error {result.model_error:.3f} units a day "
            f"(trend and weekday) against {result.naive_error:.3f} (the last 4 weeks' "
            f"average); the model is used for {result.use_model:,} of them."
        )
