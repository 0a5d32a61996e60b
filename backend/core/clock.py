"""The one clock. Tests move it; nothing else calls datetime.now()."""
from datetime import datetime, timezone

_frozen = None


def now():
    """Current time in UTC, timezone-aware."""
    return _frozen or datetime.now(timezone.utc)


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
