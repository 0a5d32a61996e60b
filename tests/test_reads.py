"""A request that reads sends no BEGIN and no COMMIT on PostgreSQL (``extensions.reads_without_
transaction``), yet a read that writes or locks still does so in one transaction."""
import os

import pytest
from sqlalchemy import event, func, select, text

from backend.core import audit
from backend.core.models import AuditLog
from backend.extensions import db
from conftest import PASSWORD

pytestmark = pytest.mark.skipif(os.environ.get("JICAI_TEST_DB") != "postgres",
                                reason="round trips saved on PostgreSQL (SQLite's BEGIN is no round trip)")


@pytest.fixture
def statements(app):
    """(method of the request or None, the statement's first word, its connection in autocommit,
    and in a transaction) for every statement the app sends."""
    from flask import has_request_context, request
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append((request.method if has_request_context() else None, statement.split(None, 1)[0],
                     cursor.connection.autocommit, bool(cursor.connection.info.transaction_status)))
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_a_signed_in_list_reads_without_a_transaction(login_as, statements):
    client = login_as("county")
    statements.clear()
    assert client.get("/api/v1/projects").status_code == 200
    assert client.get("/api/v1/risks").status_code == 200
    assert statements and all(method == "GET" for method, *_ in statements)
    assert all(autocommit and not in_transaction for _, _, autocommit, in_transaction in statements), statements


def test_a_write_still_runs_in_a_transaction_on_the_same_connection(app, login_as, statements):
    client = login_as("county")
    client.get("/api/v1/projects")
    statements.clear()
    r = client.post("/api/v1/auth/token", json={"username": "t_county", "password": PASSWORD})
    assert r.status_code == 201
    assert statements and all(not autocommit for _, _, autocommit, _ in statements), statements


def test_a_read_that_writes_begins_before_its_first_write(app, world):
    """The audit entry of a GET (an export with ``reveal``) and anything after it commit or roll
    back together: rolled back here, nothing of it stays."""
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditLog))
        db.session.commit()
    with app.test_request_context("/api/v1/subsidies/beneficiaries/export", method="GET"):
        assert db.session.execute(text("SELECT 1")).scalar() == 1  # begun on the twin, in autocommit
        assert db.session.connection().connection.dbapi_connection.autocommit
        audit.record(None, "test.read_that_writes")
        db.session.flush()
        assert db.session.connection().connection.dbapi_connection.info.transaction_status  # in one now
        db.session.rollback()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) == before


def test_a_setting_for_the_transaction_begins_one(app, world):
    with app.test_request_context("/api/v1/projects", method="GET"):
        db.session.execute(text("SET LOCAL enable_sort = off"))
        assert db.session.execute(text("SHOW enable_sort")).scalar() == "off"  # (it would not hold alone)
        db.session.rollback()
        assert db.session.execute(text("SHOW enable_sort")).scalar() == "on"
        db.session.rollback()


def test_a_lock_taken_while_reading_is_held_to_the_end(app, world):
    with app.test_request_context("/api/v1/overview/1", method="GET"):
        db.session.execute(text("SELECT pg_advisory_xact_lock(7213999)"))
        held = db.session.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7213999 "
            "AND pid = pg_backend_pid()")).scalar()
        db.session.rollback()
    assert held == 1  # (in autocommit it would have ended with its own statement)
    with app.test_request_context("/api/v1/projects", method="GET"):
        assert db.session.execute(text("SELECT 1")).scalar() == 1
        raw = db.session.connection().connection.dbapi_connection
        assert not raw.info.transaction_status
        db.session.execute(select(AuditLog.id).limit(1).with_for_update())
        assert raw.info.transaction_status  # the row lock lasts until the request ends
        db.session.rollback()


def test_a_connection_handed_back_after_a_read_is_transactional_again(one_connection):
    app = one_connection
    with app.test_request_context("/api/v1/projects", method="GET"):
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        assert db.session.connection().connection.dbapi_connection.autocommit
        db.session.commit()
    with app.app_context():
        again = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        raw = db.session.connection().connection.dbapi_connection
        autocommit, status = raw.autocommit, raw.info.transaction_status
        db.session.rollback()
    assert again == pid  # the same pooled connection
    assert not autocommit and status  # in a transaction again


def test_going_back_over_the_payments_sets_its_plan_only_for_itself(app, world, statements):
    """A page back over the partitioned payments turns sorting off for one statement: in a request
    that reads, on the connection (no transaction begun for it), set back after the statement."""
    from backend.core import pagination
    from backend.subsidies.models import Disbursement
    with app.test_request_context("/api/v1/subsidies/disbursements", method="GET"):
        statements.clear()
        back = pagination._encode([2**31 - 1], back=True)  # going back from past the last id
        pagination.paginate(select(Disbursement).order_by(Disbursement.id), {"page": 1, "per_page": 2, "after": back})
        assert [word for _, word, _, _ in statements] == ["SET", "SELECT", "RESET"], statements
        assert not any(in_transaction for _, _, _, in_transaction in statements), statements
        assert db.session.execute(text("SHOW enable_sort")).scalar() == "on"
        db.session.commit()
        assert db.session.execute(text("SHOW enable_sort")).scalar() == "on"
        db.session.rollback()
