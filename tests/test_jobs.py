"""The job queue: writes queue scans of what they touched (after commit, coalesced), the periodic
jobs, imports as jobs, the features registering their own rules and jobs; and real workers — on the
SQLite queue behind a real gunicorn, and on Redis."""
import ast
import io
import os
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from backend import jobs
from backend.core import clock
from backend.extensions import db
from conftest import (ARTIFACTS, PASSWORD, ROOT, held, new_uuid, run_held, run_scan, set_project, start_worker,
                      stop, warning_for)


def payment(voucher=None):
    return {"amount": Decimal("100.00"), "paid_on": date(2026, 3, 2), "payee": "杭州临安城建工程有限公司",
            "voucher_no": voucher or f"V-{uuid.uuid4().hex[:8]}", "funding_source": "区级配套资金"}


def stale(app, project_id):
    """A project in construction for 40 days, never inspected: 长期未巡查 (no_recent_inspection) opens."""
    set_project(app, project_id, stage_changed_at=clock.now() - timedelta(days=40))
    run_scan(app, "no_recent_inspection")
    warning = warning_for(app, "no_recent_inspection", f"project:{project_id}")
    assert warning["status"] == "open"
    return warning


# ---- writes queue scans, after commit, coalesced ---------------------------------------------------

def test_a_recorded_inspection_clears_the_warning_through_its_job(app, world, login_as, make_project):
    project_id = make_project(stage="construction")
    stale(app, project_id)
    r = login_as("inspector").post("/api/v1/inspections", json={
        "client_uuid": new_uuid(), "project_id": project_id, "verdict": "normal", "checklist": [],
        "lat": 30.234, "lng": 119.72})
    assert r.status_code == 201, r.json
    # Jobs run inline in tests: the scan the inspection queued has run by the time it answered.
    warning = warning_for(app, "no_recent_inspection", f"project:{project_id}")
    assert (warning["status"], warning["resolved_reason"]) == ("resolved", "cause_gone")


def test_writes_queue_one_scan_of_what_they_touched_and_only_when_they_commit(app, world, make_project, held_jobs):
    from backend.core.models import User
    from backend.projects import services as projects
    from backend.projects.models import Project
    first, second = make_project(stage="construction"), make_project(stage="construction")
    run_held(held_jobs)  # make_project's own scans
    assert held(held_jobs) == []
    with app.app_context():
        county = db.session.get(User, world["users"]["county"])
        projects.record_payment(db.session.get(Project, first), county, payment())
        db.session.rollback()  # a write that rolls back queues nothing
        assert held(held_jobs) == []
        projects.record_payment(db.session.get(Project, first), county, payment())
        projects.record_payment(db.session.get(Project, second), county, payment())
        projects.record_payment(db.session.get(Project, first), county, payment())
        db.session.commit()  # three writes, two projects: one job
        assert held(held_jobs) == [("scan_touched", (sorted([first, second]), []))]
        for _ in range(20):  # more writes while that scan still waits: nothing more to queue
            projects.record_payment(db.session.get(Project, first), county, payment())
            db.session.commit()
        assert len(held(held_jobs)) == 1
    assert run_held(held_jobs) == 1
    with app.app_context():  # once the scan has started, a new write queues a new one
        county = db.session.get(User, world["users"]["county"])
        projects.record_payment(db.session.get(Project, first), county, payment())
        db.session.commit()
    assert held(held_jobs) == [("scan_touched", ([first], []))]
    run_held(held_jobs)


def test_the_same_file_imported_again_queues_no_scan(app, world, held_jobs):
    """A file that changes nothing (the same file twice) gives the risk rules nothing new to look at:
    the first import queues a scan of its township, the second none."""
    import uuid
    from backend.core import pii
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.imports import engine
    first = f"3301121{970 + uuid.uuid4().int % 20}0512{uuid.uuid4().int % 900 + 100:03d}"
    text = ("姓名,身份证号码,村,银行卡号\n"
            f"重导{uuid.uuid4().hex[:3]},{first + pii.id_check_char(first)},钱王社区,6217001234500001\n").encode()
    township = world["regions"]["jincheng"]

    def once():
        with app.app_context(), app.test_request_context(method="POST"):
            run = engine.run("beneficiaries", db.session.get(Region, township),
                             db.session.get(User, world["users"]["lead"]), "名单.csv", text)
            counts = (run.status, run.inserted, run.updated)
            db.session.commit()
        return counts
    run_held(held_jobs)
    assert once() == ("accepted", 1, 0)
    assert held(held_jobs) == [("scan_touched", ([], [township]))]
    run_held(held_jobs)
    assert once() == ("accepted", 0, 0)
    assert held(held_jobs) == []


