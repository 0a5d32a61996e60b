"""The daily digest (每日监管摘要): each city and province supervisor (``DIGEST_ROLES``) gets one inbox
message a day with, per region one level down, the red and yellow warnings raised the day before,
the rectifications overdue, and the subsidy payments failed — counts and the links to the lists
behind them. The digest of day D covers D−1 (00:00–24:00 in China). Sent once per (user, day): a
row of ``digests`` per message, under a unique key, so the periodic job, a retry and ``flask
digest`` run at the same time still send one."""
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..core import clock
from ..core.errors import not_found
from ..core.models import Region, User
from ..extensions import db
from ..notifications.services import notify
from ..rectifications.models import Rectification
from ..risks.models import RiskWarning
from ..subsidies.models import Disbursement
from .models import Digest

FIGURES = ("red_new", "yellow_new", "rect_overdue", "subsidy_failed")
SEGMENT = 13  # one level of a region path: "/" and a 12-digit code


def due(config, moment):
    """The job's schedule: every 10 minutes from ``DIGEST_HOUR`` (China) to midnight, while on."""
    local = clock.as_utc(moment).astimezone(clock.CHINA)
    return bool(config["DIGEST_ENABLED"] and config["DIGEST_ROLES"]) and local.hour >= config["DIGEST_HOUR"] \
        and local.minute % 10 == 0


def window(day):
    """The UTC moments [start, end) of the day before ``day`` in China."""
    end = datetime.combine(day, time(0), tzinfo=clock.CHINA)
    return end - timedelta(days=1), end


def _by_child(region, stmt, model):
    """{child path (or the region's own path for its own rows): count} for a counting SELECT."""
    key = func.substr(Region.path, 1, len(region.path) + SEGMENT)
    stmt = stmt.add_columns(key).select_from(model).join(Region, model.region_id == Region.id).where(
        Region.path.startswith(region.path, autoescape=True)).group_by(key)
    return {path: n for n, path in db.session.execute(stmt)}


def body_for(region, day):
    """What the digest of ``day`` says about ``region``: a row per region one level down (and one for
    the region's own rows when it has any), each figure counted and linked."""
    start, end = window(day)
    new = select(func.count()).where(RiskWarning.first_seen_at >= start, RiskWarning.first_seen_at < end)
    counts = {
        "red_new": _by_child(region, new.where(RiskWarning.level == "red"), RiskWarning),
        "yellow_new": _by_child(region, new.where(RiskWarning.level == "yellow"), RiskWarning),
        "rect_overdue": _by_child(region, select(func.count()).where(
            Rectification.status.in_(("open", "submitted")), Rectification.due_on < day), Rectification),
        "subsidy_failed": _by_child(region, select(func.count()).where(Disbursement.status == "failed"),
                                    Disbursement),
    }
    children = db.session.execute(select(Region).where(Region.parent_id == region.id).order_by(Region.code)).scalars()
    rows = []
    for place in [region, *children]:
        figures = {name: counts[name].get(place.path, 0) for name in FIGURES}
        if place is region and not any(figures.values()):
            continue  # the region's own line only when it has something of its own
        rows.append({"region": {"id": place.id, "code": place.code, "name": place.name, "level": place.level},
                     "own": place is region, **figures, "links": {
                         "overview": f"/overview/{place.id}",
                         "risks": f"/risks?region_id={place.id}&level=red",
                         "rectifications": f"/rectifications?overdue=true&region_id={place.id}",
                         "disbursements": f"/subsidies?status=failed&region_id={place.id}"}})
    totals = {name: sum(row[name] for row in rows) for name in FIGURES}
    return {"day": day.isoformat(), "covers": (day - timedelta(days=1)).isoformat(),
            "region": {"id": region.id, "code": region.code, "name": region.name}, "totals": totals, "rows": rows}


def send(day=None, roles=None):
    """Send the digest of ``day`` (default today in China) to every active user with one of
    ``roles`` (default ``DIGEST_ROLES``) who has not had it yet. Returns how many were sent."""
    day = day or clock.today()
    roles = tuple(roles or current_app.config["DIGEST_ROLES"])
    had = select(Digest.user_id).where(Digest.day == day)
    users = db.session.execute(select(User).where(User.role.in_(roles), User.active.is_(True),
                                                  User.id.not_in(had)).order_by(User.id)).scalars().all()
    bodies, sent = {}, 0
    for user in users:
        if user.region_id not in bodies:
            bodies[user.region_id] = body_for(user.region, day)
        body = bodies[user.region_id]
        try:
            with db.session.begin_nested():  # another run sent it meanwhile: the unique key says so
                db.session.add(Digest(user_id=user.id, day=day, region_id=user.region_id, body=body))
        except IntegrityError:
            continue
        t = body["totals"]
        notify([user], "daily_digest",
               f"每日监管摘要（{day.isoformat()}）：新红色预警 {t['red_new']}，新黄色预警 {t['yellow_new']}，"
               f"逾期整改 {t['rect_overdue']}，补贴发放失败 {t['subsidy_failed']}",
               f"Daily digest ({day.isoformat()}): new red warnings {t['red_new']}, new yellow {t['yellow_new']}, "
               f"rectifications overdue {t['rect_overdue']}, subsidy payments failed {t['subsidy_failed']}",
               f"/digests/{day.isoformat()}")
        sent += 1
    return sent


def of(user, day):
    """The digest ``user`` got for ``day``; 404 ``not_found`` when none (not sent yet, or not theirs:
    someone else's digest is no more visible than a missing one)."""
    found = db.session.execute(select(Digest).where(Digest.user_id == user.id, Digest.day == day)).scalar_one_or_none()
    if found is None:
        raise not_found("摘要", "digest")
    return found
