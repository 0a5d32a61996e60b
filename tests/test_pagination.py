"""Lists page by key (``after``) as well as by number: every row once, in the list's own order, on
both databases, NULLs included; a forged position is refused; counting stops at a limit."""
import base64
import json

import pytest
from sqlalchemy import select, update

from backend.core import pagination
from backend.extensions import db
from backend.projects.models import Project
from conftest import assert_error


def walk(client, path):
    """Every item of a list, following ``next`` from the first page."""
    seen, after = [], None
    while True:
        page = client.get(path + (f"&after={after}" if after else "")).json
        assert "items" in page, page
        seen += [item["id"] for item in page["items"]]
        if page["next"] is None:
            return seen
        assert page["page"] is None if after else page["page"] == 1
        after = page["next"]


def numbered(client, path, per_page):
    seen, number = [], 1
    while items := client.get(f"{path}&page={number}").json["items"]:
        seen += [item["id"] for item in items]
        number += 1
    return seen


def test_paging_by_key_gives_every_project_once_in_the_order_of_the_numbered_pages(login_as, make_project):
    ids = {make_project(name=f"键翻页测试涵洞{i}") for i in range(7)}  # same clock: updated_at ties, id decides
    lead = login_as("lead")
    by_key = walk(lead, "/api/v1/projects?q=键翻页测试涵洞&per_page=3")
    assert by_key == numbered(lead, "/api/v1/projects?q=键翻页测试涵洞&per_page=3", 3)
    assert sorted(by_key) == sorted(ids) and len(by_key) == 7


@pytest.mark.parametrize("descending", [False, True])
def test_a_nullable_key_pages_the_same_way_on_both_databases(app, make_project, descending):
    ids = [make_project(name=f"空值翻页测试{descending}{i}") for i in range(6)]
    with app.app_context():  # three without coordinates: NULL sorts as the largest value
        db.session.execute(update(Project).where(Project.id.in_(ids[::2])).values(lat=None, lng=None))
        db.session.execute(update(Project).where(Project.id.in_(ids[1::2])).values(lat=30.1))
        db.session.commit()
        key = Project.lat.desc() if descending else Project.lat
        stmt = select(Project).where(Project.id.in_(ids)).order_by(key)
        seen, after = [], None
        while True:
            page = pagination.paginate(stmt, {"page": 1, "per_page": 2, **({"after": after} if after else {})})
            seen += [p.id for p in page["items"]]
            if not (after := page["next"]):
                break
    nulls, values = sorted(ids[::2]), sorted(ids[1::2])
    assert seen == (nulls + values if descending else values + nulls)


def forged(values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("after", ["!!!", "x" * 401, forged({"a": 1}), forged([1]), forged(["2026-01-01", "7"]),
                                   forged(["not a time", 7]), forged(["2026-01-01T00:00:00", 2**70]),
                                   forged(["2026-01-01T00:00:00", True]), base64.b64encode(b"\xff\xfe").decode()])
def test_a_position_this_list_did_not_hand_out_is_refused(login_as, make_project, after):
    make_project(name="伪造翻页测试")
    r = login_as("lead").get(f"/api/v1/projects?q=伪造翻页测试&after={after}")
    malformed = len(after) > 400 or not after.replace("-", "").replace("_", "").isalnum()
    assert_error(r, 400, "validation_error" if malformed else "cursor_invalid", "query.after")


def test_counting_stops_at_the_limit(login_as, make_project, monkeypatch):
    for i in range(4):
        make_project(name=f"计数上限测试{i}")
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 3)
    page = login_as("lead").get("/api/v1/projects?q=计数上限测试&per_page=2").json
    assert (page["total"], page["total_capped"], len(page["items"])) == (3, True, 2)
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 4)
    page = login_as("lead").get("/api/v1/projects?q=计数上限测试&per_page=2").json
    assert (page["total"], page["total_capped"]) == (4, False)
