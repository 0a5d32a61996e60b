"""Days are China's days (UTC+8): between 00:00 and 08:00 in Beijing the UTC date is still
yesterday, and a payment made today, a deadline that passed yesterday, or a rectification's days
overdue must not be off by one then."""
from datetime import date, datetime, timedelta, timezone

import pytest

from backend.core import clock
from backend.imports import engine
from backend.subsidies import importer
from backend.tasks import services as tasks
from backend.tasks.models import Task
from conftest import PINNED, run_scan, set_project, warning_for

# 01:30 on 3 December in Beijing; still 2 December in UTC.
EARLY = datetime(2026, 12, 2, 17, 30, tzinfo=timezone.utc)


@pytest.fixture
def early_morning():
    clock.freeze(EARLY)
    yield
    clock.freeze(PINNED)


def test_today_is_the_day_in_china(early_morning):
    assert clock.today() == date(2026, 12, 3)
    assert clock.local_date(EARLY.replace(tzinfo=None)) == date(2026, 12, 3)  # SQLite's naive UTC too


def test_a_payment_made_today_is_not_in_the_future(early_morning):
    assert engine.past_day("2026-12-03") == date(2026, 12, 3)


def test_a_task_due_yesterday_is_overdue(early_morning):
    assert tasks.is_overdue(Task(status="open", due_on=date(2026, 12, 2)))
    assert not tasks.is_overdue(Task(status="open", due_on=date(2026, 12, 3)))


def test_days_overdue_count_china_days(app, make_project, early_morning):
    project_id = make_project(stage="construction")
    set_project(app, project_id, planned_end_on=date(2026, 12, 3) - timedelta(days=30))
    run_scan(app, "stage_overdue")
    warning = warning_for(app, "stage_overdue", f"project:{project_id}")
    assert warning["evidence"]["days_overdue"] == 30
