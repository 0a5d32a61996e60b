"""Sliding-window limits on attempts, counted from rows the app keeps anyway (sign-in attempts,
self-check attempts, comments): at most ``limit`` counted rows per key in ``window``, and an honest
answer to "when may I try again?". The sign-in, the villager's self-check and public comments all
use it.

Counting and recording are one step: ``wait_seconds`` first takes a lock on the limit's key that is
held until the transaction ends, so the attempt it lets through is recorded (committed) before the
next attempt on the same key is counted. Without it 30 simultaneous wrong passwords all counted the
same 4 earlier failures and 8 were checked instead of 5. PostgreSQL: a transaction-scoped advisory
lock on the key. SQLite: a writing transaction already holds the database's write lock from its
first statement (BEGIN IMMEDIATE, see ``backend/__init__.py``), which serialises the same way."""
import hashlib
import ipaddress
import math

from flask import request
from sqlalchemy import func, select, text

from ..extensions import db
from . import clock
from .errors import ApiError


def visitor():
    """The network of the request's visitor (``visitor_network`` of its address)."""
    return visitor_network(request.remote_addr)


def visitor_network(address):
    """A visitor's network for the per-visitor limits: their address, or for IPv6 its /64 (a phone or
    a home is given a whole /64 and may send from any address in it)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or ""
    if ip.version == 4:
        return address
    if ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def hold(key):
    """Until this transaction ends, no other transaction passes ``hold`` with the same ``key``."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:n)"), {"n": number})
    else:  # SQLite: begin the transaction now if it has not begun (its BEGIN IMMEDIATE is the lock)
        session.connection()


def counted(time_column, conditions, window):
    """How many chosen rows are in the window now."""
    return db.session.scalar(select(func.count()).where(*conditions, time_column >= clock.now() - window))


def wait_seconds(time_column, conditions, limit, window, *, key):
    """Seconds until one more attempt is allowed (0: allowed now). ``conditions`` choose the counted
    rows (say, the failures from one address); each counts for ``window`` after its ``time_column``.
    ``key`` names what is limited (say ``"login-ip:192.0.2.1"``): it is held (see ``hold``) until the
    transaction ends, so record the attempt in the same transaction."""
    hold(key)
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
