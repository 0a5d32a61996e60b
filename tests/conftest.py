"""Fixtures that read like the domain. The suite runs on SQLite (default) and on PostgreSQL
(JICAI_TEST_DB=postgres with TEST_DATABASE_URL); the schema always comes from the Alembic migrations.

The region world and its users are built once per session; each test makes its own projects and
units with the factories, so tests never depend on one another's rows.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

# Every app this test process builds (some tests build their own) runs its jobs inline and queues
# nothing anywhere else (read by backend.config at import, below); the live processes get their own.
os.environ.update(QUEUE_URL="memory://", QUEUE_IMMEDIATE="1",
                  # (a shared 2-core machine running several suites: bursts of writers wait longer
                  # for SQLite's one write lock than a deployment's 10 s)
                  SQLITE_BUSY_MS="60000")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
sys.path.insert(0, str(ROOT))

from backend import create_app  # noqa: E402
from backend.config import TestConfig  # noqa: E402
from backend.core import clock  # noqa: E402
from backend.extensions import db as _db  # noqa: E402

PASSWORD = "correct-horse-battery"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


# ---- the suite's clock -------------------------------------------------------------------------
# Every test, fixture and the live server see this moment as "now", whatever the machine's date
# (the suite runs under `faketime` years ahead in CI). Build dates from it: TODAY + timedelta(...).
PINNED = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing
TODAY = PINNED.date()


@pytest.fixture(scope="session", autouse=True)
def pinned_clock_session():
    """The clock is pinned before the session's fixtures (the world, the live server) are built."""
    clock.freeze(PINNED)
    yield
    clock.freeze(None)


@pytest.fixture(autouse=True)
def pinned_clock():
    """Each test starts at PINNED; a test that moves the clock (or releases it) is put back after."""
    clock.freeze(PINNED)
    yield PINNED
    clock.freeze(PINNED)


def _database_url(tmp):
    if os.environ.get("JICAI_TEST_DB") == "postgres":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.exit("JICAI_TEST_DB=postgres needs TEST_DATABASE_URL", 2)
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    return f"sqlite:///{tmp / 'test.db'}"


