"""Public comments on projects: anyone may leave one (with limits against abuse), the township
answers in public, and abuse can be hidden with a reason."""
import re

from flask import current_app
from sqlalchemy import select

from ..core import audit, clock, limits, pii
from ..core.errors import ApiError, bad_field
from ..core.models import Region
from ..extensions import db
from ..notifications.services import about, notify, people_above
from .models import ProjectComment

_LINK = re.compile(r"(https?://|www\.|\.com\b|\.cn\b)", re.I)


def public_view(c):
    return {"id": c.id, "kind": c.kind, "body": c.body, "nickname": c.nickname or None,
            "created_at": c.created_at, "status": c.status, "answer": c.answer, "answered_at": c.answered_at}


def staff_view(c, project_name=None):
    return {**public_view(c), "project_id": c.project_id, "project_name": project_name, "contact": c.contact_mask,
            "hidden_reason": c.hidden_reason}


def visible(project_id, limit=50):
    return db.session.execute(select(ProjectComment).where(
        ProjectComment.project_id == project_id, ProjectComment.status != "hidden")
        .order_by(ProjectComment.id.desc()).limit(limit)).scalars().all()


def leave(project, client_uuid, kind, body, nickname, contact, ip):
    """A new comment, once per ``client_uuid``. 429 ``comment_rate_limited`` past the per-visitor
    limit; 400 ``comment_has_link``; 409 ``comment_duplicate`` for the same text twice."""
    earlier = db.session.execute(select(ProjectComment).where(ProjectComment.client_uuid == str(client_uuid))
                                 ).scalar_one_or_none()
    if earlier is not None:
        if earlier.project_id != project.id:
            raise bad_field("json.client_uuid", "client_uuid_reused", "该请求编号已被使用", "This client_uuid was already used", 409)
        return earlier, False
    cfg = current_app.config
    ip_hash = pii.blind(ip, "ip")
    since = clock.now() - cfg["COMMENTS_WINDOW"]
    wait = limits.wait_seconds(ProjectComment.created_at, [ProjectComment.ip_hash == ip_hash],
                               cfg["COMMENTS_PER_VISITOR"], cfg["COMMENTS_WINDOW"], key=f"comment-ip:{ip_hash}")
    if wait:
        raise limits.too_many("comment_rate_limited", "留言过于频繁，请 {minutes} 分钟后再试",
                              "Too many comments; try again in {minutes} minutes", wait)
    if _LINK.search(body):
        raise bad_field("json.body", "comment_has_link", "留言中不能包含网址", "Comments may not contain links")
    squashed = re.sub(r"\s+", "", body)
    same = db.session.execute(select(ProjectComment.id).where(
        ProjectComment.project_id == project.id, ProjectComment.created_at >= since,
        ProjectComment.status != "hidden")).scalars().all()
    if same and any(re.sub(r"\s+", "", b) == squashed for (b,) in db.session.execute(
            select(ProjectComment.body).where(ProjectComment.id.in_(same)))):
        raise ApiError(409, "comment_duplicate", "相同的留言已经提交过了", "The same comment was already left")
    phone = None
    if contact:
        phone = pii.normalize_phone(contact)
        if phone is None:
            raise bad_field("json.contact", "phone_malformed", "联系电话格式不正确", "The phone number is malformed")
    comment = ProjectComment(client_uuid=str(client_uuid), project_id=project.id, region_id=project.region_id, kind=kind,
                             body=body.strip(), nickname=(nickname or "").strip() or None, ip_hash=ip_hash,
                             contact_enc=pii.encrypt(phone, "phone") if phone else None,
                             contact_mask=pii.mask_phone(phone) if phone else None)
    db.session.add(comment)
    db.session.flush()
    audit.record(None, "comment.create", subject=comment, project_id=project.id)
    region = db.session.get(Region, project.region_id)
    kind_zh = "投诉" if kind == "complaint" else "留言"
    zh, en = about(project.name, region)
    notify(people_above(region, ("township_lead",)), "comment", f"新的群众{kind_zh}：{zh}"[:200],
           f"New public {kind}: {en}"[:200], f"/p/{project.id}#comments")
    return comment, True


def reveal_contact(comment, actor, reason):
    """The call-back phone the villager left (the form promises a call back), in full, for the
    township that answers; every reveal is in the audit log. 404 ``contact_missing``."""
    if not comment.contact_enc:
        raise ApiError(404, "contact_missing", "留言人没有留下联系电话", "No phone number was left with this comment")
    audit.record(actor, "comment.reveal_contact", subject=comment, reason=reason)
    return {"field": "contact", "value": pii.decrypt(comment.contact_enc, "phone")}


def answer(comment, actor, text):
    if comment.status == "hidden":
        raise ApiError(409, "comment_hidden", "该留言已屏蔽", "This comment is hidden")
    comment.status, comment.answer, comment.answered_by_id, comment.answered_at = "answered", text, actor.id, clock.now()
    db.session.flush()
    audit.record(actor, "comment.answer", subject=comment)
    return comment


def hide(comment, actor, reason):
    comment.status, comment.hidden_reason = "hidden", reason
    db.session.flush()
    audit.record(actor, "comment.hide", subject=comment, reason=reason)
    return comment
