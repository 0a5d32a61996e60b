"""`flask …` for the live test worker: with JICAI_TEST_CLOCK set (conftest's live_env), the app's
clock is pinned to the suite's moment first, so the worker judges "today" as the tests and the live
gunicorn do (see live_clock.py)."""
import os
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if __name__ == "__main__":
    from backend.core import clock
    if os.environ.get("JICAI_TEST_CLOCK"):
        clock.freeze(datetime.fromisoformat(os.environ["JICAI_TEST_CLOCK"]))
    from flask.cli import main
    sys.argv[0] = "flask"
    main()
