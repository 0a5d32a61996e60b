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


@pytest.fixture
def made_warnings(app):
    """Makes warnings for a test (``_warnings``) and deletes them after it: their rule is not a real
    one, so no later test (the OpenAPI fuzz dismissing any warning it finds) may meet them."""
    made = []
    yield made
    from sqlalchemy import delete

    from backend.extensions import db
    from backend.risks.models import RiskWarning
    with app.app_context():
        db.session.execute(delete(RiskWarning).where(RiskWarning.id.in_(made)))
        db.session.commit()


def _warnings(app, world, project_id, specs, made):
    """Warnings about one project (``?project_id=`` isolates them) in 锦城: ``specs`` is (level, hours
    before the pinned clock they were last seen); returns their ids in the list's order, worked out
    here: red, orange, yellow; newest first; the higher id first on a tie. Their ids go in ``made``
    (the ``made_warnings`` fixture deletes them after the test)."""
    from datetime import timedelta

    from backend.core import clock
    from backend.risks.models import RiskWarning
    with app.app_context():
        warnings = [RiskWarning(rule_code="paging_test", subject_key=f"paging-{project_id}-{i}", subject_type="project",
                            project_id=project_id, region_id=world["regions"]["jincheng"], level=level,
                            status="open", evidence={}, fingerprint="x",
                            last_seen_at=clock.now() - timedelta(hours=hours))
                for i, (level, hours) in enumerate(specs)]
        db.session.add_all(warnings)
        db.session.commit()
        made += [w.id for w in warnings]
        rank = {"red": 0, "orange": 1, "yellow": 2}
        return [w.id for w in sorted(warnings, key=lambda w: (rank[w.level], -w.last_seen_at.timestamp(), -w.id))]


# Nine warnings of one project: levels and ages mixed, with ties on both (the id decides).
MIXED = [("yellow", 1), ("red", 5), ("orange", 1), ("red", 1), ("yellow", 1), ("orange", 3), ("red", 5),
         ("yellow", 2), ("orange", 1)]


def test_warnings_page_by_key_red_first_newest_first_ties_by_id(app, world, login_as, make_project, made_warnings):
    pid = make_project(name="预警键翻页测试")
    expected = _warnings(app, world, pid, MIXED, made_warnings)
    county = login_as("county")
    path = f"/api/v1/risks?project_id={pid}&per_page=2"
    assert walk(county, path) == expected
    assert numbered(county, path, 2) == expected
    assert walk(county, f"/api/v1/risks?project_id={pid}&status=all&per_page=4") == expected


