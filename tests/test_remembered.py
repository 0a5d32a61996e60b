"""Rows remembered per process on PostgreSQL between requests (``core/remembered.py``) — whose a
credential is, the cockpit's region and figures' version: asked once, then answered without the
database — and forgotten the moment anything they rest on changes, whoever changes it (this
process, another connection, ``psql``), or when the connection that listens for the notices
cannot be trusted."""
import os
import time

import psycopg
import pytest
from sqlalchemy import event

from backend.core import remembered
from backend.extensions import db
from conftest import PASSWORD, assert_error

pytestmark = pytest.mark.skipif(os.environ.get("JICAI_TEST_DB") != "postgres",
                                reason="LISTEN/NOTIFY: SQLite remembers nothing (every request asks)")


def noted(app, wanted, seen_as=lambda statement, context: statement):
    """The statements the app sends that ``wanted(statement)`` picks, while the test runs, each as
    ``seen_as(statement, its execution context)``."""
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if wanted(statement):
            seen.append(seen_as(statement, context))
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


@pytest.fixture
def user_queries(app):
    """The statements that read the users table (the credential check reads it; nothing else on
    the routes used here does)."""
    yield from noted(app, lambda statement: statement.startswith("SELECT users.id"))


@pytest.fixture
def statements(app):
    """Every statement the app sends."""
    yield from noted(app, lambda statement: True)


@pytest.fixture
def outside(app):
    """A connection of someone else's: not the app's engine (as psql or another server would)."""
    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


def bearer(app, key):
    r = app.test_client().post("/api/v1/auth/token", json={"username": f"t_{key}", "password": PASSWORD})
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['access_token']}"}


def until(check, seconds=2.0):
    """Ask ``check()`` until it is true (a notice crosses a socket: milliseconds), at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_token_is_checked_once_then_remembered(app, world, user_queries):
    headers, client = bearer(app, "county"), app.test_client()
    user_queries.clear()
    for _ in range(3):
        r = client.get("/api/v1/auth/me", headers=headers)
        assert r.status_code == 200 and r.json["user"]["username"] == "t_county"
    assert len(user_queries) == 1, user_queries


def test_a_session_is_checked_once_then_remembered(login_as, user_queries):
    client = login_as("county")
    user_queries.clear()
    for _ in range(3):
        assert client.get("/api/v1/projects").status_code == 200
    assert len(user_queries) == 1, user_queries


def test_a_token_revoked_here_is_refused_at_once(app, world):
    headers, client = bearer(app, "county"), app.test_client()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/token/revoke", headers=headers).status_code == 204
    r = client.get("/api/v1/auth/me", headers=headers)
    assert_error(r, 401, "token_revoked")


def test_a_session_signed_out_is_anonymous_at_once(login_as):
    client = login_as("county")
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_user_deactivated_by_another_connection_is_refused(app, world, outside, user_queries):
    """The trigger's notice reaches the listening connection: the next request asks again."""
    headers, client = bearer(app, "clerk"), app.test_client()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    try:
        outside.execute("UPDATE users SET active = false WHERE username = 't_clerk'")
        assert until(lambda: client.get("/api/v1/auth/me", headers=headers).status_code == 401)
    finally:
        outside.execute("UPDATE users SET active = true WHERE username = 't_clerk'")
    user_queries.clear()
    assert until(lambda: client.get("/api/v1/auth/me", headers=headers).status_code == 200)


def test_a_session_deleted_by_another_connection_is_anonymous(app, login_as, outside):
    client = login_as("clerk")
    assert client.get("/api/v1/auth/me").status_code == 200
    user = outside.execute("SELECT id FROM users WHERE username = 't_clerk'").fetchone()[0]
    outside.execute("DELETE FROM user_sessions WHERE user_id = %s", (user,))
    assert until(lambda: client.get("/api/v1/auth/me").status_code == 401)


def test_a_region_moved_by_another_connection_is_read_again(app, world, outside):
    """The remembered user carries their region (its path scopes every list): renaming it is seen."""
    headers, client = bearer(app, "county"), app.test_client()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    region = world["regions"]["linan"]
    before = outside.execute("SELECT name FROM regions WHERE id = %s", (region,)).fetchone()[0]
    try:
        outside.execute("UPDATE regions SET name = '临安区（改）' WHERE id = %s", (region,))
        assert until(lambda: client.get("/api/v1/auth/me", headers=headers).json["user"]["region"]["name"] == "临安区（改）")
    finally:
        outside.execute("UPDATE regions SET name = %s WHERE id = %s", (before, region))


