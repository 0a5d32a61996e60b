"""Serving evidence photos to staff whose region covers them (re-encoded copies, no EXIF)."""
from flask import Response

from ..core.auth import actor, require
from ..core.errors import not_found
from ..core.scoping import get_scoped
from . import bp, services
from .models import Photo

IMAGE = {200: {"description": "JPEG image", "content": {"image/jpeg": {}}}, 401: "Sign in first",
         403: "Outside your region", 404: "No such photo"}


def _send(photo_id, size):
    photo = get_scoped(Photo, photo_id, actor(), "照片", "photo")
    data = services.image_bytes(photo, size)
    if data is None:
        raise not_found("照片文件", "photo file")
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=86400",
                                                           "ETag": f'"{photo.sha256[:16]}-{size}"'})


@bp.get("/photos/<int:photo_id>.jpg")
@require()
@bp.doc(responses=IMAGE)
def photo_display(photo_id):
    """The photo, re-encoded at most 2048 px, without metadata."""
    return _send(photo_id, "display")


@bp.get("/photos/<int:photo_id>/thumb.jpg")
@require()
@bp.doc(responses=IMAGE)
def photo_thumb(photo_id):
    """A 320 px thumbnail."""
    return _send(photo_id, "thumb")
