"""The shared sliding-window limit: when it closes, and exactly when it opens again."""
from datetime import timedelta

from backend.core import clock, limits
from backend.core.models import LoginAttempt
from backend.extensions import db
from conftest import PINNED, new_uuid

WINDOW = timedelta(minutes=15)


def _attempts(name, minutes_ago, success=False):
    now = clock.now()
    for m in minutes_ago:
        db.session.add(LoginAttempt(username=name, ip="192.0.2.9", at=now - timedelta(minutes=m), success=success))
    db.session.flush()


def _wait(name, limit):
    return limits.wait_seconds(LoginAttempt.at, [LoginAttempt.username == name, LoginAttempt.success.is_(False)],
                               limit, WINDOW, key=f"login-name:{name}")


def test_open_below_the_limit_and_old_or_uncounted_rows_do_not_count(ctx):
    name = "limit_" + new_uuid()[:8]
    _attempts(name, [1, 2])
    _attempts(name, [20, 30])            # outside the window
    _attempts(name, [3, 4], success=True)  # not chosen by the conditions
    assert _wait(name, 3) == 0
    _attempts(name, [5])
    assert _wait(name, 3) > 0


def test_opens_when_enough_rows_have_left_the_window(ctx):
    name = "limit_" + new_uuid()[:8]
    now = clock.now()
    clock.freeze(now)
    try:
        _attempts(name, [14, 10, 6, 2])  # four in the window, limit 3: two must leave, the second at 10 min ago
        assert _wait(name, 3) == 5 * 60
        assert _wait(name, 4) == 1 * 60      # one must leave: the oldest, 14 minutes ago
        clock.freeze(now + timedelta(minutes=5, seconds=1))
        assert _wait(name, 3) == 0
    finally:
        clock.freeze(PINNED)  # back to the suite's moment, never the machine's


def test_too_many_says_minutes_rounded_up_and_seconds_in_retry_after(ctx):
    err = limits.too_many("x_limited", "请 {minutes} 分钟后再试", "try again in {minutes} minutes", 61)
    assert (err.status_code, err.code) == (429, "x_limited")
    assert "2 分钟" in err.zh and "2 minutes" in err.en
    assert err.headers == {"Retry-After": "61"}
