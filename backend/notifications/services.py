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
