"""The cockpit counts a flow in China's month and year (UTC+8), as the reports do: a warning first
seen at 2026-03-31T17:00Z (1 April, 01:00 in Beijing) is April's, one at 2026-12-31T16:30Z (1 January
2027, 00:30) is 2027's — in the summary table, in the cockpit's trend and year, on both databases."""
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import pytest

APRIL_IN_CHINA = datetime(2026, 3, 31, 17, 0, tzinfo=timezone.utc)
NEW_YEAR_IN_CHINA = datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc)
LAST_UTC_MINUTE_OF_MARCH_IN_CHINA = datetime(2026, 3, 31, 15, 59, tzinfo=timezone.utc)  # 23:59 China


@pytest.fixture
def town(app, world):
    """A township of its own under 临安 with warnings first seen at the edges of China's months."""
    from backend.core.models import Region
    from backend.extensions import db
    from backend.overview import summary
    from backend.risks.models import RiskWarning
    suffix = uuid.uuid4().hex[:6]
    with app.app_context():
        linan = db.session.get(Region, world["regions"]["linan"])
        code = f"3301129{int(suffix, 16) % 100000:05d}"
        region = Region(code=code, name=f"时区镇{suffix}", level="township", path=f"{linan.path}{code}/",
                        parent_id=linan.id)
        db.session.add(region)
        db.session.flush()
        for i, moment in enumerate((APRIL_IN_CHINA, NEW_YEAR_IN_CHINA, LAST_UTC_MINUTE_OF_MARCH_IN_CHINA)):
            db.session.add(RiskWarning(rule_code="TEST_CHINA_MONTH", subject_key=f"{suffix}-{i}",
                                       subject_type="region", region_id=region.id, level="yellow",
                                       status="resolved", resolved_reason="test", evidence={},
                                       fingerprint=suffix, first_seen_at=moment, last_seen_at=moment))
        summary.refresh([region.id])
        db.session.commit()
        return {"id": region.id, "county": linan.id}


def test_compute_buckets_moments_by_chinas_calendar(app, town):
    from backend.overview import figures
    with app.app_context():
        values = figures.compute([town["id"]])
    raised = {(y, m): v for (rid, y, m, name), v in values.items()
              if rid == town["id"] and name == "warnings_raised"}
    assert raised == {(2026, 3): Decimal(1), (2026, 4): Decimal(1), (2027, 1): Decimal(1)}


def test_the_cockpit_trend_and_year_are_chinas(login_as, town):
    client = login_as("county")
    doc = client.get(f"/api/v1/overview/{town['id']}?year=2026").json
    months = doc["trend"]["year"]["warnings_raised"]
    assert [Decimal(v) for v in months[2:4]] == [Decimal(1), Decimal(1)]  # March (23:59), April (01:00)
    assert Decimal(months[11]) == 0  # 31 December 16:30 UTC is not December's
    assert Decimal(doc["total"]["warnings_raised"]) == 2
    doc = client.get(f"/api/v1/overview/{town['id']}?year=2027").json
    assert Decimal(doc["trend"]["year"]["warnings_raised"][0]) == 1
    assert Decimal(doc["total"]["warnings_raised"]) == 1
    assert Decimal(doc["trend"]["last_year"]["warnings_raised"][3]) == 1


def test_the_county_adds_up_the_china_months(app, login_as, town):
    """辖区 = 本级 + Σ children for the shifted months too."""
    client = login_as("county")
    doc = client.get(f"/api/v1/overview/{town['county']}?year=2027").json
    below = sum((Decimal(c["total"]["warnings_raised"]) for c in doc["children"]), Decimal(0))
    assert Decimal(doc["total"]["warnings_raised"]) == Decimal(doc["own"]["warnings_raised"]) + below
    mine = next(c for c in doc["children"] if c["region"]["id"] == town["id"])
    assert Decimal(mine["total"]["warnings_raised"]) == 1


def test_china_time_in_sql(app):
    """The shift itself, on this database: the year and month of China's wall clock."""
    from sqlalchemy import extract, literal, select
    from backend.core.models import UtcDateTime, china_time
    from backend.extensions import db
    with app.app_context():
        for moment, expected in ((APRIL_IN_CHINA, (2026, 4)), (NEW_YEAR_IN_CHINA, (2027, 1)),
                                 (LAST_UTC_MINUTE_OF_MARCH_IN_CHINA, (2026, 3))):
            shifted = china_time(literal(moment, UtcDateTime))
            row = db.session.execute(select(extract("year", shifted), extract("month", shifted))).one()
            assert tuple(int(v) for v in row) == expected, moment


def test_the_reports_month_is_the_cockpits(app, town):
    """The warnings ledger of April holds the warning of 1 April 01:00 in Beijing, March's the one of
    31 March 23:59, each as many as the cockpit's month."""
    from backend.core import clock
    from backend.core.models import Region
    from backend.extensions import db
    from backend.overview.models import RegionFigure
    from backend.reports import data, periods
    with app.app_context():
        region = db.session.get(Region, town["id"])
        for code, month in (("2026-03", 3), ("2026-04", 4)):
            doc = data.build("warnings", region, periods.parse(code), clock.now())
            ledger = doc["tables"][0]
            assert ledger["total"]["source"] == "预警 1 条", (code, ledger["total"])
            cockpit = db.session.get(RegionFigure, (town["id"], 2026, month, "warnings_raised"))
            assert cockpit.total == 1
