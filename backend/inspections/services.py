"""Recording inspections and their photos, with the evidence checks done on arrival."""
from flask import current_app
from sqlalchemy import select

from .. import jobs
from ..core import audit, clock
from ..core.errors import ApiError, bad_field
from ..core.geo import distance_m
from ..extensions import db
from ..photos import services as photos
from ..projects import lifecycle
from ..projects import services as projects
from ..tasks import services as tasks
from . import checklists
from .models import Inspection

RECORDERS = ("inspector", "township_lead", "county")


def record(actor, project, data):
    """Record an inspection of ``project``; flags it "not on site" when the phone was farther than
    OFF_SITE_METERS from the site, and closes its task. 400 ``checklist_key``; task errors."""
    allowed = checklists.keys_for(project.stage)
    for index, item in enumerate(data.get("checklist", [])):
        if item["key"] not in allowed:
            raise bad_field(f"json.checklist.{index}.key", "checklist_key",
                            f"检查项「{item['key']}」不适用于当前阶段",
                            f"Checklist item '{item['key']}' does not apply to stage {project.stage}")
    task = tasks.for_inspection(data["task_id"], actor, project) if data.get("task_id") else None
    lat, lng = data.get("lat"), data.get("lng")
    distance = distance_m(lat, lng, project.lat, project.lng)
    inspection = Inspection(
        client_uuid=str(data["client_uuid"]), project_id=project.id, region_id=project.region_id,
        inspector_id=actor.id, task_id=task.id if task else None, verdict=data["verdict"],
        findings=(data.get("findings") or "").strip(), checklist=data.get("checklist", []),
        lat=lat, lng=lng, accuracy_m=data.get("accuracy_m"),
        distance_m=round(distance, 1) if distance is not None else None,
        off_site=distance is not None and distance > current_app.config["OFF_SITE_METERS"],
        position_missing=lat is None or lng is None, recorded_at=data.get("recorded_at") or clock.now())
    db.session.add(inspection)
    db.session.flush()
    lifecycle.append(projects.lock(project.id), "inspection_recorded", actor, {
        "inspection_id": inspection.id, "verdict": inspection.verdict, "off_site": inspection.off_site,
        "distance_m": inspection.distance_m, "inspector": actor.display_name,
        "position_missing": inspection.position_missing})
    if task:
        tasks.complete(task, inspection, actor)
    audit.record(actor, "inspection.record", subject=inspection, project_id=project.id,
                 verdict=inspection.verdict, off_site=inspection.off_site)
    jobs.touch(projects=[project.id])
    return inspection


def by_uuid(client_uuid):
    """404 ``inspection_not_found`` — the outbox sends an inspection before its photos."""
    inspection = db.session.execute(select(Inspection).where(
        Inspection.client_uuid == str(client_uuid))).scalar_one_or_none()
    if inspection is None:
        raise ApiError(404, "inspection_not_found", "巡查记录不存在（请先上传巡查记录）",
                       "No such inspection (upload the inspection before its photos)")
    return inspection


def add_photo(inspection, actor, client_uuid, data, sha256, device):
    """Attach a photo to an inspection; a reused photo flags the inspection. Only the inspection's
    own inspector may add to it (403 ``not_your_inspection``)."""
    if inspection.inspector_id != actor.id:
        raise ApiError(403, "not_your_inspection", "只能为自己的巡查记录上传照片",
                       "Only the inspector who recorded it may add photos")
    photo, created = photos.store(actor, inspection, client_uuid, data, sha256, device)
    if created:
        payload = {"photo_id": photo.id, "inspection_id": inspection.id, "sha256": photo.sha256,
                   "reused": photo.reused}
        if photo.reused:
            inspection.reused_photo = True
            payload["reused_of"] = photo.reused_of_id
        lifecycle.append(projects.lock(inspection.project_id), "photo_added", actor, payload)
        if photo.reused:
            jobs.touch(projects=[inspection.project_id])
    return photo


def photos_of(inspection_ids):
    """{inspection_id: [photos]} in one query."""
    return photos.of("inspection_id", inspection_ids)
