"""Extensions, created unbound and bound to the app in ``create_app``."""
import json
import time
from contextlib import contextmanager
from contextvars import ContextVar

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, exc

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=naming))
migrate = Migrate()
login_manager = LoginManager()


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
