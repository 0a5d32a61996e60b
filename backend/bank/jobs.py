"""The bank's periodic job: reconcile every township, policy and period with a batch again and keep
its differences as findings (idempotent; also ``flask bank-reconcile``). A return file's import does
the same for its own batch at once; this catches what changes without one — a notice posted or
corrected, a card changed."""
import logging

from .. import jobs
from . import reconcile

log = logging.getLogger("jicai.bank")


@jobs.periodic("SCAN_EVERY_MINUTES")
def reconcile_all():
    """三方对账 of everything with a batch; the townships whose differences changed are touched."""
    changed = reconcile.record_all()
    if changed:
        log.info("three-way reconciliation: %s township/policy/period(s) changed", changed)