def test_a_remembered_user_can_change_their_password(app, world):
    """The remembered user is the request's own instance: a change to it is written."""
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"username": "t_inspector_sibling", "password": PASSWORD})
    csrf = {"X-CSRF-Token": r.json["csrf_token"]}
    assert client.get("/api/v1/auth/me").status_code == 200  # remembered from here on
    new = PASSWORD + "x"
    r = client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": new},
                    headers=csrf)
    assert r.status_code in (200, 204), r.json
    try:
        fresh = app.test_client().post("/api/v1/auth/login", json={"username": "t_inspector_sibling",
                                                                    "password": new})
        assert fresh.status_code == 200, fresh.json
    finally:
        with app.app_context():
            from backend.core.auth import hash_password
            from backend.core.models import User
            user = db.session.get(User, world["users"]["inspector_sibling"])
            user.password_hash = hash_password(PASSWORD)
            db.session.commit()


def test_nothing_is_trusted_once_the_listener_is_silent_too_long(app, world, user_queries, monkeypatch):
    """No probe answered within ``TRUST_FOR``: every request asks the database."""
    headers, client = bearer(app, "county"), app.test_client()
    client.get("/api/v1/auth/me", headers=headers)
    monkeypatch.setattr(remembered, "TRUST_FOR", -1.0)
    user_queries.clear()
    for _ in range(2):
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert len(user_queries) == 2


def test_a_broken_listener_forgets_and_asks_until_it_is_back(app, world, outside, user_queries, monkeypatch):
    app.extensions["remembered"].retry_at = 0.0  # (listening now, whatever came before)
    headers, client = bearer(app, "county"), app.test_client()
    client.get("/api/v1/auth/me", headers=headers)
    known = app.extensions["remembered"]
    outside.execute("SELECT pg_terminate_backend(%s)", (known.conn.info.backend_pid,))  # (this process's only)
    user_queries.clear()
    assert until(lambda: client.get("/api/v1/auth/me", headers=headers).status_code == 200 and known.conn is None)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert len(user_queries) >= 2  # (asked while the listener was away)
    known.retry_at = 0.0  # the retry is due: listening again, remembering again
    user_queries.clear()
    for _ in range(3):
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert known.conn is not None
    assert len(user_queries) == 1  # (what was remembered before the break was forgotten)


def test_an_answer_read_while_a_notice_came_is_not_kept(app):
    listener = remembered.Listener(app.extensions["remembered"].conninfo)
    known = listener.memories["credentials"]
    try:
        assert known.recall("k") is None  # (connects and listens)
        mark = known.mark()
        listener.forget("jicai_auth")  # a notice read between the question and the answer
        known.keep("k", "stale", mark)
        assert known.recall("k") is None
        known.keep("k", "fresh", known.mark())
        assert known.recall("k") == "fresh"
    finally:
        listener.close()


def test_a_write_here_forgets_before_its_notice_comes(app, world):
    """A change made through the app's own engine forgets at the statement, not only when the
    notice of its commit comes round (none comes until then)."""
    from sqlalchemy import text
    known = app.extensions["remembered"].memories["credentials"]
    with app.app_context():
        known.keep("k", "remembered", known.mark())
        assert known.recall("k") == "remembered"
        db.session.execute(text("UPDATE users SET display_name = display_name WHERE username = 't_clerk'"))
        assert known.recall("k") is None
        db.session.rollback()


def test_a_sign_in_forgets_nothing(app, world, login_as):
    """Signing in sweeps the user's expired sessions (a DELETE that usually removes nothing): the
    others' credentials stay remembered."""
    known = app.extensions["remembered"].memories["credentials"]
    with app.app_context():
        known.keep("k", "remembered", known.mark())
    login_as("county")
    assert known.recall("k") == "remembered"


def test_a_token_revoked_on_one_server_process_is_refused_by_every_other(app, world, live_server, outside, workdir):
    """gunicorn's two workers each remember the token; revoked through one, neither accepts it next
    (the notice reaches both before the answer to the revocation reaches the client)."""
    import re
    from concurrent.futures import ThreadPoolExecutor

    import requests
    r = requests.post(f"{live_server}/api/v1/auth/token", json={"username": "t_city", "password": PASSWORD},
                      timeout=10)
    assert r.status_code == 201, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    workers = re.findall(r"Booting worker with pid: (\d+)", (workdir / "gunicorn.log").read_text())

    def listening():  # the gunicorn workers' listening connections (each names its process)
        return outside.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = ANY(%s)",
                               ([f"jicai-remembered {pid}" for pid in workers],)).fetchone()[0]

    def me(_):
        return requests.get(f"{live_server}/api/v1/auth/me", headers=headers, timeout=10).status_code

    with ThreadPoolExecutor(8) as pool:
        # (eight at once, until both workers have answered, remembered and listened — a worker whose
        # listening connection broke earlier waits RETRY_AFTER seconds before listening again)
        assert until(lambda: set(pool.map(me, range(16))) == {200} and listening() == 2, seconds=30)
        assert requests.post(f"{live_server}/api/v1/auth/token/revoke", headers=headers, timeout=10).status_code == 204
        assert set(pool.map(me, range(32))) == {401}


