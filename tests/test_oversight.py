"""Oversight (issue 12, 一站监管): messages upward — a red warning and an overdue escalation reach the
county once each, a daily digest reaches city and province supervisors once a day; the audit-log
view; field coverage per township."""
import itertools
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from backend.core import clock
from backend.extensions import db
from conftest import PASSWORD, PINNED, TODAY, assert_error, new_uuid, run_scan, set_project, warning_for

CODES = itertools.count(int(uuid.uuid4().int % 90) * 100 + 1)  # this session's own 3398… regions


def inbox(app, user_id, kind=None, link=None):
    from backend.notifications.models import Notification
    with app.app_context():
        stmt = select(func.count()).select_from(Notification).where(Notification.user_id == user_id)
        if kind:
            stmt = stmt.where(Notification.kind == kind)
        if link:
            stmt = stmt.where(Notification.link == link)
        return db.session.scalar(stmt)


@pytest.fixture
def own_tree(app, world):
    """A city of this test's own (under the world's province) → county → township, with a city, a
    county and a province-less set of users: the digest's numbers here are this test's alone."""
    from backend.core.auth import hash_password
    from backend.core.models import Region, User
    with app.app_context():
        n = next(CODES)
        zj = db.session.get(Region, world["regions"]["zj"])
        city = Region(code=f"3398{n:04d}0000", name=f"监督测试市{n}", level="city", parent_id=zj.id,
                      path=f"{zj.path}3398{n:04d}0000/")
        db.session.add(city)
        db.session.flush()
        county = Region(code=f"3398{n:04d}0100", name=f"监督测试县{n}", level="county", parent_id=city.id,
                        path=f"{city.path}3398{n:04d}0100/")
        db.session.add(county)
        db.session.flush()
        town = Region(code=f"3398{n:04d}0101", name=f"监督测试镇{n}", level="township", parent_id=county.id,
                      path=f"{county.path}3398{n:04d}0101/")
        db.session.add(town)
        db.session.flush()
        users = {}
        for key, role, region in (("city", "city", city), ("county", "county", county), ("lead", "township_lead", town)):
            user = User(username=f"os_{key}_{n}", display_name=f"监督{key}{n}", role=role,
                        password_hash=hash_password(PASSWORD), region_id=region.id)
            db.session.add(user)
            db.session.flush()
            users[key] = user.id
        db.session.commit()
        return {"city": city.id, "county": county.id, "town": town.id, "users": users, "n": n}


# ---- messages upward: a red warning reaches the county once ---------------------------------------

def red_warning(app, make_project):
    """A project paid in full at the contract (payment ahead of progress: red); its warning id."""
    project = make_project(stage="contracted", budget="10000.00")
    run_scan(app, "payment_ahead_of_progress")
    return warning_for(app, "payment_ahead_of_progress", f"project:{project}")["id"]


def test_red_warning_tells_the_county_once(app, world, make_project):
    from backend.risks.models import RiskWarning
    warning = red_warning(app, make_project)
    link = f"/risks/{warning}"
    assert inbox(app, world["users"]["county"], "risk_raised", link) == 1
    assert inbox(app, world["users"]["lead"], "risk_raised", link) == 1
    assert inbox(app, world["users"]["county_sibling"], link=link) == 0
    with app.app_context():
        assert db.session.get(RiskWarning, warning).county_told_at == PINNED
        # It resolves (as if rectified at other facts) and the scan finds it again: reopened.
        db.session.query(RiskWarning).filter_by(id=warning).update({"status": "resolved", "hold_fingerprint": "x"})
        db.session.commit()
    run_scan(app, "payment_ahead_of_progress")
    assert warning_for(app, "payment_ahead_of_progress", warning_subject(app, warning))["status"] == "open"
    assert inbox(app, world["users"]["lead"], "risk_raised", link) == 2  # the lead hears it again
    assert inbox(app, world["users"]["county"], "risk_raised", link) == 1  # the county: once


def warning_subject(app, warning_id):
    from backend.risks.models import RiskWarning
    with app.app_context():
        return db.session.get(RiskWarning, warning_id).subject_key


def test_orange_warning_does_not_tell_the_county(app, world, make_warning):
    warning, _ = make_warning()
    assert inbox(app, world["users"]["county"], link=f"/risks/{warning}") == 0
    assert inbox(app, world["users"]["lead"], link=f"/risks/{warning}") == 1


def test_overdue_rectification_reaches_the_county_once(app, world, make_rectification):
    from backend.rectifications.services import escalate
    rect = make_rectification("open")
    clock.freeze(PINNED + timedelta(days=10))
    for _ in range(2):  # the periodic job and `flask escalate` both ran
        with app.app_context(), app.test_request_context(method="POST"):
            escalate()
            db.session.commit()
    run_scan(app, "rectification_overdue")  # the red warning about the same fact
    county = world["users"]["county"]
    assert inbox(app, county, "rectification_escalated", f"/rectifications/{rect}") == 1
    overdue = warning_for(app, "rectification_overdue", f"rectification:{rect}")
    assert overdue is not None and overdue["status"] == "open"
    assert inbox(app, county, "risk_raised", f"/risks/{overdue['id']}") == 0  # not told twice
    assert inbox(app, world["users"]["lead"], "risk_raised", f"/risks/{overdue['id']}") == 1


# ---- the daily digest ------------------------------------------------------------------------------