def test_a_scan_of_one_project_touches_no_other_warning(app, world, make_project):
    from backend.risks import engine
    mine, other = make_project(stage="construction"), make_project(stage="construction")
    stale(app, mine), stale(app, other)
    for pid in (mine, other):  # both inspected, behind the queue's back
        set_project(app, pid, stage_changed_at=clock.now())
    with app.app_context():
        report = engine.scan(projects=[mine])
        db.session.commit()
    assert report["no_recent_inspection"]["resolved"] == 1 and "contractor_concentration" not in report
    assert warning_for(app, "no_recent_inspection", f"project:{mine}")["status"] == "resolved"
    assert warning_for(app, "no_recent_inspection", f"project:{other}")["status"] == "open"
    def scan_region(key):
        with app.app_context():
            report = engine.scan(regions=[world["regions"][key]])
            db.session.commit()
            return report
    scan_region("taihuyuan")  # a sibling township's scan leaves it alone too; its own finds it
    assert warning_for(app, "no_recent_inspection", f"project:{other}")["status"] == "open"
    assert scan_region("jincheng")["no_recent_inspection"]["resolved"] >= 1
    assert warning_for(app, "no_recent_inspection", f"project:{other}")["status"] == "resolved"
    scan_region("linan")
    again = scan_region("linan")  # idempotent: the second changes nothing
    assert all(counts == dict(opened=0, updated=0, resolved=0, reopened=0) for counts in again.values()), again


# ---- periodic jobs ---------------------------------------------------------------------------------

def test_the_full_scan_and_escalation_run_every_scan_every_minutes(app, monkeypatch):
    def due(minute):
        moment = datetime(2026, 5, 4, 9, minute, tzinfo=timezone.utc).replace(tzinfo=None)
        with app.app_context():
            # (the daily digest keeps its own hours: tests/test_oversight.py)
            return sorted(task.name for task in jobs.queue.read_periodic(moment) if task.name != "send_digest")
    assert app.config["SCAN_EVERY_MINUTES"] == 10
    every = ["escalate", "reconcile_all", "remind_and_escalate", "scan_all"]  # rectifications, the bank's three-way check, department tasks, the full scan
    assert due(0) == due(30) == every and due(7) == due(31) == []
    monkeypatch.setitem(app.config, "SCAN_EVERY_MINUTES", 5)
    assert due(35) == every
    monkeypatch.setitem(app.config, "SCAN_EVERY_MINUTES", 0)  # 0: never (cron or another host runs them)
    assert due(0) == []


def test_the_periodic_full_scan_opens_what_time_alone_caused(app, world, make_project):
    from backend.risks import jobs as risk_jobs
    project_id = make_project(stage="construction")
    set_project(app, project_id, stage_changed_at=clock.now() - timedelta(days=40))  # no write queues a scan
    assert warning_for(app, "no_recent_inspection", f"project:{project_id}") is None
    with app.app_context():
        risk_jobs.scan_all.call_local()
    assert warning_for(app, "no_recent_inspection", f"project:{project_id}")["status"] == "open"


# ---- imports as jobs -------------------------------------------------------------------------------

def _people_csv(rows):
    lines = ["序号,姓名,身份证号码,村"] + [f"{n},{name},{number},钱王社区" for n, name, number in rows]
    return "\n".join(lines).encode("utf-8")


def _ident(seq):
    from backend.core import pii
    first = f"330112{1940 + seq // 1000}0612{seq % 1000:03d}"
    return first + pii.id_check_char(first)


def _name(n):
    return "测" + chr(0x4E00 + n % 20000)


def test_an_import_job_reports_its_progress_and_its_result(app, world, login_as, held_jobs, monkeypatch):
    heard = []
    real = jobs.report_progress
    monkeypatch.setattr(jobs, "report_progress", lambda key, **v: heard.append((key, v)) or real(key, **v))
    lead = login_as("lead")
    wrong = _ident(4500)[:-1] + ("0" if _ident(4500)[-1] != "0" else "1")
    rows = [(n, _name(n), _ident(n)) for n in range(1, 4500)] + [(4500, "错号", wrong)]
    r = lead.post("/api/v1/imports", form={
        "client_uuid": new_uuid(), "kind": "beneficiaries", "region_id": str(world["regions"]["jincheng"]),
        "file": (io.BytesIO(_people_csv(rows)), "花名册.csv")})
    assert r.status_code == 202 and r.json["status"] == "queued" and r.json["progress"] is None
    waiting = lead.get(r.json["status_url"]).json
    assert waiting["status"] == "queued" and waiting["progress"] is None  # not started: no progress yet
    assert [name for name, _ in held(held_jobs)] == ["run_import"]
    run_held(held_jobs)
    phases = [v["phase"] for _, v in heard]
    assert phases[0] == "reading" and phases.count("checking") >= 3 and "writing" not in phases  # rejected
    checking = [v for _, v in heard if v["phase"] == "checking"]
    assert all(v["rows"] == 4500 for v in checking) and [v["checked"] for v in checking] == sorted(v["checked"] for v in checking)
    assert {key for key, _ in heard} == {f"import:{r.json['id']}"}
    done = lead.get(r.json["status_url"]).json
    assert done["status"] == "rejected" and done["error_count"] >= 1 and done["progress"] is None
    assert done["errors"][0]["row"] == 4501


