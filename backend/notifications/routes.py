"""The in-app inbox."""
from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from sqlalchemy import select

from ..core.auth import actor, require
from ..core.pagination import PageQuery, page_fields, paginate
from . import bp, services
from .models import Notification


class NotificationOut(Schema):
    id = Integer(required=True)
    kind = String(required=True)
    title_zh = String(required=True)
    title_en = String(required=True)
    link = String(required=True)
    created_at = DateTime(required=True)
    read_at = DateTime(required=True, allow_none=True)


class InboxQuery(PageQuery):
    unread = Boolean(load_default=False)


InboxPage = Schema.from_dict({"items": List(Nested(NotificationOut), required=True), **page_fields()},
                             name="InboxPage")


@bp.get("/notifications")
@require()
@bp.input(InboxQuery, location="query", arg_name="query")
@bp.output(InboxPage)
@bp.doc(responses=[400, 401])
def inbox(query):
    """The caller's messages, newest first (``unread`` only the unread)."""
    stmt = select(Notification).where(Notification.user_id == actor().id)
    if query["unread"]:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(stmt.order_by(Notification.id.desc()), query)


@bp.post("/notifications/<int:notification_id>/read")
@require()
@bp.output({}, status_code=204)
@bp.doc(responses=[401, 404])
def read_one(notification_id):
    """Mark one of the caller's messages read (someone else's is simply not found)."""
    services.mark_read(actor(), notification_id)
    return ""


@bp.post("/notifications/read-all")
@require()
@bp.output({}, status_code=204)
@bp.doc(responses=[401])
def read_all():
    """Mark all the caller's messages read."""
    services.mark_read(actor())
    return ""
