"""The one clock. Tests move it; nothing else calls datetime.now()."""
from datetime import datetime, timedelta, timezone

_frozen = None
# China keeps one time zone, UTC+8, without daylight saving: the day a clerk writes on a voucher and
# the day a deadline falls on are days there, not UTC days (which start at 08:00 in Beijing).
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def now():
    """Current time in UTC, timezone-aware."""
    return _frozen or datetime.now(timezone.utc)


def today():
    """Today's date in China."""
    return now().astimezone(CHINA).date()


def local_date(moment):
    """The date in China of a stored moment (SQLite's naive ones are UTC)."""
    return as_utc(moment).astimezone(CHINA).date()


def freeze(moment):
    """Pin the clock (tests only); ``freeze(None)`` releases it."""
    global _frozen
    _frozen = moment


def as_utc(moment):
    """SQLite gives back naive datetimes; treat them as the UTC they were stored as."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def from_timestamp(seconds):
    """A Unix timestamp as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, timezone.utc)
