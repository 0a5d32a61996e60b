"""An inspection recorded away from the site, or with a photo already used elsewhere."""
from datetime import timedelta

from sqlalchemy import or_, select

from ...core.models import User
from ...extensions import db
from ...inspections.models import Inspection
from . import Hit

CODE = "inspection_flagged"
NAME_ZH, NAME_EN = "巡查证据存疑", "Doubtful inspection evidence"
LEVEL = "orange"
DESCRIPTION_ZH = "巡查定位离项目现场过远（未到现场），或照片与其他项目/巡查的照片相同（照片复用）：巡查可能走过场。"
DESCRIPTION_EN = ("The inspection was recorded far from the site, or a photo matches one from another "
                  "inspection: the inspection may not have happened.")
THRESHOLDS = ("RISK_FLAGGED_INSPECTION_DAYS", "OFF_SITE_METERS", "PHOTO_REUSE_DISTANCE")
LABELS = {"inspector": ("巡查员", "Inspector"), "recorded_at": ("巡查时间", "Recorded"),
          "off_site": ("未在现场", "Not on site"), "distance_m": ("距现场（米）", "Distance (m)"),
          "reused_photo": ("照片复用", "Reused photo")}
PER_PROJECT = True
VOLATILE = ()


def find(ctx):
    since = ctx.now - timedelta(days=ctx.config["RISK_FLAGGED_INSPECTION_DAYS"])
    rows = db.session.execute(
        select(Inspection.id, Inspection.project_id, Inspection.region_id, Inspection.off_site,
               Inspection.distance_m, Inspection.reused_photo, Inspection.recorded_at, User.display_name)
        .join(User, User.id == Inspection.inspector_id)
        .where(*ctx.scope(project=Inspection.project_id, region=Inspection.region_id), Inspection.created_at >= since,
               or_(Inspection.off_site.is_(True), Inspection.reused_photo.is_(True))))
    for iid, pid, region_id, off_site, distance, reused, recorded_at, inspector in rows:
        yield Hit(f"inspection:{iid}", "inspection", region_id, pid, {
            "inspection_id": iid, "inspector": inspector, "recorded_at": recorded_at.isoformat(),
            "off_site": bool(off_site), "distance_m": distance, "reused_photo": bool(reused)})


def explain(e):
    zh, en = [], []
    if e["off_site"]:
        zh.append(f"定位距现场 {e['distance_m']:.0f} 米")
        en.append(f"recorded {e['distance_m']:.0f} m from the site")
    if e["reused_photo"]:
        zh.append("照片与其他巡查重复")
        en.append("a photo matches another inspection's")
    return f"{e['inspector']} 的巡查：" + "，".join(zh), f"{e['inspector']}'s inspection: " + "; ".join(en)
