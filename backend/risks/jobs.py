"""The risk engine's jobs: scan what a write touched (within seconds of the commit), and scan
everything every ``SCAN_EVERY_MINUTES`` (time alone opens warnings too: 30 days without an
inspection). Both are idempotent; ``flask risks-scan`` runs the same scans by hand."""
import logging

from .. import jobs
from . import engine

log = logging.getLogger("jicai.risks")


@jobs.on_touch
@jobs.job(retries=3, retry_delay=5)
def scan_touched(projects, regions):
    """Scan the projects (their rules) and regions (every rule, everything below them) that
    committed writes touched."""
    jobs.taken(projects, regions)
    if projects:
        engine.scan(projects=projects)
    if regions:
        engine.scan(regions=regions)
    jobs.scanned(projects, regions)


@jobs.periodic("SCAN_EVERY_MINUTES")
def scan_all():
    """Every rule over everything."""
    report = engine.scan()
    jobs.scanned()
    changed = {code: counts for code, counts in report.items() if any(counts.values())}
    log.info("full risk scan: %s", changed or "nothing changed")