def test_the_300th_page_by_key_is_the_300th_page_by_number(app, world, login_as, make_project, made_warnings):
    """Three hundred and more pages of one warning each, in runs that tie on level and time."""
    pid = make_project(name="预警第三百页测试")
    expected = _warnings(app, world, pid, [(("red", "orange", "yellow")[i % 3], i // 60) for i in range(305)],
                         made_warnings)
    county = login_as("county")
    path = f"/api/v1/risks?project_id={pid}&per_page=1"
    by_key = walk(county, path)
    assert by_key == expected
    page_300 = county.get(f"{path}&page=300").json
    assert [w["id"] for w in page_300["items"]] == [expected[299]]
    assert (page_300["total"], page_300["total_capped"]) == (305, False)


def test_a_warnings_position_from_another_order_is_refused(app, world, login_as, make_project, made_warnings):
    """A projects cursor (a time and an id) handed to the warnings list (two flags first) is refused."""
    pid = make_project(name="预警伪造翻页测试")
    _warnings(app, world, pid, [("red", 1), ("red", 2)], made_warnings)
    assert_error(login_as("county").get(f"/api/v1/risks?project_id={pid}&after={forged(['2026-01-01T00:00:00', 7])}"),
                 400, "cursor_invalid", "query.after")


@pytest.mark.parametrize("position", [[None, False, "2026-12-01T00:00:00+00:00", 7],
                                      [True, None, "2026-12-01T00:00:00+00:00", 7],
                                      [True, False, None, 7], [True, False, "2026-12-01T00:00:00+00:00", None]])
def test_a_warnings_position_with_a_null_where_none_can_be_is_refused(app, world, login_as, make_project,
                                                                     made_warnings, position):
    """A null in a key that is never NULL (a flag, the time, the id) was taken for the end of the order
    and compared with the other keys' flags: a 500."""
    pid = make_project(name="预警空值翻页测试")
    _warnings(app, world, pid, [("red", 1), ("red", 2)], made_warnings)
    assert_error(login_as("county").get(f"/api/v1/risks?project_id={pid}&after={forged(position)}"),
                 400, "cursor_invalid", "query.after")


def _counts(app, fetch):
    """(the page, whether fetching it counted)."""
    from sqlalchemy import event
    statements = []
    with app.app_context():
        engine = db.engine
    listen = lambda *args: statements.append(args[2].lower())  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        page = fetch()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return page, any("count(" in s for s in statements)


def test_a_page_by_key_counts_nothing(app, login_as, make_project):
    """The first page says how many (up to the limit); the pages after it, by key, run no count."""
    for i in range(5):
        make_project(name=f"键翻页不计数测试{i}")
    lead = login_as("lead")
    first = lead.get("/api/v1/projects?q=键翻页不计数测试&per_page=2").json
    assert (first["total"], first["total_capped"]) == (5, False)
    after = f"/api/v1/projects?q=键翻页不计数测试&per_page=2&after={first['next']}"
    second, counted = _counts(app, lambda: lead.get(after).json)
    assert (second["page"], second["total"], second["total_capped"], len(second["items"])) == (None, None, None, 2)
    assert not counted


def test_a_list_past_the_cap_is_not_counted_again_for_a_while(app, login_as, make_project, monkeypatch):
    """Once a first page found more than the cap, the same list (same scope, same filters) says
    "1000+" without counting until the entry is ``TTL`` old; another list still counts."""
    for i in range(4):
        make_project(name=f"上限记忆测试{i}")
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 3)
    lead, county = login_as("lead"), login_as("county")
    path = "/api/v1/projects?q=上限记忆测试&per_page=2"
    page, counted = _counts(app, lambda: lead.get(path).json)
    assert counted and (page["total"], page["total_capped"], len(page["items"])) == (3, True, 2)
    again, counted = _counts(app, lambda: lead.get(path).json)
    assert not counted and (again["total"], again["total_capped"]) == (3, True)
    assert again["items"] == page["items"] and again["next"] == page["next"]
    numbered, counted = _counts(app, lambda: lead.get(path + "&page=2").json)
    assert not counted and (numbered["total"], numbered["total_capped"], len(numbered["items"])) == (3, True, 2)
    _, counted = _counts(app, lambda: county.get(path).json)  # another scope: its own count
    assert counted
    _, counted = _counts(app, lambda: lead.get(path + "&stage=construction").json)  # another filter
    assert counted
    monkeypatch.setattr(pagination._Capped, "TTL", 0.0)
    _, counted = _counts(app, lambda: lead.get(path).json)
    assert counted


def test_a_list_under_the_cap_is_counted_every_time(app, login_as, make_project, monkeypatch):
    make_project(name="上限以下测试0")
    lead = login_as("lead")
    path = "/api/v1/projects?q=上限以下测试&per_page=2"
    assert lead.get(path).json["total"] == 1
    make_project(name="上限以下测试1")
    page, counted = _counts(app, lambda: lead.get(path).json)
    assert counted and (page["total"], page["total_capped"]) == (2, False)


def walk_back(client, path, after):
    """Every item before the position ``after`` (a page's ``prev``), following ``prev`` to the start."""
    seen = []
    while after:
        page = client.get(f"{path}&after={after}").json
        assert "items" in page and page["page"] is None, page
        seen = [item["id"] for item in page["items"]] + seen
        after = page["prev"]
    return seen


def test_going_back_by_key_gives_the_pages_going_forward(login_as, make_project):
    """From the last page, ``prev`` after ``prev`` gives every earlier project once, in the list's
    order; each page back holds what the same page going forward held."""
    ids = [make_project(name=f"键回翻测试涵洞{i}") for i in range(8)]
    lead = login_as("lead")
    path = "/api/v1/projects?q=键回翻测试涵洞&per_page=3"
    pages, after = [], None
    while True:
        page = lead.get(path + (f"&after={after}" if after else "")).json
        pages.append(page)
        if not (after := page["next"]):
            break
    assert [len(p["items"]) for p in pages] == [3, 3, 2] and pages[0]["prev"] is None
    forward = [item["id"] for p in pages for item in p["items"]]
    assert sorted(forward) == sorted(ids)
    back = lead.get(f"{path}&after={pages[2]['prev']}").json
    assert [i["id"] for i in back["items"]] == [i["id"] for i in pages[1]["items"]]
    assert back["next"] and back["prev"]
    assert walk_back(lead, path, pages[2]["prev"]) == forward[:6]
    numbered_second = lead.get(f"{path}&page=2").json
    assert numbered_second["prev"] and walk_back(lead, path, numbered_second["prev"]) == forward[:3]


@pytest.mark.parametrize("descending", [False, True])
def test_a_nullable_key_goes_back_the_same_way(app, make_project, descending):
    ids = [make_project(name=f"空值回翻测试{descending}{i}") for i in range(7)]
    with app.app_context():  # NULL sorts as the largest value going back too
        db.session.execute(update(Project).where(Project.id.in_(ids[::2])).values(lat=None, lng=None))
        db.session.execute(update(Project).where(Project.id.in_(ids[1::2])).values(lat=30.1))
        db.session.commit()
        key = Project.lat.desc() if descending else Project.lat
        stmt = select(Project).where(Project.id.in_(ids)).order_by(key)
        forward, pages, after = [], [], None
        while True:
            page = pagination.paginate(stmt, {"page": 1, "per_page": 2, **({"after": after} if after else {})})
            forward += [p.id for p in page["items"]]
            pages.append([p.id for p in page["items"]])
            if not (after := page["next"]):
                break
        back, after = [], page["prev"]
        while after:
            page = pagination.paginate(stmt, {"page": 1, "per_page": 2, "after": after})
            back.append([p.id for p in page["items"]])
            after = page["prev"]
    assert back == pages[-2::-1] and sum(pages, []) == forward and len(forward) == 7


@pytest.mark.parametrize("after", [forged({"b": [1]}), forged({"b": ["2026-01-01T00:00:00", 7], "x": 1}),
                                   forged({"a": ["2026-01-01T00:00:00", 7]}), forged({"b": "x"})])
def test_a_backward_position_this_list_did_not_hand_out_is_refused(login_as, make_project, after):
    make_project(name="伪造回翻测试")
    assert_error(login_as("lead").get(f"/api/v1/projects?q=伪造回翻测试&after={after}"),
                 400, "cursor_invalid", "query.after")


def test_warnings_go_back_by_key_in_their_own_order(app, world, login_as, make_project, made_warnings):
    """The warnings' order (two level flags, the time, the id; an index seek) read backwards."""
    pid = make_project(name="预警键回翻测试")
    expected = _warnings(app, world, pid, MIXED, made_warnings)
    county = login_as("county")
    path = f"/api/v1/risks?project_id={pid}&per_page=2"
    last = county.get(f"{path}&page=5").json
    assert [w["id"] for w in last["items"]] == expected[8:]
    assert walk_back(county, path, last["prev"]) == expected[:8]


def test_going_back_leaves_the_planner_as_it_was(app, make_project):
    """PostgreSQL reads a page back with sorting off (it would sort every earlier row of the payments'
    newest month): only for that statement — the rest of the request plans as usual."""
    ids = [make_project(name=f"回翻排序测试{i}") for i in range(5)]
    with app.app_context():
        stmt = select(Project).where(Project.id.in_(ids)).order_by(Project.id)
        last = pagination.paginate(stmt, {"page": 3, "per_page": 2})
        back = pagination.paginate(stmt, {"page": 1, "per_page": 2, "after": last["prev"]})
        assert [p.id for p in back["items"]] == sorted(ids)[2:4]
        if db.session.get_bind().dialect.name == "postgresql":
            from sqlalchemy import text
            assert db.session.scalar(text("SHOW enable_sort")) == "on"
        db.session.rollback()


def test_only_a_partitioned_list_goes_back_with_sorting_off(app, make_project):
    """Sorting is turned off to go back only where the table is partitioned by year (the payments);
    the projects' index is walked back as it is, without the two statements around it."""
    from sqlalchemy import event
    from backend.subsidies.models import Disbursement
    make_project(name="回翻分区测试")
    with app.app_context():
        said = []
        engine = db.engine
        listen = lambda conn, cursor, statement, *rest: said.append(statement)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listen)
        try:
            for model in (Project, Disbursement):
                said.clear()
                back = pagination._encode([2**31 - 1], back=True)  # going back from past the last id
                pagination.paginate(select(model).order_by(model.id), {"page": 1, "per_page": 2, "after": back})
                sorting_off = any("enable_sort" in s for s in said)
                postgres = engine.dialect.name == "postgresql"
                assert sorting_off == (postgres and model is Disbursement), (model, said)
        finally:
            event.remove(engine, "before_cursor_execute", listen)
            db.session.rollback()


