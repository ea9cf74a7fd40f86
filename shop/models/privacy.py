"""A customer's download of their data: prepared by a task, kept as a private file under a
name nobody can guess, and handed out only through a signed link that expires."""

from django.conf import settings
from django.db import models


class DataExport(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="data_exports", on_delete=models.CASCADE
    )
    # The file in the default storage; empty until the task has written it.
    file_name = models.CharField(max_length=200, blank=True, editable=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When the link went out: the task that sends it sends it once, however often it runs.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Data export {self.pk} of {self.user_id}"
