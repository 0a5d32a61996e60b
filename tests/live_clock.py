"""gunicorn config for the live test server: each worker pins the app's clock to the suite's moment
(JICAI_TEST_CLOCK, set by conftest's live_server), so the server judges "today" as the tests do."""
import os
from datetime import datetime


def post_worker_init(worker):
    from backend.core import clock
    clock.freeze(datetime.fromisoformat(os.environ["JICAI_TEST_CLOCK"]))