@pytest.fixture(scope="session")
def workdir():
    path = Path(tempfile.mkdtemp(prefix="jicai-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def app(workdir):
    from flask_migrate import upgrade
    url = _database_url(workdir)
    settings = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": str(workdir / "storage")})
    with app.app_context():
        assert _db.engine.url.render_as_string(hide_password=False) == url
        upgrade(directory=str(ROOT / "migrations"))
    return app


@pytest.fixture(scope="session")
def world(app):
    """Regions: 浙江 → 杭州 (临安: 锦城, 太湖源; 桐庐: 分水), 宁波 (海曙: 石碶); a user per role
    in 锦城/临安/杭州/浙江 and the same roles in a sibling region."""
    from backend.core.auth import hash_password
    from backend.core.models import Region, User
    from backend.projects import services as projects
    with app.app_context():
        regions = {}

        def add(key, code, name, level, parent=None, lat=None, lng=None):
            path = (regions[parent].path if parent else "/") + code + "/"
            region = Region(code=code, name=name, level=level, path=path, lat=lat, lng=lng,
                            parent_id=regions[parent].id if parent else None)
            _db.session.add(region)
            _db.session.flush()
            regions[key] = region

        add("zj", "330000000000", "浙江省", "province")
        add("hz", "330100000000", "杭州市", "city", "zj")
        add("nb", "330200000000", "宁波市", "city", "zj")
        add("linan", "330112000000", "临安区", "county", "hz")
        add("tonglu", "330122000000", "桐庐县", "county", "hz")
        add("haishu", "330203000000", "海曙区", "county", "nb")
        add("jincheng", "330112006000", "锦城街道", "township", "linan", 30.234, 119.72)
        add("taihuyuan", "330112103000", "太湖源镇", "township", "linan", 30.32, 119.59)
        add("fenshui", "330122103000", "分水镇", "township", "tonglu")
        add("shiqi", "330203104000", "石碶街道", "township", "haishu")
        add("qianwang", "330112006001", "钱王社区", "village", "jincheng", 30.236, 119.721)
        add("baisha", "330112103201", "白沙村", "village", "taihuyuan", 30.35, 119.58)
        users = {}
        for key, role, region in [
            ("admin", "admin", "zj"), ("province", "province", "zj"), ("city", "city", "hz"),
            ("city_sibling", "city", "nb"), ("county", "county", "linan"),
            ("county_sibling", "county", "tonglu"), ("lead", "township_lead", "jincheng"),
            ("lead_sibling", "township_lead", "taihuyuan"), ("inspector", "inspector", "jincheng"),
            ("inspector_sibling", "inspector", "taihuyuan"),
            ("clerk", "clerk", "jincheng"), ("clerk_sibling", "clerk", "taihuyuan")]:
            user = User(username=f"t_{key}", display_name=f"测试{key}", role=role,
                        password_hash=hash_password(PASSWORD), region_id=regions[region].id)
            _db.session.add(user)
            _db.session.flush()
            users[key] = user
        units = {key: projects.create_unit(users["county"], regions[key].id, f"{regions[key].name}财政所",
                                           "乡镇财政所") for key in ("jincheng", "taihuyuan")}
        _db.session.commit()
        ids = {"regions": {k: r.id for k, r in regions.items()},
               "users": {k: u.id for k, u in users.items()},
               "units": {k: u.id for k, u in units.items()}}
    return ids


# Fixtures that write do it in a POST-like request context: on SQLite that takes the write lock up
# front (BEGIN IMMEDIATE), so they wait for a live worker's scan instead of failing on a stale read.

@pytest.fixture
def ctx(app):
    """An app context whose session is clean at the start and at the end."""
    with app.app_context(), app.test_request_context(method="POST"):
        yield
        _db.session.rollback()


class Client:
    """A signed-in (or anonymous) API client that sends the CSRF token on writes."""

    def __init__(self, flask_client, csrf=None):
        self.c, self.csrf = flask_client, csrf

    def _headers(self, method, headers):
        headers = dict(headers or {})
        if self.csrf and method != "GET":
            headers.setdefault("X-CSRF-Token", self.csrf)
        return headers

    def request(self, method, url, json=None, headers=None, form=None, **kw):
        if form is not None:
            kw.update(data=form, content_type="multipart/form-data")
        # Buffered: a streamed answer (an export) is read to its end and closed, and its request
        # context with it (left open, the next request in the thread would find its signed-in user).
        kw.setdefault("buffered", True)
        return self.c.open(url, method=method, json=json, headers=self._headers(method, headers), **kw)

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def post(self, url, json=None, **kw):
        return self.request("POST", url, json=json, **kw)

    def put(self, url, json=None, **kw):
        return self.request("PUT", url, json=json, **kw)


@pytest.fixture
def login_as(app, world):
    """login_as("lead") → a Client signed in with a session cookie as that world user;
    login_as(None) → anonymous."""
    def make(key):
        flask_client = app.test_client()
        if key is None:
            return Client(flask_client)
        r = flask_client.post("/api/v1/auth/login", json={"username": f"t_{key}", "password": PASSWORD})
        assert r.status_code == 200, r.json
        return Client(flask_client, r.json["csrf_token"])
    return make


@pytest.fixture
def make_project(app, world):
    """make_project(stage="construction", region="jincheng") → project id, walked through the stages
    by the county user, with a payment at each paid stage."""
    from backend.core.models import User
    from backend.projects import services as projects

    def make(stage="approved", region="jincheng", budget="1000000.00", name=None, payments=True):
        with app.app_context():
            county = _db.session.get(User, world["users"]["county"])
            unit = "taihuyuan" if region in ("taihuyuan", "baisha") else "jincheng"
            project = projects.create_project(county, {
                "region_id": world["regions"][region], "unit_id": world["units"][unit],
                "name": name or f"测试道路工程-{uuid.uuid4().hex[:6]}", "category": "道路交通",
                "budget": Decimal(budget), "funding_sources": [], "lat": 30.234, "lng": 119.72,
                "site_address": "锦城街道钱王社区", "planned_start_on": TODAY - timedelta(days=334),
                "planned_end_on": TODAY + timedelta(days=30)})
            for to in projects.STAGES[1:projects.STAGES.index(stage) + 1]:
                extra = {"contractor": "杭州临安城建工程有限公司", "contract_amount": Decimal(budget)} \
                    if to == "contracted" else {}
                projects.move_stage(project, county, to, **extra)
                if payments and to in ("contracted", "construction"):
                    projects.record_payment(project, county, {
                        "amount": Decimal("10000.00"), "paid_on": TODAY - timedelta(days=275),
                        "payee": "杭州临安城建工程有限公司", "voucher_no": f"V-{uuid.uuid4().hex[:8]}",
                        "funding_source": "区级配套资金"})
            _db.session.commit()
            return project.id
    return make


def code_of(app, project_id, subject_type="project"):
    from backend.qrcodes.services import active_code
    with app.app_context():
        return active_code(subject_type, project_id).code


def assert_error(r, status, code, path=None):
    """The one error contract: this status, this stable code, and (if given) this field path."""
    body = r.get_json(silent=True)
    assert (r.status_code, (body or {}).get("error", {}).get("code")) == (status, code), (r.status_code, body)
    if path:
        assert path in [f["path"] for f in body["error"]["fields"]], body


def every_item(client, url):
    """Every item of a list, page after page by key (the session's data outgrows one page)."""
    after, sep = None, "&" if "?" in url else "?"
    while True:
        page = client.get(f"{url}{sep}per_page=100" + (f"&after={after}" if after else "")).json
        yield from page["items"]
        if not (after := page["next"]):
            return


def new_uuid():
    return str(uuid.uuid4())


def count(app, model):
    with app.app_context():
        return _db.session.query(model).count()


# ---- a real gunicorn and a real Chromium ---------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_worker(env, log_path):
    """A real job worker (`flask worker`, as `make run` starts it) with this environment."""
    log = open(log_path, "w")
    # Under `make test-future` the machine's clock is faked by libfaketime (LD_PRELOAD), which also
    # fakes the monotonic clock: Python's timed waits (threading.Event.wait, which Huey's worker
    # threads sleep in) then wait for years. The worker's app clock is pinned anyway (live_worker.py),
    # so it runs on the real machine clock.
    env = {k: v for k, v in env.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "live_worker.py"), "--app", "wsgi", "worker", "-w", "2"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):  # it says so once it has built the app and bound the queue
        if "worker on" in Path(log_path).read_text() or proc.poll() is not None:
            break
        time.sleep(0.1)
    if proc.poll() is not None:
        pytest.fail("the worker did not start: " + Path(log_path).read_text()[-2000:])
    return proc


def stop(proc):
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture(scope="session")
def live_env(app, workdir):
    """The environment of the live processes: production mode on the test database, a queue of
    their own (a SQLite file in the test folder) and no periodic full scan (the tests own their
    warnings; writes still get their scans)."""
    return {**os.environ, "JICAI_ENV": "production", "SECRET_KEY": "live-test-secret-" + "x" * 32,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "PII_KEYS": app.config["PII_KEYS"], "PII_INDEX_KEY": app.config["PII_INDEX_KEY"],
            "STORAGE_DIR": str(workdir / "live-storage"), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "QUEUE_URL": f"sqlite:///{workdir / 'live-queue.db'}", "QUEUE_IMMEDIATE": "0",
            "SCAN_EVERY_MINUTES": "0", "JICAI_TEST_CLOCK": PINNED.isoformat(),
            # (the clock stands still at the pinned minute: the monthly reports would be due at every
            # tick and render every region of the session's data while the browser tests run)
            "REPORTS_MONTHLY_DAYS": "",
            # (nor would the month's states be kept at a wall-clock minute, in the middle of the tests)
            "KEEP_MONTH_STATES": "0"}


@pytest.fixture(scope="session")
def live_server(app, world, workdir, live_env):
    """A real gunicorn (2 workers, production mode) and a real job worker on the test database —
    what `make run` starts — their clocks pinned like ours."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**live_env, "PUBLIC_BASE_URL": base}
    worker = start_worker(env, workdir / "worker.log")
    log = open(workdir / "gunicorn.log", "w")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--workers", "2",
                             "--bind", f"127.0.0.1:{port}", "--config", str(ROOT / "tests" / "live_clock.py"),
                             "wsgi:app"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            if requests.get(base + "/api/v1/hello", timeout=3).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    else:
        proc.kill()
        stop(worker)
        pytest.fail("gunicorn did not start: " + (workdir / "gunicorn.log").read_text()[-2000:])
    yield base
    stop(proc)
    stop(worker)
    ARTIFACTS.mkdir(exist_ok=True)  # what the live processes said, for a failing browser test
    for name in ("gunicorn.log", "worker.log"):
        shutil.copy(workdir / name, ARTIFACTS / f"live-{name}")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright. Missing Chromium: skip locally, fail in CI."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; CI must run the browser tests")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield csp_watched(browser)
        browser.close()


def csp_watched(browser):
    """``browser`` whose every new context (and page) records CSP blocks."""
    new_context, new_page = browser.new_context, browser.new_page

    def watched_context(*args, **kwargs):
        return watch_csp(new_context(*args, **kwargs))

    def watched_page(*args, **kwargs):
        return watch_csp(new_page(*args, **kwargs))

    browser.new_context, browser.new_page = watched_context, watched_page
    return browser


# A cheap Android phone held in one hand: what every browser test uses.
@pytest.fixture
def pages(browser):
    """pages(options) → a new page in a context of its own (a phone, a desk); page errors fail the test."""
    contexts, errors = [], []

    def make(options):
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page
    yield make
    for context in contexts:
        context.close()
    assert errors == [], errors


PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "locale": "zh-CN",
         "is_mobile": True, "has_touch": True}


# What the Content-Security-Policy blocked in any page of the test's browsers (Chromium logs each
# block as a console error). Every browser test fails on one: the pages must work under the policy.
CSP_BLOCKED = []


def watch_csp(context):
    """Record CSP blocks in every page of ``context`` (a Playwright BrowserContext, or one Page)."""
    context.on("console", lambda m: CSP_BLOCKED.append(f"{m.page.url if m.page else '?'}: {m.text}")
               if "Content Security Policy" in m.text else None)
    return context


@pytest.fixture
def one_connection(app):
    """An app of its own whose pool holds one connection: every request and the check share it."""
    from backend.extensions import db
    settings = {k: v for k, v in app.config.items() if k.isupper()}
    fresh = create_app({**settings, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0}})
    yield fresh
    with fresh.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def counted_afresh():
    """Each test counts its lists afresh (a list past the cap is remembered for seconds)."""
    from backend.core import pagination
    pagination.CAPPED.seen.clear()


@pytest.fixture(autouse=True)
def no_csp_violations():
    CSP_BLOCKED.clear()
    yield
    assert CSP_BLOCKED == [], CSP_BLOCKED


@pytest.fixture
def phone(browser):
    """A 360 px phone page; fails the test on any uncaught error in the page (and, like every
    browser test, on anything the Content-Security-Policy blocked)."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == [], errors


def random_id_number():
    """A valid ID number for a random person (born 1950–1999 on the 16th to the 28th of a month). The
    people tests write by hand are born on the 15th or earlier, so a random one never turns out to be
    one of them (a collision made a 400-person import find 399 new people)."""
    from backend.core import pii
    n = uuid.uuid4().int
    first = f"3301121{950 + n % 50}{1 + n // 50 % 12:02d}{16 + n // 600 % 13:02d}{n // 7800 % 1000:03d}"
    return first + pii.id_check_char(first)


def sign_in(page, base, username, password=PASSWORD, wait="#me-name"):
    """Sign ``page`` in through the PWA's own sign-in screen; waits for ``wait`` (None: not at all)."""
    page.goto(f"{base}/login")
    page.fill("[data-testid=username]", username)
    page.fill("[data-testid=password]", password)
    page.click("[data-testid=login-submit]")
    if wait:
        page.wait_for_selector(wait)
    return page


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# ---- field work ----------------------------------------------------------------------------------

def jpeg_bytes(seed=0, size=(640, 480), exif=None, fmt="JPEG"):
    """A photo-like test image: a gradient with a seed-dependent pattern (distinct seeds give
    perceptually different images)."""
    import io
    import random

    from PIL import Image, ImageDraw
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.rectangle([x, y, x + rng.randrange(40, 300), y + rng.randrange(40, 300)],
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def photo_form(data, **fields):
    """Multipart fields for a photo upload."""
    import hashlib
    import io
    return {"client_uuid": new_uuid(), "sha256": hashlib.sha256(data).hexdigest(),
            "file": (io.BytesIO(data), "photo.jpg"), **fields}


@pytest.fixture
def make_inspection(app, world):
    """make_inspection(project_id, by="inspector", **fields) → the inspection's client UUID."""
    from backend.core.models import User
    from backend.inspections import services as inspections
    from backend.projects.models import Project

    def make(project_id, by="inspector", **fields):
        with app.app_context(), app.test_request_context(method="POST"):
            user = _db.session.get(User, world["users"][by])
            project = _db.session.get(Project, project_id)
            data = {"client_uuid": new_uuid(), "verdict": "normal", "checklist": [],
                    "lat": project.lat, "lng": project.lng, **fields}
            inspection = inspections.record(user, project, data)
            _db.session.commit()
            return inspection.client_uuid
    return make


@pytest.fixture
def make_photo(app, world):
    """make_photo(inspection_uuid, seed=…) → photo id, stored through the real pipeline."""
    import hashlib

    from backend.core.models import User
    from backend.inspections import services as inspections

    def make(inspection_uuid, seed=1, by="inspector"):
        with app.app_context(), app.test_request_context(method="POST"):
            inspection = inspections.by_uuid(inspection_uuid)
            data = jpeg_bytes(seed)
            photo = inspections.add_photo(inspection, _db.session.get(User, world["users"][by]), new_uuid(),
                                          data, hashlib.sha256(data).hexdigest(), {})
            _db.session.commit()
            return photo.id
    return make


# ---- risks and rectifications --------------------------------------------------------------------

def run_scan(app, *codes):
    """Run the rule engine (all rules, or ``codes``) and commit; returns the report."""
    from backend.risks import engine
    with app.app_context(), app.test_request_context(method="POST"):
        report = engine.scan(list(codes) or None)
        _db.session.commit()
        return report


def warning_for(app, rule, subject_key):
    from backend.risks.models import RiskWarning
    with app.app_context():
        w = _db.session.query(RiskWarning).filter_by(rule_code=rule, subject_key=subject_key).one_or_none()
        return None if w is None else {"id": w.id, "status": w.status, "evidence": w.evidence,
                                       "resolved_reason": w.resolved_reason}


def set_project(app, project_id, **values):
    from backend.projects.models import Project
    with app.app_context():
        _db.session.query(Project).filter_by(id=project_id).update(values)
        _db.session.commit()


@pytest.fixture
def make_warning(app, make_project):
    """make_warning(region="jincheng") → (warning id, project id): a project past its planned
    completion, found by the stage_overdue rule."""
    def make(region="jincheng"):
        project_id = make_project(stage="construction", region=region)
        set_project(app, project_id, planned_end_on=TODAY - timedelta(days=304))
        run_scan(app, "stage_overdue")
        return warning_for(app, "stage_overdue", f"project:{project_id}")["id"], project_id
    return make


@pytest.fixture
def make_rectification(app, world, make_warning):
    """make_rectification(status="open"|"submitted"|"approved"|"closed_not_fixed") → rectification id."""
    from backend.core.models import User
    from backend.projects.models import Project
    from backend.rectifications import services as rectifications
    from backend.risks.models import RiskWarning

    def make(status="open", region="jincheng"):
        warning_id, project_id = make_warning(region)
        who = (lambda key: _db.session.get(User, world["users"][key + ("_sibling" if region != "jincheng" else "")]))
        with app.app_context(), app.test_request_context(method="POST"):
            rect = rectifications.open_rectification(
                who("lead"), _db.session.get(Project, project_id), "补齐护栏并重新验收", world["users"][
                    "inspector" + ("_sibling" if region != "jincheng" else "")],
                clock.now().date() + timedelta(days=7), warning=_db.session.get(RiskWarning, warning_id))
            if status != "open":
                rectifications.submit(rect, who("inspector"), new_uuid(), "已整改，护栏补齐")
            if status == "approved":
                rectifications.decide(rect, who("lead"), "approve")
            if status == "closed_not_fixed":
                rectifications.decide(rect, who("lead"), "close_unfixed", reason="资金未到位")
            _db.session.commit()
            return rect.id
    return make


@pytest.fixture
def held_jobs(app):
    """Jobs wait in the queue, as in production, until the test runs them with ``run_held``."""
    from backend import jobs
    jobs.queue.immediate = False  # a fresh in-memory queue (QUEUE_URL is memory:// in tests)
    jobs.queue.test_app = app
    yield jobs.queue
    jobs.queue.immediate = True


def held(queue):
    """The names and arguments of the jobs waiting."""
    return [(task.name, task.args) for task in queue.pending()]


def run_held(queue):
    """Run the waiting jobs (and any they queue) here; how many ran."""
    done = 0
    while (task := queue.dequeue()) is not None:
        with queue.test_app.app_context():  # the test's app (a worker has only one)
            queue.execute(task)
        done += 1
    return done


def upload_import(client, world, data, filename, kind="beneficiaries", key=None, region="jincheng"):
    """POST a file to the import endpoint (answered 202: the run is queued)."""
    import io
    return client.post("/api/v1/imports", form={
        "client_uuid": key or new_uuid(), "kind": kind, "region_id": str(world["regions"][region]),
        "file": (io.BytesIO(data), filename)})


def finished_import(client, queued):
    """The run once its job is done (jobs run inline in tests: done by the time the upload answered)."""
    assert queued.status_code == 202 and queued.json["status"] == "queued", queued.json
    r = client.get(queued.json["status_url"])
    assert r.status_code == 200 and r.json["status"] != "queued" and r.json["progress"] is None
    return r.json


def every(client, url):
    """Every item of a paged list (``url`` already has a query string), page by page."""
    items, page = [], 1
    while True:
        r = client.get(f"{url}&page={page}&per_page=100")
        assert r.status_code == 200, r.json
        items += r.json["items"]
        if page * 100 >= r.json["total"]:
            return items
        page += 1
