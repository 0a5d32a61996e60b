"""The project's public page beyond the plaque scan: comments and complaints with the township's
answers, and the project's photos (re-encoded copies without EXIF)."""
from flask import Response
from sqlalchemy import select

from ..core import clock, idempotency, limits
from ..core.auth import actor, require
from ..core.errors import ApiError, not_found
from ..core.pagination import paginate
from ..core.scoping import get_scoped, scoped
from ..extensions import db
from ..photos import services as photo_services
from ..photos.models import Photo
from ..projects.models import Project
from . import bp, services
from .models import ProjectComment
from .schemas import (AnswerIn, CommentIn, CommentList, CommentOut, CommentQuery, HideIn, PhotoList,
                      RevealContactIn, RevealContactOut, StaffCommentOut, StaffCommentPage)

ANSWERERS = ("admin", "county", "township_lead")
STAFF = ("admin", "province", "city", "county", "township_lead", "inspector", "clerk")
# Who calls the villager back: the township's own staff (scoped to their township below).
CALLERS = ("township_lead", "inspector")
PUBLIC_IMAGE = {200: {"description": "JPEG image", "content": {"image/jpeg": {}}}, 404: "No such photo"}


def _project(project_id):
    project = db.session.get(Project, project_id)
    if project is None:
        raise not_found("项目", "project")
    return project


@bp.get("/public/projects/<int:project_id>/comments")
@bp.output(CommentList)
@bp.doc(responses=[404])
def project_comments(project_id):
    """The project's public comments and complaints, newest first, with the township's answers."""
    return {"items": services.visible(_project(project_id).id)}


@bp.post("/public/projects/<int:project_id>/comments")
@bp.input(CommentIn, arg_name="data")
@bp.output(CommentOut, status_code=201)
@bp.doc(responses=[200, 400, 404, 409, 429])
def leave_comment(project_id, data):
    """Anyone may leave a comment or complaint (no links, 5–500 characters, a few per hour per
    visitor). The township must answer; the answer is public. Idempotent on ``client_uuid``."""
    project = _project(project_id)
    if data.get("website"):  # a field people never see: only robots fill it in
        raise ApiError(400, "comment_rejected", "留言未被接受", "The comment was not accepted")
    comment, created = services.leave(project, data["client_uuid"], data["kind"], data["body"], data.get("nickname"),
                                      data.get("contact"), limits.visitor())
    return comment, 201 if created else 200


@bp.get("/public/projects/<int:project_id>/photos")
@bp.output(PhotoList)
@bp.doc(responses=[404])
def project_photos(project_id):
    """The project's latest photos (inspections and rectification evidence): re-encoded copies,
    no EXIF, no position."""
    project = _project(project_id)
    photos = db.session.execute(select(Photo).where(Photo.project_id == project.id)
                                .order_by(Photo.id.desc()).limit(24)).scalars().all()
    return {"items": [{"id": p.id, "taken_on": clock.local_date(p.taken_at or p.created_at).isoformat() if (p.taken_at or p.created_at) else None,
                       "width": p.width, "height": p.height, "url": f"/api/v1/public/photos/{p.id}.jpg",
                       "thumb_url": f"/api/v1/public/photos/{p.id}/thumb.jpg"} for p in photos]}


def _public_image(photo_id, size):
    photo = db.session.get(Photo, photo_id)
    data = photo_services.image_bytes(photo, size) if photo else None
    if data is None:
        raise not_found("照片", "photo")
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "public, max-age=86400",
                                                           "ETag": f'"{photo.sha256[:16]}-{size}"'})


@bp.get("/public/photos/<int:photo_id>.jpg")
@bp.doc(responses=PUBLIC_IMAGE)
def public_photo(photo_id):
    """A project photo for the public page (≤ 2048 px, re-encoded, no metadata)."""
    return _public_image(photo_id, "display")


@bp.get("/public/photos/<int:photo_id>/thumb.jpg")
@bp.doc(responses=PUBLIC_IMAGE)
def public_photo_thumb(photo_id):
    """A 320 px thumbnail of a project photo."""
    return _public_image(photo_id, "thumb")


@bp.get("/comments")
@require(*STAFF)
@bp.input(CommentQuery, location="query", arg_name="query")
@bp.output(StaffCommentPage)
@bp.doc(responses=[400, 401, 403])
def list_comments(query):
    """Comments on projects in the caller's region, newest first (the open, unanswered ones by default)."""
    stmt = scoped(select(ProjectComment), ProjectComment, actor())
    if query["status"] != "all":
        stmt = stmt.where(ProjectComment.status == query["status"])
    page = paginate(stmt.order_by(ProjectComment.id.desc()), query)
    names = _names({c.project_id for c in page["items"]})
    page["items"] = [services.staff_view(c, names.get(c.project_id)) for c in page["items"]]
    return page


def _names(ids):
    return dict(db.session.execute(select(Project.id, Project.name).where(Project.id.in_(ids))).all()) if ids else {}


def _act(comment_id, data, operation, work):
    user = actor()
    comment = get_scoped(ProjectComment, comment_id, user, "留言", "comment")
    return idempotency.once(data["client_uuid"], user, operation, lambda: (StaffCommentOut().dump(
        services.staff_view(work(comment, user), _names({comment.project_id}).get(comment.project_id))), 200))


@bp.post("/comments/<int:comment_id>/reveal-contact")
@require(*CALLERS)
@bp.input(RevealContactIn, arg_name="data")
@bp.output(RevealContactOut)
@bp.doc(responses=[400, 401, 403, 404])
def reveal_contact(comment_id, data):
    """The villager's call-back phone in full, for the township lead or inspector of the comment's
    township, with a reason; every reveal is in the audit log. 404 ``contact_missing``."""
    user = actor()
    comment = get_scoped(ProjectComment, comment_id, user, "留言", "comment")
    return services.reveal_contact(comment, user, data["reason"])


@bp.post("/comments/<int:comment_id>/answer")
@require(*ANSWERERS)
@bp.input(AnswerIn, arg_name="data")
@bp.output(StaffCommentOut)
@bp.doc(responses=[400, 401, 403, 404, 409])
def answer_comment(comment_id, data):
    """The township's public answer (an answer may be revised). 409 ``comment_hidden``."""
    return _act(comment_id, data, "comment.answer", lambda c, u: services.answer(c, u, data["answer"]))


@bp.post("/comments/<int:comment_id>/hide")
@require(*ANSWERERS)
@bp.input(HideIn, arg_name="data")
@bp.output(StaffCommentOut)
@bp.doc(responses=[400, 401, 403, 404, 409])
def hide_comment(comment_id, data):
    """Hide abuse (insults, advertising, personal data), with a reason kept in the audit log."""
    return _act(comment_id, data, "comment.hide", lambda c, u: services.hide(c, u, data["reason"]))