def test_progress_is_read_from_the_queue_while_the_job_runs(app, world, login_as, held_jobs):
    lead = login_as("lead")
    r = lead.post("/api/v1/imports", form={
        "client_uuid": new_uuid(), "kind": "beneficiaries", "region_id": str(world["regions"]["jincheng"]),
        "file": (io.BytesIO(_people_csv([(1, "测甲", _ident(7001))])), "b.csv")})
    # What a job publishes midway (from another process, in production) is what the status shows.
    jobs.report_progress(f"import:{r.json['id']}", phase="checking", rows=10, checked=4, problems=1)
    shown = lead.get(r.json["status_url"]).json["progress"]
    assert (shown["phase"], shown["rows"], shown["checked"], shown["problems"]) == ("checking", 10, 4, 1)
    run_held(held_jobs)
    assert lead.get(r.json["status_url"]).json["status"] == "accepted"


def test_an_import_job_that_fails_marks_its_run_failed(app, world, login_as, held_jobs, monkeypatch):
    from backend.imports import engine
    lead = login_as("lead")
    r = lead.post("/api/v1/imports", form={
        "client_uuid": new_uuid(), "kind": "beneficiaries", "region_id": str(world["regions"]["jincheng"]),
        "file": (io.BytesIO(_people_csv([(1, "测乙", _ident(7002))])), "b.csv")})

    def broken(*a, **k):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(engine, "process", broken)
    run_held(held_jobs)
    done = lead.get(r.json["status_url"]).json
    assert done["status"] == "failed" and done["errors"][0]["code"] == "import_failed"
    monkeypatch.undo()
    from backend.imports import jobs as import_jobs
    with app.app_context():
        import_jobs.run_import.call_local(r.json["id"])  # a second delivery leaves a finished run alone
    assert lead.get(r.json["status_url"]).json["status"] == "failed"


# ---- features register their own rules and jobs: no two import each other ------------------------

def _imports_of_features():
    """{feature: {features its modules import}} from the source (absolute and relative imports,
    inside functions too)."""
    backend = ROOT / "backend"
    features = {p.name for p in backend.iterdir() if (p / "__init__.py").exists()} - {"core", "demo"}
    graph = {f: set() for f in features}
    for feature in features:
        for path in (backend / feature).rglob("*.py"):
            package = ["backend", *path.relative_to(backend).with_suffix("").parts]
            package = package[:-1]  # the package a relative import starts from
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.ImportFrom):
                    base = package[:len(package) - node.level + 1] if node.level else []
                    target = base + (node.module.split(".") if node.module else [])
                    names = [target + [a.name] for a in node.names] if not node.module or target[:1] == ["backend"] \
                        else []
                    if node.level and not names:
                        names = [target]
                elif isinstance(node, ast.Import):
                    names = [a.name.split(".") for a in node.names]
                for name in names:
                    if len(name) > 1 and name[0] == "backend" and name[1] in features and name[1] != feature:
                        graph[feature].add(name[1])
    return graph


def test_no_two_features_import_each_other():
    graph = _imports_of_features()
    assert not {"subsidies", "rectifications"} & graph["risks"], graph["risks"]
    assert "risks" in graph["subsidies"] and "risks" in graph["rectifications"]  # they register with it

    def reaches(start, goal, seen=()):
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, (*seen, nxt))) for nxt in graph[start])
    circles = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if reaches(b, a)})
    assert circles == [], f"features importing each other (directly or round about): {circles}"


def test_the_import_graph_sees_a_relative_import_inside_a_function():
    # The test above would pass vacuously if it missed imports: it must see this one.
    graph = _imports_of_features()
    assert "projects" in graph["risks"]  # risks/rules/__init__.py imports projects inside a function


