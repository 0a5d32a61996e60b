"""A list page's statement carries its region's path prefix and its LIMIT in its text (``core.plans``),
so that PostgreSQL plans it once per region and page size and keeps the plan; the position of
``after`` stays a parameter."""
import os

import pytest
from sqlalchemy import text

from backend.extensions import db
from conftest import PASSWORD

POSTGRES = os.environ.get("JICAI_TEST_DB") == "postgres"


def _statements(app, like):
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE :like"),
            {"like": like}).all()
        db.session.rollback()
        return rows


@pytest.mark.skipif(not POSTGRES, reason="prepared statements and their plans: PostgreSQL")
def test_a_page_by_key_is_planned_once_and_its_plan_kept(one_connection, world, make_project):
    for _ in range(4):
        make_project(region="qianwang")
    client = one_connection.test_client()
    assert client.post("/api/v1/auth/login", json={"username": "t_lead", "password": PASSWORD}).status_code == 200
    first = client.get("/api/v1/projects?per_page=2").json
    for _ in range(20):
        page = client.get(f"/api/v1/projects?per_page=2&after={first['next']}")
        assert page.status_code == 200 and len(page.json["items"]) == 2
    [(statement, generic, custom)] = [row for row in _statements(one_connection, "SELECT projects.id,%")
                                      if "LIMIT 3" in row.statement and "count(" not in row.statement]
    assert "//330112006000//" in statement  # the lead's township
    assert "$1" in statement  # the position: a parameter
    assert generic >= 5, (generic, custom)  # planned once, then the one plan run again and again


def test_a_subtree_is_its_path_as_a_prefix_whatever_the_path_holds(ctx):
    """The prefix written into the statement is escaped: ``_`` and ``%`` are themselves, not LIKE's
    wildcards, and a quote is a quote (on both databases)."""
    from sqlalchemy import select

    from backend.core.models import Region
    from backend.core.scoping import subtree
    paths = {"ZQ_1": "/ZQ_1/", "ZQ21": "/ZQ21/", "ZQ%1": "/ZQ%1/", "ZQ'1": "/ZQ'1/", "ZQ_1a": "/ZQ_1/ZQ_1a/"}
    regions = {code: Region(code=code, name=code, level="province", path=path) for code, path in paths.items()}
    db.session.add_all(regions.values())
    db.session.flush()

    def under(code):
        return set(db.session.execute(select(Region.code).where(subtree(regions[code]), Region.code.like("ZQ%"))).scalars())
    try:
        assert under("ZQ_1") == {"ZQ_1", "ZQ_1a"}
        assert under("ZQ%1") == {"ZQ%1"}
        assert under("ZQ'1") == {"ZQ'1"}
        assert under("ZQ21") == {"ZQ21"}
    finally:
        db.session.rollback()
