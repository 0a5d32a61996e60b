"""Whose a credential is, remembered by each app process on PostgreSQL and forgotten the moment
anything about it changes, on any app server.

Every signed-in request asked the database whose bearer token or session cookie it carried and
whether it still held: a query, and with it a pooled connection taken and handed back, about 0.3 ms
of every signed-in request (half of ``/auth/me``, a quarter of the cockpit's). A user's phone
sends the same token with every request for an hour; what that query answers changes only when
a row it reads changes — the user (deactivated, password changed, role or region moved), their
region, their session (signed out) or the revoked tokens (a token signed out).

On PostgreSQL a trigger on each of those tables (migration ``c7e1a9d3f5b2``) calls
``pg_notify('jicai_auth')`` in the transaction that changes them, so the notice is sent when that
transaction commits, whichever process or server (or ``psql``) made the change. Each app process
keeps one connection that LISTENs on that channel. Before it answers from what it remembers, a
request reads that connection without waiting (a ``recv`` that usually finds nothing, a few
microseconds): any notice forgets everything. A change made in this process forgets at once
(``forget_on_writes``), before its own notice comes round.

What is remembered is trusted only while the listening connection is known to be alive: it asks
``SELECT 1`` every ``PROBE_EVERY`` seconds without waiting for the answer, and what is remembered
counts only while an answer came back for a probe sent at most ``TRUST_FOR`` seconds ago (every
notice sent before a probe arrives before its answer). A connection that breaks forgets everything
and is opened again after ``RETRY_AFTER`` seconds; meanwhile every request asks the database, as
before. So a revocation is seen everywhere as soon as the notice arrives (milliseconds), and at
worst ``TRUST_FOR`` seconds late if the connection silently stops delivering.

A request that reads a user from the database keeps it only if no notice was read while it asked
(``mark``/``keep``): a change committed just after the read is never kept as current.

SQLite has no LISTEN: there every request asks, as before. ``SIGNIN_CACHE = False`` does the same
on PostgreSQL (a pooler in transaction mode, such as PgBouncer's, cannot LISTEN: point
``SIGNIN_LISTEN_URL`` at the database itself, or turn it off).
"""
import os
import re
import threading
import time

from sqlalchemy import event, inspect
from sqlalchemy.orm import make_transient_to_detached

from ..extensions import db

CHANNEL = "jicai_auth"
PROBE_EVERY, TRUST_FOR, RETRY_AFTER = 2.0, 10.0, 5.0
SIZE = 20_000  # credentials remembered per process (then all forgotten, and remembered again)

# A statement that changes what a credential check reads (what the triggers watch).
_CHANGES = re.compile(r"^\s*(?:INSERT\s+INTO\s+\"?revoked_tokens\b|(?:UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)"
                      r"\s+\"?(?:users|user_sessions|revoked_tokens|regions)\b)", re.IGNORECASE)


