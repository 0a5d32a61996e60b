"""Report generation as jobs: one report a job, with its progress; and the monthly schedule."""
import logging

from .. import jobs
from ..core import clock
from ..extensions import db, reading
from . import services
from .models import Report

log = logging.getLogger("jicai.reports")


def progress_key(report_id):
    return f"report:{report_id}"


@jobs.job(retries=1)
def generate_report(report_id):
    """Make a queued report's file (idempotent: a done report is left alone). It reads in a read-only
    transaction, ends it, renders with none open (a long PDF takes minutes: on SQLite the one write
    lock stays free for everyone else), then stores the file in a short write."""
    progress = lambda **v: jobs.report_progress(progress_key(report_id), **v)  # noqa: E731
    try:
        with reading():
            report = db.session.get(Report, report_id)
            if report is None or report.status != "queued":
                db.session.rollback()
                return
            made = services.read(report, progress)
        db.session.rollback()  # (nothing was written: the read transaction ends here)
        body = services.render_body(made, progress)
        report = db.session.get(Report, report_id)
        if report.status == "queued":  # (another worker may have finished it meanwhile)
            services.store(report, made, body, progress)
    except Exception as error:
        db.session.rollback()
        log.exception("report %s failed", report_id)
        report = db.session.get(Report, report_id)
        # The cause is in the log; the reader is told what to do (an exception's text may carry a
        # statement and its values, which are not theirs to read).
        report.status, report.error, report.finished_at = "failed", FAILED, clock.now()
    finally:
        jobs.forget_progress(progress_key(report_id))


FAILED = "报表生成失败，请重新生成；仍失败请联系系统管理员（The report failed: generate it again, or ask the administrator）"


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
