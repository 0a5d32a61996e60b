"""Sliding-window limits on attempts, counted from rows the app keeps anyway (sign-in attempts,
self-check attempts, comments): at most ``limit`` counted rows per key in ``window``, and an honest
answer to "when may I try again?". The sign-in, the villager's self-check and public comments all
use it."""
import math

from sqlalchemy import func, select

from ..extensions import db
from . import clock
from .errors import ApiError


def counted(time_column, conditions, window):
    """How many chosen rows are in the window now."""
    return db.session.scalar(select(func.count()).where(*conditions, time_column >= clock.now() - window))


def wait_seconds(time_column, conditions, limit, window):
    """Seconds until one more attempt is allowed (0: allowed now). ``conditions`` choose the counted
    rows (say, the failures from one address); each counts for ``window`` after its ``time_column``."""
    now = clock.now()
    where = [*conditions, time_column >= now - window]
    count = db.session.scalar(select(func.count()).where(*where))
    if count < limit:
        return 0
    # Allowed again once so many counted rows have left the window that fewer than ``limit`` remain.
    opening = db.session.scalar(select(time_column).where(*where).order_by(time_column)
                                .offset(count - limit).limit(1))
    return max(1, math.ceil((opening + window - now).total_seconds()))


def too_many(code, zh, en, seconds):
    """429 ``code`` saying how many minutes to wait; ``zh``/``en`` hold ``{minutes}``."""
    minutes = max(1, math.ceil(seconds / 60))
    return ApiError(429, code, zh.format(minutes=minutes), en.format(minutes=minutes),
                    headers={"Retry-After": str(seconds)})