class Credentials:
    """The credentials one process remembers, and the connection that tells it when to forget."""

    def __init__(self, conninfo):
        self.conninfo = conninfo
        self.lock = threading.Lock()
        self.known = {}
        self.generation = 0  # how many times everything was forgotten
        self.conn = self.pid = self.probe_sent = self.confirmed = None
        self.retry_at = 0.0

    # -- what requests call -----------------------------------------------------------------

    def recall(self, key):
        """The remembered snapshot for ``key`` (see ``snapshot``), or None: not known, or nothing
        may be trusted now."""
        with self.lock:
            if not self._listening():
                return None
            return self.known.get(key)

    def mark(self):
        """Taken before asking the database; ``keep`` stores the answer only if nothing was
        forgotten since."""
        with self.lock:
            return self.generation

    def keep(self, key, value, mark):
        with self.lock:
            if mark != self.generation or not self._listening():
                return
            if len(self.known) >= SIZE:
                self.known.clear()
            self.known[key] = value

    def forget(self):
        with self.lock:
            self._forget()

    def close(self):
        with self.lock:
            self._drop(time.monotonic())

    # -- the listening connection (all under the lock) ---------------------------------------

    def _forget(self):
        self.known.clear()
        self.generation += 1

    def _listening(self):
        """Read what the listening connection has received (notices forget everything, a probe's
        answer confirms it is alive) and say whether what is remembered may be trusted."""
        now = time.monotonic()
        if self.conn is None or self.pid != os.getpid():
            if self.pid != os.getpid():  # (a forked child does not share its parent's connection)
                self.conn, self.known = None, {}
            if now < self.retry_at:
                return False
            return self._connect(now)
        pgconn = self.conn.pgconn
        try:
            pgconn.consume_input()
            while pgconn.notifies() is not None:
                self._forget()
            if self.probe_sent is not None:
                pgconn.flush()
                if not pgconn.is_busy():
                    while (result := pgconn.get_result()) is not None:
                        if result.error_message:
                            raise RuntimeError(result.error_message)
                    self.confirmed, self.probe_sent = self.probe_sent, None
            if self.probe_sent is None and now - self.confirmed >= PROBE_EVERY:
                pgconn.send_query(b"SELECT 1")
                pgconn.flush()
                self.probe_sent = now
        except Exception:  # noqa: BLE001 — whatever broke the connection: forget, ask the database
            self._drop(now)
            return False
        return now - self.confirmed <= TRUST_FOR

    def _connect(self, now):
        import psycopg
        try:
            self.conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=3, keepalives=1,
                                        keepalives_idle=10, keepalives_interval=5, keepalives_count=3,
                                        application_name="jicai-signins")
            self.conn.execute(f"LISTEN {CHANNEL}")
        except Exception:  # noqa: BLE001 — the database is away: ask it per request until it is back
            self._drop(now)
            return False
        self.pid, self.probe_sent = os.getpid(), None
        self.confirmed = time.monotonic()  # (LISTEN answered: from here on every notice arrives)
        self._forget()  # (notices sent while nobody listened are lost)
        return True

    def _drop(self, now):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # noqa: BLE001
                pass
        self.conn, self.probe_sent, self.retry_at = None, None, now + RETRY_AFTER
        self._forget()


def init_app(app):
    """``app.extensions["credentials"]`` on PostgreSQL with ``SIGNIN_CACHE`` on, else None; a
    statement that changes rows of the watched tables through the app's engine forgets at once."""
    engine = db.engines[None]
    if engine.dialect.name != "postgresql" or not app.config.get("SIGNIN_CACHE", True):
        app.extensions["credentials"] = None
        return
    url = app.config.get("SIGNIN_LISTEN_URL") or engine.url.set(drivername="postgresql").render_as_string(
        hide_password=False)
    credentials = app.extensions["credentials"] = Credentials(url)

    @event.listens_for(engine, "after_cursor_execute")
    def forget_on_writes(conn, cursor, statement, parameters, context, executemany):
        # (a statement that changed no row changes nothing: the sign-in's sweep of expired sessions)
        if not statement.startswith("SELECT") and cursor.rowcount != 0 and _CHANGES.match(statement):
            credentials.forget()


class _Columns:
    """The mapped column attributes of User and Region (read once, when first needed)."""
    user = region = None

    @classmethod
    def load(cls):
        if cls.user is None:
            from .models import Region, User
            cls.user = (User, tuple(a.key for a in inspect(User).column_attrs))
            cls.region = (Region, tuple(a.key for a in inspect(Region).column_attrs))
        return cls


def snapshot(user, *extra):
    """What is remembered of a user just read (with their region) and of ``extra``: plain values."""
    columns = _Columns.load()
    region = user.__dict__.get("region")
    return ({k: getattr(user, k) for k in columns.user[1]},
            None if region is None else {k: getattr(region, k) for k in columns.region[1]}, *extra)


def attached(remembered):
    """The user of a snapshot as this request's session's own persistent instance (no query): its
    values put in place as a query's loading puts them (no change recorded), marked as loaded
    (``make_transient_to_detached``), then merged without loading — so lazy relations load, and a
    change to it is written as to a user read from the database."""
    columns = _Columns.load()
    region = None if remembered[1] is None else _loaded(columns.region[0], remembered[1], {})
    user = _loaded(columns.user[0], remembered[0], {} if region is None else {"region": region})
    return db.session.merge(user, load=False)


def _loaded(cls, values, related):
    instance = cls.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values, **related)
    make_transient_to_detached(instance)
    return instance
