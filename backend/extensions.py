"""Extensions, created unbound and bound to the app in ``create_app``."""
import json
import re
import time
from contextlib import contextmanager
from contextvars import ContextVar

import orjson
from flask import current_app, has_request_context, request
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import MetaData, event, exc

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Requests that only read: no CSRF check, no SQLite write lock up front, no transaction on PostgreSQL.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Session(FlaskSession):
    """Flask-SQLAlchemy's session; on PostgreSQL a transaction begun in a request that reads (GET,
    HEAD, OPTIONS) is bound to the engine without transactions (``reads_without_transaction``)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is not None:
            return engine
        reads = self.info.get("reads")
        if reads is None:  # decided once per transaction: every statement of it uses one connection
            reads = self.info["reads"] = has_request_context() and request.method in READING_METHODS
        return current_app.extensions["read_engines"].get(engine, engine) if reads else engine


@event.listens_for(Session, "after_transaction_end")
def _decide_again(session, transaction):
    if transaction.parent is None:
        session.info.pop("reads", None)


db = SQLAlchemy(metadata=MetaData(naming_convention=naming), session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()


def read_json(text):
    """A JSON column's value as the engine reads it (``create_app`` gives the engine this function):
    by orjson, several times faster (a page of 20 warnings parses 20 evidences), or by ``json``
    where orjson would read it otherwise or not at all: NaN and infinity, which ``json.dumps`` may
    have written, and a number of 19 digits or more, which orjson reads as a float past 64 bits
    (text with such a run of digits anywhere — a bank card number — is simply read the slow way)."""
    if (_LONG_DIGITS_TEXT if isinstance(text, str) else _LONG_DIGITS).search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


_LONG_DIGITS, _LONG_DIGITS_TEXT = re.compile(rb"\d{19}"), re.compile(r"\d{19}")


def stored_json(value):
    """A JSON column's value as the engine writes it (``create_app`` gives the engine this function):
    code that compares stored JSON as text (the risk engine) writes a value the same way."""
    return json.dumps(value)


# A transaction begun inside ``reading()`` only reads: on SQLite it takes no write lock up front
# (backend/__init__.py), so a long job's reading does not hold every writer off. Commit (or roll
# back) before writing: a read transaction cannot take the lock once another writer has committed.
_reading = ContextVar("reading", default=False)


def is_reading():
    return _reading.get()


@contextmanager
def reading():
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


# A pooled connection is asked whether it is alive (a round trip) only when it has sat unused
# longer than this: one handed back a moment ago was alive a moment ago. Under load every request
# saves the round trip; after a quiet spell (or a database restart, which takes longer than this)
# the first use pings as before. HikariCP's aliveBypassWindowMs, same default.
ALIVE_WINDOW_SECONDS = 0.5


def ping_when_idle(engine):
    """Listen on ``engine``'s pool: ping a connection on checkout when it was checked in more than
    ``ALIVE_WINDOW_SECONDS`` ago; a dead one is replaced, and every connection older is dropped
    (as ``pool_pre_ping`` does). A new connection is not pinged."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection, record):
        if record is not None:
            record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def alive(dbapi_connection, record, proxy):
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < ALIVE_WINDOW_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.InvalidatePoolError() from error
            raise


# A statement that takes part in a transaction even though it reads: a row lock, or a lock or
# setting held until the transaction ends (pg_advisory_xact_lock, SET LOCAL). A setting of the
# connection's own (SET without LOCAL, RESET) needs none.
_LOCKING = re.compile(r"\bFOR (?:UPDATE|SHARE|NO KEY UPDATE|KEY SHARE)\b")


def _transactional(statement):
    if statement.startswith(("SET ", "RESET ")):
        return statement.startswith("SET LOCAL ")
    return not statement.startswith("SELECT") or "_xact_" in statement or (
        "FOR " in statement and _LOCKING.search(statement) is not None)


def reads_without_transaction(app):
    """A request that reads sends no BEGIN and no COMMIT on PostgreSQL: two round trips of the
    four a signed-in list page made (0.25 ms here). Under READ COMMITTED, PostgreSQL's and ours,
    every statement already reads its own snapshot, so a SELECT answers the same with or without
    the transaction around it. Each PostgreSQL engine gets a twin whose connections are in
    autocommit (the pool's own connections; the setting is undone when one is handed back), and
    the twin begins a transaction itself before the first statement that is not a plain SELECT
    (or a SET of the connection's own):
    a GET that writes (an export's audit entry) or locks still commits or rolls back all at once
    with the request."""
    from psycopg.pq import TransactionStatus
    idle = TransactionStatus.IDLE
    twins = app.extensions["read_engines"] = {}
    for engine in db.engines.values():
        if engine.dialect.name != "postgresql":
            continue
        twin = twins[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")

        @event.listens_for(twin, "before_cursor_execute")
        def begin_before_writing(conn, cursor, statement, parameters, context, executemany):
            if _transactional(statement) and cursor.connection.info.transaction_status == idle:
                cursor.execute("BEGIN")
