"""Storing evidence photos and finding reused ones."""
import hashlib

from flask import current_app
from sqlalchemy import or_, select

from ..core import audit
from ..core.errors import ApiError
from ..core.storage import from_config
from ..core.uploads import large_upload
from ..extensions import db
from . import imaging
from .models import Photo


# The marker for routes that receive a photo (see core.uploads).
accepts_photos = large_upload("PHOTO_MAX_BYTES", "photo_too_large", "照片过大", "The photo is too large")


def _signed(value):
    return value - (1 << 64) if value >= (1 << 63) else value


def _unsigned(value):
    return value + (1 << 64) if value < 0 else value


def reject(err):
    """A PhotoRejected as an API error."""
    return ApiError(err.status, err.code, err.zh, err.en, fields=[{"path": "files.file", "message": err.en}])


def reused_source(phash, owner_field, owner_id):
    """An earlier photo, not of this same inspection or evidence, that looks the same, or None."""
    parts = imaging.bands(phash)
    column = getattr(Photo, owner_field)
    candidates = db.session.execute(select(Photo).where(
        or_(*(getattr(Photo, f"band{i}") == part for i, part in enumerate(parts))),
        or_(column.is_(None), column != owner_id))
        .order_by(Photo.id).limit(50)).scalars()
    limit = current_app.config["PHOTO_REUSE_DISTANCE"]
    for photo in candidates:
        if imaging.hamming(_unsigned(photo.phash), phash) <= limit:
            return photo
    return None


def store(actor, owner, client_uuid, data, sha256, device, owner_field="inspection_id"):
    """Check, convert and store one photo for ``owner`` — an inspection (``inspection_id``) or
    rectification evidence (``evidence_id``); the owner has ``project_id`` and ``region_id``.

    400 ``photo_hash_mismatch`` when the bytes are not what the phone hashed; the imaging errors
    otherwise. Returns (photo, created): the same bytes already stored for this owner are
    acknowledged, not stored again."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256.lower():
        raise ApiError(400, "photo_hash_mismatch", "照片校验值不符，上传可能中断，请重试",
                       "The photo's SHA-256 does not match; the upload was damaged — retry",
                       fields=[{"path": "form.sha256", "message": f"server computed {actual}"}])
    same = db.session.execute(select(Photo).where(getattr(Photo, owner_field) == owner.id,
                                                  Photo.sha256 == actual)).scalar_one_or_none()
    if same is not None:
        return same, False
    try:
        done = imaging.process(data)
    except imaging.PhotoRejected as err:
        raise reject(err)
    source = reused_source(done.phash, owner_field, owner.id)
    parts = imaging.bands(done.phash)
    photo = Photo(client_uuid=str(client_uuid), **{owner_field: owner.id}, project_id=owner.project_id,
                  region_id=owner.region_id, uploaded_by_id=actor.id, sha256=actual, bytes=len(data),
                  original_format=imaging.sniff(data), width=done.width, height=done.height,
                  phash=_signed(done.phash), band0=parts[0], band1=parts[1], band2=parts[2], band3=parts[3],
                  taken_at=device.get("taken_at"), lat=device.get("lat"), lng=device.get("lng"),
                  accuracy_m=device.get("accuracy_m"), reused=source is not None,
                  reused_of_id=source.id if source else None)
    if done.exif_taken_at or done.exif_lat is not None:
        photo.exif_taken_at, photo.exif_lat, photo.exif_lng = done.exif_taken_at, done.exif_lat, done.exif_lng
        photo.exif_source = "file"
    elif device.get("exif_taken_at") or device.get("exif_lat") is not None:
        # The app shrinks photos before upload (which drops EXIF) and sends what it read first.
        photo.exif_taken_at, photo.exif_lat, photo.exif_lng = (
            device.get("exif_taken_at"), device.get("exif_lat"), device.get("exif_lng"))
        photo.exif_source = "device"
    db.session.add(photo)
    db.session.flush()
    storage = from_config(current_app.config)
    storage.put(f"photos/original/{actual[:2]}/{actual}", data)  # evidence, never served publicly
    storage.put(f"photos/display/{photo.id}.jpg", done.display)
    storage.put(f"photos/thumb/{photo.id}.jpg", done.thumb)
    audit.record(actor, "photo.store", subject=photo, sha256=actual, reused=photo.reused)
    return photo, True


def image_bytes(photo, size):
    """The stored display copy or thumbnail (re-encoded, no EXIF)."""
    return from_config(current_app.config).get(f"photos/{size}/{photo.id}.jpg")


def view(photo):
    """A photo as the API shows it (URLs need a signed-in user whose region covers it)."""
    reused_of = None
    if photo.reused_of_id:
        source = db.session.get(Photo, photo.reused_of_id)
        reused_of = {"photo_id": source.id, "project_id": source.project_id,
                     "inspection_id": source.inspection_id}
    return {**{c: getattr(photo, c) for c in (
        "id", "client_uuid", "sha256", "width", "height", "bytes", "taken_at", "lat", "lng",
        "exif_taken_at", "exif_lat", "exif_lng", "exif_source", "reused")},
            "reused_of": reused_of, "thumb_url": f"/api/v1/photos/{photo.id}/thumb.jpg",
            "url": f"/api/v1/photos/{photo.id}.jpg"}


def of(owner_field, owner_ids):
    """{owner id: [photos]} for inspections or evidence, in one query."""
    out = {i: [] for i in owner_ids}
    if owner_ids:
        column = getattr(Photo, owner_field)
        for photo in db.session.execute(select(Photo).where(column.in_(owner_ids)).order_by(Photo.id)).scalars():
            out[getattr(photo, owner_field)].append(photo)
    return out
