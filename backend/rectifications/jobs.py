"""The rectification loop's periodic job: escalate overdue rectifications (idempotent; also
``flask escalate``)."""
from .. import jobs
from . import services


@jobs.periodic("SCAN_EVERY_MINUTES")
def escalate():
    """Escalate the rectifications that went past their due date since the last run."""
    services.escalate()