def test_a_flag_key_that_may_be_null_compares_by_a_bound_value():
    """A flag expression without ``not_null`` pages by the long form (key by key): ``flag < True``
    there was an ArgumentError (SQLAlchemy compares True/False only by = and IS)."""
    from sqlalchemy import column
    flag = pagination._Key(column("level") == "red", True)
    assert str(pagination._after(flag, True)) == "(level = :level_1) < :param_1"


def test_a_numbered_payments_page_reads_the_rows_of_that_page_by_key(app, world, login_as):
    """A numbered page passes the earlier rows without the joins that only read more of each item
    (the person, the policy) and then reads its own with them: the same items, every field, as
    the page reached by key."""
    import subsidy_seed
    subsidy_seed.seed(app, world)
    county = login_as("county")
    path = f"/api/v1/subsidies/disbursements?region_id={world['regions']['jincheng']}&per_page=1"
    by_key, after = [], None
    while True:
        page = county.get(path + (f"&after={after}" if after else "")).json
        by_key += page["items"]
        if page["next"] is None:
            break
        after = page["next"]
    assert len(by_key) >= 4
    numbered = [county.get(f"{path}&page={n}").json for n in range(1, len(by_key) + 2)]
    assert [item for page in numbered for item in page["items"]] == by_key
    assert {page["total"] for page in numbered} == {len(by_key)}
    assert all(item["person"]["name"] and item["policy"] for item in by_key)
