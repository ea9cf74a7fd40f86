from django.db import models


class Heartbeat(models.Model):
    """A task worker that is alive: written every few seconds by the worker itself, read by
    the reaper to tell a running task whose worker died from one that is still being run."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.host} (pid {self.pid})"
