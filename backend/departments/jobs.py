"""The departments' periodic job: remind before a task's deadline, escalate to the county after it
(idempotent; also ``flask department-tasks-remind``)."""
from .. import jobs
from . import services


@jobs.periodic("SCAN_EVERY_MINUTES")
def remind_and_escalate():
    """Remind the assignees of tasks due soon and escalate the overdue ones, each once."""
    services.remind_and_escalate()
