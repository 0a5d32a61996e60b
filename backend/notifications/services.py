"""The in-app inbox: features tell people things through here."""
from sqlalchemy import select, update

from ..core import clock
from ..core.errors import not_found
from ..core.models import Region, User
from ..extensions import db
from .models import Notification


def notify(users, kind, title_zh, title_en, link):
    """One inbox message per user (each user at most once)."""
    seen = set()
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        db.session.add(Notification(user_id=user.id, kind=kind, title_zh=title_zh[:200],
                                    title_en=title_en[:200], link=link))
    db.session.flush()


def place(region):
    """Where something is, for a message title: the township, with the village after it
    (锦城街道钱王社区) — a lead of several townships or a county supervisor must see which."""
    if region is None:
        return ""
    if region.level == "village" and region.parent_id:
        township = db.session.get(Region, region.parent_id)
        return f"{township.name}{region.name}" if township else region.name
    return region.name


def about(name, region):
    """(zh, en) naming a project (or a village, a person) and its township: 'X（锦城街道）'."""
    where = place(region)
    if not where:
        return name, name
    return (f"{name}（{where}）", f"{name} ({where})") if name else (where, where)


def people_above(region, roles):
    """Active users with one of ``roles`` whose region covers ``region`` (e.g. its township lead
    and county supervisors)."""
    ancestors = [c for c in region.path.strip("/").split("/")]
    return db.session.execute(select(User).join(Region, User.region_id == Region.id).where(
        Region.code.in_(ancestors), User.role.in_(roles), User.active.is_(True))).scalars().all()


def mark_read(user, notification_id=None):
    """Mark the user's messages read (all, or one). 404 ``not_found`` when ``notification_id`` is not
    one of theirs — someone else's message is no more visible than a missing one."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        mine = db.session.scalar(select(Notification.id).where(Notification.id == notification_id,
                                                               Notification.user_id == user.id))
        if mine is None:
            raise not_found("消息", "notification")
        stmt = stmt.where(Notification.id == notification_id)
    db.session.execute(stmt.values(read_at=clock.now()))