def test_each_feature_registers_its_rules_and_jobs():
    from backend.risks.rules import RULES
    assert RULES["rectification_overdue"].__name__ == "backend.rectifications.rules"
    assert RULES["subsidy_duplicate"].__name__.startswith("backend.subsidies.rules")
    names = {task.__name__ for task in jobs.queue._registry._registry.values()}
    assert {"scan_touched", "scan_all", "escalate", "run_import"} <= names


# ---- real workers ----------------------------------------------------------------------------------

def _session(base, username):
    s = requests.Session()
    r = s.post(base + "/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return s


def _wait_resolved(app, project_id, timeout=60):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if warning_for(app, "no_recent_inspection", f"project:{project_id}")["status"] == "resolved":
            return time.monotonic() - start
        time.sleep(0.1)
    pytest.fail(f"the warning was not cleared within {timeout} s")


def test_under_gunicorn_and_a_worker_an_inspection_clears_the_warning_within_a_minute(
        app, world, live_server, make_project):
    project_id = make_project(stage="construction")
    stale(app, project_id)
    inspector = _session(live_server, "t_inspector")
    start = time.monotonic()
    r = inspector.post(live_server + "/api/v1/inspections", json={
        "client_uuid": new_uuid(), "project_id": project_id, "verdict": "normal", "checklist": [],
        "lat": 30.234, "lng": 119.72}, timeout=10)
    assert r.status_code == 201, r.text
    answered = time.monotonic() - start
    cleared = _wait_resolved(app, project_id) + answered
    assert cleared < 60
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"warning-cleared-{os.environ.get('JICAI_TEST_DB', 'sqlite')}.txt").write_text(
        f"warning cleared {cleared:.2f} s after an inspection (gunicorn + flask worker, SQLite queue)\n")


@pytest.fixture
def redis_queue(app, world):
    """Our queue on the local Redis (its own database number and name, emptied afterwards). Redis
    missing: skip locally, fail in CI."""
    import redis
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is unreachable ({problem}); CI must test the Redis queue")
        pytest.skip(f"Redis at {url} is unreachable")
    name = f"jicai-test-{uuid.uuid4().hex[:8]}"
    saved = dict(app.config)
    app.config.update(QUEUE_URL=url, QUEUE_NAME=name, QUEUE_IMMEDIATE=False)
    jobs.init_app(app)
    yield url, name
    app.config.update(QUEUE_URL=saved["QUEUE_URL"], QUEUE_NAME=saved["QUEUE_NAME"],
                      QUEUE_IMMEDIATE=saved["QUEUE_IMMEDIATE"])
    jobs.init_app(app)
    clean = name.replace("-", "")  # Huey's key names drop the hyphens
    for key in client.scan_iter(match=f"huey.*{clean}*"):
        client.delete(key)
    assert not list(client.scan_iter(match=f"*{clean}*"))


def test_on_redis_a_worker_process_takes_the_job_and_clears_the_warning(
        app, world, make_project, redis_queue, live_env, workdir):
    from backend.core.models import User
    from backend.inspections import services as inspections
    from backend.projects.models import Project
    url, name = redis_queue
    project_id = make_project(stage="construction")
    stale(app, project_id)
    worker = start_worker({**live_env, "QUEUE_URL": url, "QUEUE_NAME": name}, workdir / "redis-worker.log")
    try:
        with app.app_context(), app.test_request_context(method="POST"):
            inspections.record(db.session.get(User, world["users"]["inspector"]), db.session.get(Project, project_id),
                               {"client_uuid": new_uuid(), "verdict": "normal", "checklist": [], "lat": 30.234,
                                "lng": 119.72})
            db.session.commit()  # → the scan job goes to Redis; the worker process takes it
        _wait_resolved(app, project_id, timeout=30)
    finally:
        stop(worker)
    assert "scan_touched" in Path(workdir / "redis-worker.log").read_text()


def test_a_periodic_job_runs_under_a_lock_that_a_restarted_worker_clears(app, world, make_project, held_jobs):
    from backend.risks import jobs as risk_jobs
    project_id = make_project(stage="construction")
    run_held(held_jobs)
    set_project(app, project_id, stage_changed_at=clock.now() - timedelta(days=40))
    name = "backend.risks.jobs.scan_all"
    held_jobs.lock_task(name).acquire()  # another host is running it — or a worker died while it did
    with app.app_context():
        risk_jobs.scan_all.call_local()  # skipped: the other one is at it
    assert warning_for(app, "no_recent_inspection", f"project:{project_id}") is None
    jobs.consumer(1)  # a worker starting up clears the periodic jobs' locks
    assert not held_jobs.is_locked(name)
    with app.app_context():
        risk_jobs.scan_all.call_local()
    assert warning_for(app, "no_recent_inspection", f"project:{project_id}")["status"] == "open"
