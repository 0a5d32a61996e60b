"""The oversight feature's periodic job: the daily digest (idempotent per user and day; also
``flask digest``)."""
import logging

from .. import jobs
from . import digest

log = logging.getLogger("jicai.oversight")


@jobs.periodic(when=digest.due)
def send_digest():
    """Today's digest to every supervisor who has not had it yet."""
    sent = digest.send()
    if sent:
        log.info("daily digest sent to %d users", sent)