def seed_digest_facts(app, own_tree, make_project):
    """In the test's own township: a red and a yellow warning raised on 2026-12-01 (China), an older
    red one, and an overdue rectification."""
    from backend.core.models import User
    from backend.rectifications.models import Rectification
    from backend.risks.models import RiskWarning
    project = make_project(stage="construction")
    with app.app_context():
        for level, seen in (("red", PINNED), ("yellow", PINNED - timedelta(hours=9)),  # 2026-12-01 01:00 China
                            ("red", PINNED - timedelta(days=3))):
            db.session.add(RiskWarning(rule_code="stage_overdue", subject_key=f"digest-test:{new_uuid()}",
                                       subject_type="project", region_id=own_tree["town"], level=level,
                                       status="open", evidence={}, fingerprint="f", first_seen_at=seen,
                                       last_seen_at=seen))
        lead = db.session.get(User, own_tree["users"]["lead"])
        db.session.add(Rectification(project_id=project, region_id=own_tree["town"], requirement="补齐台账",
                                     responsible_id=lead.id, created_by_id=lead.id, due_on=TODAY - timedelta(days=2),
                                     status="open"))
        db.session.commit()


def digests_of(app, user_id):
    from backend.oversight.models import Digest
    with app.app_context():
        return [(d.day, d.body) for d in db.session.query(Digest).filter_by(user_id=user_id).order_by(Digest.day)]


def test_digest_counts_per_region_and_links(app, own_tree, make_project):
    from backend.oversight import digest
    seed_digest_facts(app, own_tree, make_project)
    with app.app_context():
        from backend.core.models import Region
        body = digest.body_for(db.session.get(Region, own_tree["city"]), date(2026, 12, 2))
    assert body["covers"] == "2026-12-01"
    [row] = body["rows"]  # the one county; the city has nothing of its own
    assert row["region"]["id"] == own_tree["county"] and not row["own"]
    assert (row["red_new"], row["yellow_new"], row["rect_overdue"], row["subsidy_failed"]) == (1, 1, 1, 0)
    assert row["links"]["overview"] == f"/overview/{own_tree['county']}"
    assert body["totals"] == {"red_new": 1, "yellow_new": 1, "rect_overdue": 1, "subsidy_failed": 0}
    with app.app_context():
        body = digest.body_for(db.session.get(Region, own_tree["city"]), date(2026, 12, 1))
    assert body["totals"]["red_new"] == 0 and body["totals"]["rect_overdue"] == 1


def test_digest_once_per_user_and_day(app, world, own_tree, make_project):
    from backend.oversight import digest
    seed_digest_facts(app, own_tree, make_project)
    city = own_tree["users"]["city"]
    for _ in range(2):  # twice: the second run sends nothing to anyone
        with app.app_context():
            digest.send(date(2026, 12, 2))
            db.session.commit()
    [(day, body)] = digests_of(app, city)
    assert day == date(2026, 12, 2) and body["totals"]["red_new"] == 1
    assert inbox(app, city, "daily_digest") == 1
    assert inbox(app, world["users"]["province"], "daily_digest") >= 1
    assert inbox(app, own_tree["users"]["county"], "daily_digest") == 0  # not a digest role
    # The CLI, the same day again and then another day.
    runner = app.test_cli_runner()
    result = runner.invoke(args=["digest", "--date", "2026-12-02"])
    assert result.exit_code == 0 and "digest sent to 0 users" in result.output, result.output
    result = runner.invoke(args=["digest", "--date", "2026-12-03"])
    assert result.exit_code == 0, result.output
    assert [d for d, _ in digests_of(app, city)] == [date(2026, 12, 2), date(2026, 12, 3)]
    assert inbox(app, city, "daily_digest") == 2
    result = runner.invoke(args=["digest", "--date", "2026-02-30"])
    assert result.exit_code == 2 and "2026-02-30" in result.output


def test_digest_roles_are_configurable(app, own_tree):
    from backend.oversight import digest
    with app.app_context():
        sent = digest.send(date(2026, 11, 20), roles=("county",))
        db.session.commit()
    assert sent >= 1
    assert [d for d, _ in digests_of(app, own_tree["users"]["county"])] == [date(2026, 11, 20)]
    assert digests_of(app, own_tree["users"]["city"]) == []


@pytest.mark.parametrize("utc,settings,due", [
    (datetime(2026, 12, 1, 0, 0), {}, True),        # 08:00 in China
    (datetime(2026, 12, 1, 0, 5), {}, False),       # only every 10 minutes
    (datetime(2026, 12, 1, 3, 40), {}, True),       # later that morning: a worker down at 8 catches up
    (datetime(2026, 11, 30, 23, 50), {}, False),    # 07:50 in China
    (datetime(2026, 12, 1, 0, 0), {"DIGEST_ENABLED": False}, False),
    (datetime(2026, 12, 1, 0, 0), {"DIGEST_ROLES": ()}, False),
    (datetime(2026, 12, 1, 0, 0), {"DIGEST_HOUR": 9}, False),
])
def test_digest_schedule(app, utc, settings, due):
    from backend.oversight import digest
    assert digest.due({**app.config, **settings}, utc) is due


def test_digest_is_a_periodic_job(app):
    from backend import jobs
    assert "backend.oversight.jobs.send_digest" in jobs._state["periodic"]
