"""A pooled connection is pinged only after it sat unused (``extensions.ping_when_idle``): under load
no request pays a round trip for it, and a connection the database dropped while it sat idle is
replaced before a request uses it."""
import os

import psycopg
import pytest
from sqlalchemy import text

from backend import create_app, extensions
from backend.extensions import db
from conftest import PASSWORD

POSTGRES = os.environ.get("JICAI_TEST_DB") == "postgres"


@pytest.fixture
def own_app(app):
    """An app of its own (its own engine and pool) on the suite's database."""
    settings = {k: v for k, v in app.config.items() if k.isupper()}
    fresh = create_app(settings)
    yield fresh
    with fresh.app_context():
        db.engine.dispose()


@pytest.fixture
def pings(own_app, monkeypatch):
    """How many times the pool asked a connection whether it is alive."""
    calls = []
    with own_app.app_context():
        dialect = db.engine.dialect
        real = dialect.do_ping
        monkeypatch.setattr(dialect, "do_ping", lambda conn: calls.append(1) or real(conn))
    return calls


def _use(app):
    with app.app_context():
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar()


def test_a_connection_handed_back_a_moment_ago_is_not_pinged(own_app, pings, monkeypatch):
    monkeypatch.setattr(extensions, "ALIVE_WINDOW_SECONDS", 60)
    for _ in range(5):
        assert _use(own_app) == 1
    assert pings == []


def test_a_connection_that_sat_unused_is_pinged_and_a_new_one_is_not(own_app, pings, monkeypatch):
    monkeypatch.setattr(extensions, "ALIVE_WINDOW_SECONDS", 0)
    _use(own_app)
    assert pings == []  # just made: nothing to ask
    _use(own_app)
    _use(own_app)
    assert len(pings) == 2


def test_requests_under_load_pay_no_ping(own_app, world, pings, monkeypatch):
    monkeypatch.setattr(extensions, "ALIVE_WINDOW_SECONDS", 60)
    client = own_app.test_client()
    assert client.post("/api/v1/auth/login", json={"username": "t_county", "password": PASSWORD}).status_code == 200
    for _ in range(5):
        assert client.get("/api/v1/projects").status_code == 200
    assert pings == []
    monkeypatch.setattr(extensions, "ALIVE_WINDOW_SECONDS", 0)
    assert client.get("/api/v1/projects").status_code == 200
    assert pings == [1]


def _backend_pid(app):
    with app.app_context():
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def _terminate(app, pid):
    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


@pytest.mark.skipif(not POSTGRES, reason="a server that drops connections: PostgreSQL")
def test_a_connection_the_database_dropped_while_idle_is_replaced(own_app, monkeypatch):
    pid = _backend_pid(own_app)
    _terminate(own_app, pid)
    monkeypatch.setattr(extensions, "ALIVE_WINDOW_SECONDS", 0)  # it sat long enough to be asked
    assert _backend_pid(own_app) != pid


@pytest.mark.skipif(not POSTGRES, reason="a server that drops connections: PostgreSQL")
def test_within_the_window_a_dropped_connection_is_not_asked(own_app, monkeypatch):
    """(What the window trades: a connection dropped within it fails its one use, and the pool
    then drops every connection as old.)"""
    from sqlalchemy.exc import OperationalError
    pid = _backend_pid(own_app)
    _terminate(own_app, pid)
    monkeypatch.setattr(extensions, "ALIVE_WINDOW_SECONDS", 60)
    with pytest.raises(OperationalError):
        _backend_pid(own_app)
    assert _backend_pid(own_app) != pid
