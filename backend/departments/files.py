"""Files a department attaches to its feedback (反馈) on a task: photos of what was done, the PDF of a
decision. Judged by their bytes as the fund receipts are (``funds.receipts.check``: magic numbers, pixel
bombs, polyglots, a full decode; a PDF whole and without active content in the open), kept as they
are served (a picture re-encoded without its metadata), bounded in size (TASK_FILE_MAX_BYTES) and in
number per task (TASK_FILES_MAX), served only as a download to those who may see the task."""
import hashlib

from flask import current_app
from sqlalchemy import func, select

from ..core import audit
from ..core.errors import ApiError, bad_field
from ..core.storage import from_config
from ..core.uploads import file_name
from ..extensions import db
from ..funds import receipts
from .models import TaskFile
from .services import may_work

OPEN_FOR_FILES = ("signed", "working")  # while it is worked on, before it is fed back


def check_key(task, client_uuid):
    """A file's client UUID names one file of one task: the outbox sending it again to the same task
    is answered with the first file (``idempotency.once``), to another task 409 ``client_uuid_reused``."""
    elsewhere = db.session.scalar(select(TaskFile.task_id).where(TaskFile.client_uuid == str(client_uuid)))
    if elsewhere is not None and elsewhere != task.id:
        raise bad_field("form_and_files.client_uuid", "client_uuid_reused", "该请求编号已用于另一个任务的附件",
                        "This client_uuid was already used for a file of another task", 409)


def store(actor, task, client_uuid, filename, data):
    """Keep one file for the feedback on ``task``. 403 ``task_forbidden`` (not the task's worker);
    409 ``task_files_closed`` (not being worked on) / ``task_files_full``; 413 ``attachment_too_large``;
    415 ``attachment_type``; 400 ``attachment_empty`` / ``attachment_pdf_damaged`` /
    ``attachment_active_content`` and the photo checks' codes. The same bytes again on the same task
    are acknowledged, not stored twice."""
    if not may_work(actor, task):
        raise ApiError(403, "task_forbidden", "只有承办部门可以上传反馈附件", "Only the department working on it may attach files")
    if task.status not in OPEN_FOR_FILES:
        raise ApiError(409, "task_files_closed", "任务签收后、反馈前才能添加附件",
                       "Files are attached after signing for the task and before feeding back")
    limit = current_app.config["TASK_FILE_MAX_BYTES"]
    if len(data) > limit:
        raise ApiError(413, "attachment_too_large", "附件过大", f"The attachment is too large (at most {limit} bytes)",
                       fields=[{"path": "files.file", "message": "too large"}])
    sha = hashlib.sha256(data).hexdigest()
    same = db.session.execute(select(TaskFile).where(TaskFile.task_id == task.id, TaskFile.sha256 == sha)).scalars().first()
    if same is not None:
        return same
    most = current_app.config["TASK_FILES_MAX"]
    if db.session.scalar(select(func.count()).select_from(TaskFile).where(TaskFile.task_id == task.id)) >= most:
        raise ApiError(409, "task_files_full", f"每个任务最多 {most} 个附件", f"A task takes at most {most} files")
    kind, served = receipts.check(data, "attachment", "附件", "attachment")
    storage = from_config(current_app.config)
    storage.put(f"task-files/original/{sha[:2]}/{sha}", data)  # evidence as uploaded
    key = f"task-files/original/{sha[:2]}/{sha}"
    if kind != "pdf":
        key = f"task-files/jpeg/{sha[:2]}/{sha}.jpg"
        storage.put(key, served)
    name = file_name(filename) or f"附件-{task.id}"
    row = TaskFile(task_id=task.id, region_id=task.region_id, client_uuid=str(client_uuid), filename=name, kind=kind,
                   sha256=sha, bytes=len(data), storage_key=key, uploaded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "department_task.file", subject=task, file_id=row.id, sha256=sha, kind=kind, filename=name)
    return row


def of(task):
    return db.session.execute(select(TaskFile).where(TaskFile.task_id == task.id).order_by(TaskFile.id)).scalars().all()


def get(task, file_id):
    row = db.session.get(TaskFile, file_id)
    if row is None or row.task_id != task.id:
        raise ApiError(404, "not_found", "附件不存在", "No such file")
    return row


def view(row):
    return {"id": row.id, "filename": row.filename, "kind": row.kind, "bytes": row.bytes, "sha256": row.sha256,
            "uploaded_by": row.uploaded_by.display_name if row.uploaded_by else None, "uploaded_at": row.uploaded_at,
            "sent": row.step_id is not None, "url": f"/api/v1/department-tasks/{row.task_id}/files/{row.id}"}


def content(row):
    """(bytes, content type, the name to save it as), as a receipt file's."""
    return receipts.content(row, ("attachment_missing", "附件已不在存储中", "The file is no longer in storage"))
