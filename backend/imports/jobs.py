"""Imports as jobs: an upload is kept and queued (``engine.queue_file``), and a worker imports it —
all or nothing, as ``flask import`` does — publishing its progress (rows read, rows checked,
problems so far) for the import screen."""
import logging

from flask import current_app
from sqlalchemy import select

from .. import jobs
from ..core import storage
from ..core.models import Region
from ..extensions import db
from . import engine
from .models import ImportRun

log = logging.getLogger("jicai.imports")


def progress_key(import_id):
    return f"import:{import_id}"


@jobs.job(retries=0)
def run_import(import_id):
    """Import a queued run's file. Idempotent: a run that is no longer queued is left alone."""
    run = db.session.get(ImportRun, import_id)
    if run is None or run.status != "queued" or not run.file_key:
        return
    kind, filename, key = run.kind, run.filename, run.file_key
    saved = engine.saved_columns(kind, db.session.get(Region, run.region_id))
    db.session.rollback()  # read the file with no transaction open (SQLite: no lock while reading)
    report = lambda **values: jobs.report_progress(progress_key(import_id), **values)  # noqa: E731
    report(phase="reading", rows=None, checked=0, problems=0)
    store = storage.from_config(current_app.config)
    try:
        table = engine.read(kind, filename, store.get(key), saved)
        # Locked: a second delivery of this job waits here, then finds the run done.
        run = db.session.execute(select(ImportRun).where(ImportRun.id == import_id).with_for_update()).scalar_one()
        if run.status != "queued":
            return
        engine.process(run, db.session.get(Region, run.region_id), run.created_by, table, progress=report)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("import %s failed", import_id)
        run = db.session.get(ImportRun, import_id)
        run.status, run.error_count, run.file_key = "failed", 1, None
        run.errors = [{"row": None, "column": None, "field": None, "code": "import_failed", "value": None,
                       "message": {"zh": "导入时服务器出错，未导入任何数据：请稍后重新上传，或联系管理员",
                                   "en": "The server failed while importing; nothing was imported. Upload the "
                                         "file again later, or tell the administrator"}}]
        db.session.commit()
    finally:
        jobs.forget_progress(progress_key(import_id))
    store.delete(key)
