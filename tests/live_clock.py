"""gunicorn config for the live test server: each worker pins the app's clock to the suite's moment
(JICAI_TEST_CLOCK, set by conftest's live_server), so the server judges "today" as the tests do."""
import os
import runpy
from datetime import datetime
from pathlib import Path

# The repository's own settings first (threads, timeout), as `make run` has them.
globals().update({k: v for k, v in runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py")).items()
                  if not k.startswith("__")})


def post_worker_init(worker):
    from backend.core import clock
    clock.freeze(datetime.fromisoformat(os.environ["JICAI_TEST_CLOCK"]))