# ---- the cockpit's region and its figures' version ------------------------------------------------

def test_a_cockpit_view_seen_before_asks_the_database_nothing(app, world, statements):
    headers, client = bearer(app, "county"), app.test_client()
    linan = world["regions"]["linan"]
    first = client.get(f"/api/v1/overview/{linan}", headers=headers)
    assert first.status_code == 200
    statements.clear()
    again = client.get(f"/api/v1/overview/{linan}", headers=headers)
    assert again.status_code == 200 and statements == []
    assert {**again.json, "as_of": None} == {**first.json, "as_of": None}


def test_figures_refreshed_by_another_connection_are_read_again(app, world, outside):
    """A new version of the figures (a refresh on another server) is read on the next view: the
    document is rendered anew, not served from the cache of the old version."""
    from backend.overview import services
    headers, client = bearer(app, "county"), app.test_client()
    linan = world["regions"]["linan"]
    assert client.get(f"/api/v1/overview/{linan}", headers=headers).status_code == 200
    with app.app_context():
        seen = services.find(linan)[1]
    outside.execute("INSERT INTO region_figure_versions (region_id, version) VALUES (%s, %s) "
                    "ON CONFLICT (region_id) DO UPDATE SET version = region_figure_versions.version + 1",
                    (linan, seen + 1))
    rendered = []
    real = services.overview
    try:
        services.overview = lambda *a, **kw: rendered.append(a[0].id) or real(*a, **kw)
        assert until(lambda: client.get(f"/api/v1/overview/{linan}", headers=headers).status_code == 200
                     and rendered == [linan])
    finally:
        services.overview = real


def test_a_region_renamed_by_another_connection_is_named_anew_in_the_cockpit(app, world, outside):
    headers, client = bearer(app, "county"), app.test_client()
    town = world["regions"]["taihuyuan"]
    assert client.get(f"/api/v1/overview/{town}", headers=headers).json["region"]["name"] == "太湖源镇"
    try:
        outside.execute("UPDATE regions SET name = '太湖源镇（改）' WHERE id = %s", (town,))
        assert until(lambda: client.get(f"/api/v1/overview/{town}", headers=headers).json["region"]["name"]
                     == "太湖源镇（改）")
    finally:
        outside.execute("UPDATE regions SET name = '太湖源镇' WHERE id = %s", (town,))


def test_a_forked_process_listens_on_its_own_connection_and_leaves_its_parents_alone(app, world):
    """gunicorn forks its workers: a child that finds its parent's listening connection opens its
    own, and the parent's goes on working."""
    headers, client = bearer(app, "county"), app.test_client()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    listener = app.extensions["remembered"]
    parents = listener.conn
    assert parents is not None
    pid = os.fork()
    if pid == 0:  # the child: remember anew on a connection of its own
        ok = False
        try:
            with app.app_context():  # (as a forked worker should: none of the parent's pooled connections)
                db.engine.dispose(close=False)
            listener.retry_at = 0.0  # (whatever an earlier test left: no retry pending)
            ok = client.get("/api/v1/auth/me", headers=headers).status_code == 200 and \
                listener.conn is not None and listener.conn is not parents
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert parents.execute("SELECT 1").fetchone() == (1,)  # (the child did not end it)
    assert listener.conn is parents


def test_a_township_renamed_by_another_connection_is_named_anew_in_the_lists(app, world, outside, make_project):
    """The township and county each list item names are kept by the process (``tree.KNOWN``, a
    minute at most); the notice of a rename made elsewhere forgets them at once."""
    make_project(region="taihuyuan")
    headers, client = bearer(app, "county"), app.test_client()
    town = world["regions"]["taihuyuan"]

    def townships():
        items = client.get(f"/api/v1/projects?region_id={town}", headers=headers).json["items"]
        return {item["township"]["name"] for item in items}
    assert townships() == {"太湖源镇"}
    try:
        outside.execute("UPDATE regions SET name = '太湖源镇（改）' WHERE id = %s", (town,))
        assert until(lambda: townships() == {"太湖源镇（改）"})
    finally:
        outside.execute("UPDATE regions SET name = '太湖源镇' WHERE id = %s", (town,))


