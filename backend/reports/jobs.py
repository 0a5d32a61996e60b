"""Report generation as jobs: one report a job, with its progress; and the monthly schedule."""
import logging

from .. import jobs
from ..core import clock
from ..extensions import db
from . import services
from .models import Report

log = logging.getLogger("jicai.reports")


def progress_key(report_id):
    return f"report:{report_id}"


@jobs.job(retries=1)
def generate_report(report_id):
    """Make a queued report's file (idempotent: a done report is left alone)."""
    report = db.session.get(Report, report_id)
    if report is None or report.status != "queued":
        return
    try:
        services.generate(report, progress=lambda **v: jobs.report_progress(progress_key(report_id), **v))
    except Exception as error:
        db.session.rollback()
        log.exception("report %s failed", report_id)
        report = db.session.get(Report, report_id)
        report.status, report.error, report.finished_at = "failed", str(error)[:500], clock.now()
    finally:
        jobs.forget_progress(progress_key(report_id))


def monthly_due(config, moment):
    """Once an hour at minute 0 (UTC) on the days of ``REPORTS_MONTHLY_DAYS``; idempotent per region
    and month, so a worker down at the hour catches up at the next."""
    return bool(config["REPORTS_MONTHLY_DAYS"]) and moment.minute == 0 and \
        clock.as_utc(moment).astimezone(clock.CHINA).day in config["REPORTS_MONTHLY_DAYS"]


@jobs.periodic(when=monthly_due)
def monthly_reports():
    """Last month's reports for every region that has none yet (``flask reports-monthly``)."""
    queued = services.schedule_monthly()
    if queued:
        log.info("monthly reports queued: %d", queued)
