"""Extensions, created unbound and bound to the app in ``create_app``."""
import json
from contextlib import contextmanager
from contextvars import ContextVar

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

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