@pytest.fixture
def list_sql(app):
    """How each list page's statement was sent, in order: True for the remembered SQL (told to the
    engine's listeners with no execution context: no statement compiled by SQLAlchemy behind it),
    False for a statement SQLAlchemy built."""
    yield from noted(app, lambda statement: statement.startswith("SELECT") and "LIMIT" in statement,
                     lambda statement, context: context is None)


def walked(client, path):
    """Every page a person reaches on ``path``: the first, the second by number, then by key to
    the end and back by key to the start."""
    pages = [client.get(path).json, client.get(path + "&page=2").json]
    while pages[-1]["next"] and len(pages) < 40:
        pages.append(client.get(f"{path}&after={pages[-1]['next']}").json)
    while pages[-1]["prev"] and len(pages) < 80:
        pages.append(client.get(f"{path}&after={pages[-1]['prev']}").json)
    assert len(pages) < 80, "a walk that never ends"
    return pages


def test_a_list_page_seen_before_sends_its_remembered_sql_and_answers_the_same(
        app, world, login_as, make_project, make_warning, list_sql, monkeypatch):
    """Projects, warnings and payments: walked a second time, every page's statement is the SQL
    remembered from the first walk with the new position; the pages are the same as the first
    walk's and as those built afresh with nothing remembered."""
    import subsidy_seed
    subsidy_seed.seed(app, world)
    for _ in range(7):
        make_warning()
    county = login_as("county")
    for path in ("/api/v1/projects?q=测试道路工程&per_page=3", "/api/v1/risks?status=all&per_page=3",
                 "/api/v1/subsidies/disbursements?per_page=1"):
        list_sql.clear()
        first = walked(county, path)
        assert len(first) >= 5 and all("items" in page for page in first), (path, first)
        assert not all(list_sql), path  # (the first of each kind of page is built)
        for _ in range(3):  # (a notice of the set-up's own writes may still come, and forget: walk again)
            list_sql.clear()
            assert walked(county, path) == first, path
            if all(list_sql):
                break
        assert list_sql and all(list_sql), (path, list_sql)
        with monkeypatch.context() as patched:
            patched.setattr(remembered, "memory", lambda name: None)
            list_sql.clear()
            assert walked(county, path) == first, path
            assert not any(list_sql), path


def test_a_list_remembered_for_a_region_moved_elsewhere_is_refused(app, world, login_as, make_project, outside):
    """What a list remembers rests on the regions (the scope's path is in its SQL, the region
    asked for was found inside the user's): a township moved out of the county by another
    connection is out of the county user's scope at once."""
    make_project(region="taihuyuan")
    county = login_as("county")
    town, other = world["regions"]["taihuyuan"], world["regions"]["tonglu"]
    path = f"/api/v1/projects?region_id={town}"
    for _ in range(2):
        assert county.get(path).json["items"]
    before = outside.execute("SELECT parent_id, path FROM regions WHERE id = %s", (town,)).fetchone()
    try:
        outside.execute("UPDATE regions SET parent_id = %s, path = (SELECT path FROM regions WHERE id = %s)"
                        " || code || '/' WHERE id = %s", (other, other, town))
        assert until(lambda: county.get(path).status_code == 403)
        assert_error(county.get(path), 403, "out_of_scope")
    finally:
        outside.execute("UPDATE regions SET parent_id = %s, path = %s WHERE id = %s", (*before, town))


def test_a_role_that_sees_less_than_its_region_is_never_answered_from_memory(app, world, login_as, list_sql):
    """A department official's payments are narrowed by what their department owns (rows the
    notices do not cover): their lists are built every time."""
    import department_seed
    import subsidy_seed
    subsidy_seed.seed(app, world)
    department_seed.ensure(app, world)
    official = login_as("department")
    for _ in range(3):
        assert official.get("/api/v1/subsidies/disbursements?per_page=3").status_code == 200
    assert list_sql and not any(list_sql)


def test_a_forged_position_on_a_remembered_list_is_refused(app, world, login_as, make_project):
    for i in range(4):
        make_project(name=f"伪造位置{i}")
    county = login_as("county")
    path = "/api/v1/projects?q=伪造位置&per_page=2"
    page = county.get(path).json
    assert county.get(f"{path}&after={page['next']}").status_code == 200  # (remembered now)
    for forged in ("WyJ4Il0", "WzEsMiwzXQ", "eyJhIjpbXX0", "bm90IGpzb24"):  # ["x"], [1,2,3], {"a":[]}, not json
        assert_error(county.get(f"{path}&after={forged}"), 400, "cursor_invalid", "query.after")
