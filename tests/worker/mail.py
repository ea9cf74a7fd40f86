"""An email backend for the task workers the tests start: each message written to a file of
its own, after MAIL_DELAY_SECONDS (so a test can kill a worker in the middle of sending)."""

import os
import time

from django.core.mail.backends import filebased


class SlowFileBackend(filebased.EmailBackend):
    def send_messages(self, email_messages):
        time.sleep(float(os.environ.get("MAIL_DELAY_SECONDS", "0")))
        return super().send_messages(email_messages)

    def _get_filename(self):
        # One file per message (the stock backend writes one per connection, named by time).
        self._fname = os.path.join(self.file_path, f"{time.time_ns()}-{os.getpid()}.log")
        return self._fname
