"""Rows each app process remembers between requests on PostgreSQL, forgotten the moment they change,
on any app server.

Two answers are asked for on nearly every request and change rarely, and the lists' statements
follow from those:

- ``credentials``: whose a bearer token or session cookie is and whether it still holds — the user,
  their region, their session, the revoked tokens (``auth.user_for_token``, the session loader).
  A query and a pooled connection taken and handed back: about 0.3 ms of every signed-in request,
  half of ``/auth/me``.
- ``figures``: the region a cockpit view is of and the version of its figures (``overview.
  services.find``), which keys the cached document; with both remembered, a cached cockpit view
  asks the database nothing.
- ``statements``: the SQL a page of the projects, warnings or payments list sends, per list, user,
  filters and kind of page (``pagination.paginate_remembered``): the page's rows are read anew
  every time, the statement is not put together and run through the ORM again. It rests on the
  user and the regions (the scope's path is written into it).

On PostgreSQL a trigger on each table those answers read (migration ``c7e1a9d3f5b2``) calls
``pg_notify`` on the table's channel in the transaction that changes a row, so the notice is sent
when that transaction commits, whichever process or server (or ``psql``) made the change:

    users, user_sessions, revoked_tokens → jicai_auth      regions → jicai_regions
    region_figure_versions → jicai_figures

Each app process keeps one connection LISTENing on them. Before a request answers from what its
process remembers, it reads that connection without waiting (a ``recv`` that usually finds
nothing, a few microseconds); a notice forgets everything each memory that depends on its channel
holds. A change made in the process itself forgets at once (``forget_on_writes``), before its own
notice comes round.

What is remembered is trusted only while the listening connection is known to be alive: it asks
``SELECT 1`` every ``PROBE_EVERY`` seconds without waiting for the answer, and what is remembered
counts only while an answer came back for a probe sent at most ``TRUST_FOR`` seconds ago (every
notice sent before a probe arrives before its answer). A connection that breaks forgets everything
and is opened again after ``RETRY_AFTER`` seconds; meanwhile every request asks the database, as
before. So a change is seen everywhere as soon as its notice arrives (milliseconds), and at worst
``TRUST_FOR`` seconds late if the connection silently stops delivering.

A request that reads from the database keeps what it read only if no notice was read while it
asked (``mark``/``keep``): a change committed just after the read is never kept as current.

SQLite has no LISTEN: there every request asks, as before. ``PROCESS_CACHE = False`` does the
same on PostgreSQL (a pooler in transaction mode, such as PgBouncer's, cannot LISTEN: point
``PROCESS_CACHE_LISTEN_URL`` at the database itself, or turn it off).
"""
import os
import re
import threading
import time

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import make_transient_to_detached

from ..extensions import db

# table → the channel its trigger notifies; memory → the channels it forgets on.
CHANNELS = {"users": "jicai_auth", "user_sessions": "jicai_auth", "revoked_tokens": "jicai_auth",
            "regions": "jicai_regions", "region_figure_versions": "jicai_figures"}
MEMORIES = {"credentials": {"jicai_auth", "jicai_regions"}, "figures": {"jicai_regions", "jicai_figures"},
            "statements": {"jicai_auth", "jicai_regions"}}
# channel → what else the process keeps that a notice on it makes stale (``follow``).
FOLLOWERS = {}
PROBE_EVERY, TRUST_FOR, RETRY_AFTER = 2.0, 10.0, 5.0
SIZE = 20_000  # entries per memory (then all forgotten, and remembered again)
SIZES = {"statements": 1_000}  # (a page's SQL and its plan weigh more than a row)

# A statement that changes one of the tables (a new session, user or region changes nothing
# remembered; a new revoked token or figures' version does); group 1 is the table.
_CHANGES = re.compile(r"^\s*(?:INSERT\s+INTO\s+\"?(revoked_tokens|region_figure_versions)\b|(?:UPDATE|DELETE\s+FROM|"
                      r"TRUNCATE(?:\s+TABLE)?)\s+\"?(users|user_sessions|revoked_tokens|regions|region_figure_versions)\b)",
                      re.IGNORECASE)


class Listener:
    """The connection of one process that LISTENs on every channel, and the memories it keeps."""

    def __init__(self, conninfo):
        self.conninfo = conninfo
        self.lock = threading.Lock()
        self.memories = {name: Memory(self, channels, SIZES.get(name, SIZE)) for name, channels in MEMORIES.items()}
        self.conn = self.pid = self.probe_sent = self.confirmed = None
        self.retry_at = 0.0

    def forget(self, channel=None):
        """Forget what depends on ``channel`` (None: everything)."""
        with self.lock:
            self._forget(channel)

    def close(self):
        with self.lock:
            self._drop(time.monotonic())

    # -- all under the lock ----------------------------------------------------------------

    def _forget(self, channel=None):
        for memory in self.memories.values():
            if channel is None or channel in memory.channels:
                memory.known.clear()
                memory.generation += 1
        for name, forgets in FOLLOWERS.items():
            if channel is None or channel == name:
                for forget in forgets:
                    forget()

    def _listening(self):
        """Read what the listening connection has received (a notice forgets, a probe's answer
        confirms it is alive) and say whether what is remembered may be trusted."""
        now = time.monotonic()
        if self.conn is None or self.pid != os.getpid():
            if self.pid != os.getpid():  # a forked child: the parent's connection is not its own
                # (not closed: psycopg leaves a connection of another process alone when collected)
                self.conn = None
                self._forget()
            if now < self.retry_at:
                return False
            return self._connect(now)
        pgconn = self.conn.pgconn
        try:
            pgconn.consume_input()
            while (notice := pgconn.notifies()) is not None:
                self._forget(notice.relname.decode())
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
                                        application_name=f"jicai-remembered {os.getpid()}")
            for channel in sorted(set(CHANNELS.values())):
                self.conn.execute(f"LISTEN {channel}")
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


