"""The state figures as they stood when each month closed.

The summary table (``region_figures``) counts flows by month, but holds states — idle money, open
warnings, rectifications overdue, assets held — only as they are now. Soon after a month closes
(China's calendar) the periodic job below copies them once, whole, as that month's (``take``); a
report of a closed period then reads its states as of the period's end (``month_of``), whenever it
is made, and the health index's 上期 compares with the states the previous month really ended with.
The first worker after an install (or after an outage of more than the hour) copies the last closed
month late — the states of that day, and the report prints when they were kept. Months before it
have no copy: their reports read the states of the day they are made, as the cockpit shows them,
and say so.
"""
import logging

from sqlalchemy import select, text

from .. import jobs
from ..core import clock
from ..extensions import db
from .figures import NOW
from .models import RegionStateFigure, StateSnapshot

log = logging.getLogger("jicai.overview")


def last_closed_month(today=None):
    """(year, month) of the last month that has ended, in China."""
    today = today or clock.today()
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def take(year, month):
    """Copy the state figures now as those of the end of ``year``/``month``, once (a second call, or a
    second worker, changes nothing). True when this call took them."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(7213003, :key)"), {"key": year * 100 + month})
    if db.session.get(StateSnapshot, (year, month)) is not None:
        return False
    db.session.add(StateSnapshot(year=year, month=month, taken_at=clock.now()))
    db.session.execute(text(
        f"INSERT INTO {RegionStateFigure.__tablename__} (region_id, year, month, name, own, total) "
        "SELECT region_id, :year, :month, name, own, total FROM region_figures WHERE year = :y0 AND month = :m0"),
        {"year": year, "month": month, "y0": NOW[0], "m0": NOW[1]})
    db.session.flush()
    return True


def taken_at(year, month):
    """When the month's states were copied, or None."""
    return db.session.execute(select(StateSnapshot.taken_at).where(
        StateSnapshot.year == year, StateSnapshot.month == month)).scalar_one_or_none()


def month_of(year, last_month, today=None):
    """(year, month, taken_at) whose copied states stand for a period ending with ``last_month`` of
    ``year`` — when that month has closed and was copied; else None (read the states now)."""
    today = today or clock.today()
    if (year, last_month) > last_closed_month(today):
        return None
    at = taken_at(year, last_month)
    return (year, last_month, clock.as_utc(at)) if at is not None else None


def due(config, moment):
    """Every hour at minute 2 (UTC): the copy is taken within the hour after a month closes, and a
    worker that was down catches up at its next hour. ``KEEP_MONTH_STATES`` 0: never."""
    return config["KEEP_MONTH_STATES"] and moment.minute == 2


@jobs.periodic(when=due)
def snapshot_states():
    year, month = last_closed_month()
    if take(year, month):
        log.info("state figures of %d-%02d kept", year, month)
