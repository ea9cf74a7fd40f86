"""Settings for the task workers the tests start as processes of their own: the test settings
with tasks in the database, emails written to files in MAIL_DIR and logs as JSON lines."""

import os

from config.settings import base
from config.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "worker.backend.DatabaseBackend"}}
MAILERS = {
    "default": {
        "BACKEND": "tests.worker.mail.SlowFileBackend",
        "OPTIONS": {"file_path": os.environ.get("MAIL_DIR", "")},
    }
}
LOGGING = base.LOGGING
