"""The limits hold under a burst: 30 attempts at once, each on its own thread with its own database
connection and transaction (as 30 gunicorn workers would be), get exactly the limit through — on
SQLite and on PostgreSQL. Before the check and the record were one step, 30 simultaneous wrong
passwords for one name got 8 password checks instead of 5."""
import threading
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from backend.core import auth, pii
from backend.core.errors import ApiError
from backend.core.models import LoginAttempt
from backend.extensions import db
from subsidy_seed import id_number

BURST = 30


def burst(app, attempt, n=BURST):
    """Run ``attempt(i)`` on ``n`` threads released together, each in its own app context (its own
    session and connection) inside a POST request, committing as a request does. Returns the error
    codes (None for a success)."""
    start = threading.Barrier(n)
    codes = [None] * n

    def one(i):
        with app.app_context(), app.test_request_context(method="POST"):
            try:
                start.wait(30)
                attempt(i)
                db.session.commit()
            except ApiError as error:
                db.session.rollback()
                codes[i] = error.code
            except Exception as error:  # not a success: a thread that died must not count as one
                db.session.rollback()
                codes[i] = f"{type(error).__name__}: {error}"[:200]
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    return codes


@contextmanager
def config(app, **values):
    old = {k: app.config[k] for k in values}
    app.config.update(values)
    try:
        yield
    finally:
        app.config.update(old)


@pytest.fixture
def password_checks(monkeypatch):
    """How many times a password was actually checked."""
    seen = []
    lock = threading.Lock()
    real = auth.check_password_hash

    def counting(*args):
        with lock:
            seen.append(1)
        return real(*args)
    monkeypatch.setattr(auth, "check_password_hash", counting)
    return seen


def _ip():
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:6]}"  # unique per test


def test_thirty_wrong_passwords_for_one_name_get_exactly_five_checks(app, world, password_checks):
    name = "burst_" + uuid.uuid4().hex[:8]
    limit = app.config["LOGIN_MAX_FAILURES"]
    codes = burst(app, lambda i: auth.authenticate(name, "wrong-password", f"203.0.113.{i}"))
    assert len(password_checks) == limit
    assert codes.count("bad_credentials") == limit
    assert codes.count("too_many_attempts") == BURST - limit
    with app.app_context():
        checked = db.session.scalar(select(func.count()).where(LoginAttempt.username == name,
                                                               LoginAttempt.note.is_(None)))
        assert checked == limit


def test_thirty_wrong_passwords_from_one_address_get_exactly_the_address_limit(app, world, password_checks):
    ip = _ip()
    with config(app, LOGIN_MAX_FAILURES=2):  # per address: 10 × 2 = 20 (each name tries once)
        codes = burst(app, lambda i: auth.authenticate(f"burst_{uuid.uuid4().hex[:8]}", "wrong", ip))
    assert len(password_checks) == 20
    assert codes.count("bad_credentials") == 20 and codes.count("too_many_attempts") == BURST - 20


def _self_check_rows(app, **where):
    from backend.subsidies.models import SelfCheckAttempt
    with app.app_context():
        return db.session.scalar(select(func.count()).where(
            *[getattr(SelfCheckAttempt, k) == v for k, v in where.items()]))


def test_thirty_self_checks_for_one_id_number_get_exactly_the_limit(app, world):
    from backend.subsidies import services
    number = id_number("1977", f"{uuid.uuid4().int % 900 + 100}")
    limit = app.config["SELF_CHECK_PER_ID"]
    codes = burst(app, lambda i: services.self_check("某某", number, "1234", f"{_ip()}-{i}"))
    assert codes.count("self_check_no_match") == limit
    assert codes.count("self_check_rate_limited") == BURST - limit
    with app.app_context():
        digest = pii.blind(pii.normalize_id(number), "id_number")
    assert _self_check_rows(app, id_hash=digest) == limit


def test_thirty_self_checks_from_one_address_get_exactly_the_limit(app, world):
    from backend.subsidies import services
    ip = _ip()
    with config(app, SELF_CHECK_PER_VISITOR=10):
        codes = burst(app, lambda i: services.self_check("某某", id_number("1980", f"{i + 100:03d}"), "1234", ip))
    assert codes.count("self_check_no_match") == 10
    assert codes.count("self_check_rate_limited") == BURST - 10
    assert _self_check_rows(app, ip=ip) == 10


def test_thirty_comments_from_one_address_get_exactly_the_limit(app, world, make_project):
    from backend.comments import services as comments
    from backend.comments.models import ProjectComment
    from backend.projects.models import Project
    project_id = make_project(stage="construction")
    ip = _ip()
    limit = app.config["COMMENTS_PER_VISITOR"]
    codes = burst(app, lambda i: comments.leave(db.session.get(Project, project_id), str(uuid.uuid4()), "comment",
                                                f"第 {i} 条：路面有坑洼", None, None, ip))
    assert codes.count(None) == limit
    assert codes.count("comment_rate_limited") == BURST - limit
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(ProjectComment.project_id == project_id)) == limit