class Memory:
    """What one kind of answer remembers: ``recall`` before asking the database, ``mark`` then
    ``keep`` after."""

    def __init__(self, listener, channels, size=SIZE):
        self.listener, self.channels, self.size = listener, frozenset(channels), size
        self.known, self.generation = {}, 0

    def recall(self, key):
        """What is remembered for ``key``, or None: not known, or nothing may be trusted now."""
        with self.listener.lock:
            return self.known.get(key) if self.listener._listening() else None

    def mark(self):
        """Taken before asking the database; ``keep`` stores the answer only if nothing was
        forgotten since."""
        with self.listener.lock:
            return self.generation

    def keep(self, key, value, mark):
        with self.listener.lock:
            if mark != self.generation or not self.listener._listening():
                return
            if len(self.known) >= self.size:
                self.known.clear()
            self.known[key] = value


def follow(channel, forget):
    """Call ``forget()`` when a notice comes on ``channel`` (and whenever everything is forgotten):
    for what the process keeps in its own way with a lifetime of its own (``tree.KNOWN``), so that
    a change made elsewhere shows here at once instead of when that lifetime ends."""
    FOLLOWERS.setdefault(channel, []).append(forget)


def memory(name):
    """This app's memory ``name`` (``MEMORIES``), or None where nothing is remembered."""
    listener = current_app.extensions["remembered"]
    return None if listener is None else listener.memories[name]


def recall(name, key, read):
    """What memory ``name`` remembers for ``key``, else what ``read()`` answers from the database
    (plain values: ``snapshot``), kept unless a notice was read meanwhile. None — nothing found —
    is never kept: a row that appears later (a new session, a new region) sends no notice."""
    known = memory(name)
    recalled = None if known is None else known.recall(key)
    if recalled is not None:
        return recalled
    mark = None if known is None else known.mark()
    value = read()
    if known is not None and value is not None:
        known.keep(key, value, mark)
    return value


def init_app(app):
    """``app.extensions["remembered"]``: the process's ``Listener`` on PostgreSQL with
    ``PROCESS_CACHE`` on, else None. A statement through the app's engine that changes rows of a
    watched table forgets what depends on it at once."""
    engine = db.engines[None]
    if engine.dialect.name != "postgresql" or not app.config.get("PROCESS_CACHE", True):
        app.extensions["remembered"] = None
        return
    url = app.config.get("PROCESS_CACHE_LISTEN_URL") or engine.url.set(drivername="postgresql").render_as_string(
        hide_password=False)
    listener = app.extensions["remembered"] = Listener(url)

    @event.listens_for(engine, "after_cursor_execute")
    def forget_on_writes(conn, cursor, statement, parameters, context, executemany):
        # (a statement that changed no row changes nothing: the sign-in's sweep of expired sessions)
        if not statement.startswith("SELECT") and cursor.rowcount != 0:
            changed = _CHANGES.match(statement)
            if changed:
                listener.forget(CHANNELS[(changed.group(1) or changed.group(2)).lower()])


def snapshot(instance, *related):
    """What is remembered of an ORM instance just read: its column values, and of each of the
    ``related`` objects (loaded with it) the same — plain values, shared by every thread."""
    mapper = type(instance).__mapper__
    values = {a.key: getattr(instance, a.key) for a in mapper.column_attrs}
    return (type(instance), values, {name: None if (other := getattr(instance, name)) is None else snapshot(other)
                                     for name in related})


def attached(remembered):
    """The instance of a snapshot as this request's session's own persistent instance (no query):
    its values put in place as a query's loading puts them (no change recorded), marked as loaded
    (``make_transient_to_detached``), then added to the session — or, when the session already
    holds rows (one of them may be this one or its region), merged without loading — so lazy
    relations load, and a change to it is written as to a row read from the database."""
    instance, session = _loaded(remembered), db.session
    if session.identity_map:
        return session.merge(instance, load=False)
    session.add(instance)  # (a new instance, with its loaded relations: nothing to copy)
    return instance


def _loaded(remembered):
    cls, values, related = remembered
    instance = cls.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)
    for name, other in related.items():
        instance.__dict__[name] = None if other is None else _loaded(other)
    make_transient_to_detached(instance)
    return instance
