"""Lists page, filter, and never leave the caller's subtree."""
from conftest import code_of


def test_lists_stay_in_the_subtree(world, login_as, make_project):
    mine = make_project(region="qianwang", name="范围测试水渠甲")
    theirs = make_project(region="baisha", name="范围测试水渠乙")

    def found(who):
        return {p["id"] for p in login_as(who).get("/api/v1/projects?q=范围测试水渠").json["items"]}
    assert found("lead") == {mine}
    assert found("lead_sibling") == {theirs}
    assert found("county") == found("province") == {mine, theirs}
    assert found("county_sibling") == set()


def test_filter_by_a_region_inside_and_outside(world, login_as, make_project):
    make_project(region="baisha")
    county = login_as("county")
    inside = county.get(f"/api/v1/projects?region_id={world['regions']['taihuyuan']}&per_page=100").json
    assert inside["items"] and all(p["region"]["code"].startswith("330112103") for p in inside["items"])
    r = login_as("lead").get(f"/api/v1/projects?region_id={world['regions']['taihuyuan']}")
    assert (r.status_code, r.json["error"]["code"]) == (403, "out_of_scope")
    r = login_as("lead").get(f"/api/v1/units?region_id={world['regions']['taihuyuan']}")
    assert (r.status_code, r.json["error"]["code"]) == (403, "out_of_scope")


def test_pages_and_search(app, login_as, make_project):
    name = "分页测试桥梁工程"
    ids = [make_project(name=f"{name}{i}") for i in range(3)]
    lead = login_as("lead")
    first = lead.get(f"/api/v1/projects?q={name}&per_page=2&page=1").json
    second = lead.get(f"/api/v1/projects?q={name}&per_page=2&page=2").json
    assert first["total"] == 3 and len(first["items"]) == 2 and len(second["items"]) == 1
    assert {p["id"] for p in first["items"] + second["items"]} == set(ids)
    assert all(p["code"] == code_of(app, p["id"]) for p in first["items"])


def test_regions_below_me(world, login_as):
    towns = login_as("county").get(f"/api/v1/regions?parent_id={world['regions']['linan']}").json["items"]
    assert {t["name"] for t in towns} == {"锦城街道", "太湖源镇"}
    mine = login_as("lead").get("/api/v1/regions?per_page=100").json["items"]
    # (other tests add villages under 锦城 to the session's tree; none outside it may show)
    assert {"锦城街道", "钱王社区"} <= {r["name"] for r in mine}
    assert not {"太湖源镇", "白沙村", "临安区"} & {r["name"] for r in mine}


def test_a_renamed_township_shows_on_the_lists_at_once_and_another_processs_rename_within_a_minute(
        app, world, login_as, monkeypatch):
    """Lists name each row's township from what the process knows of the regions: its own rename
    shows on the next page, a rename by another process (here: straight in the database) at once
    on PostgreSQL (its notice: test_remembered.py), on SQLite once what it knew is a minute old."""
    import random
    import uuid
    from backend.core import tree
    from backend.core.models import User
    from backend.extensions import db
    from backend.projects import services as projects
    from backend.projects.models import Unit
    from sqlalchemy import text
    admin, county = login_as("admin"), login_as("county")
    digits = f"{random.randrange(200, 999)}"
    town = admin.post("/api/v1/regions", json={"client_uuid": str(uuid.uuid4()), "code": f"330112{digits}000",
                                                 "name": f"改名前镇{digits}", "parent_id": world["regions"]["linan"]})
    assert town.status_code == 201, town.json
    village = admin.post("/api/v1/regions", json={"client_uuid": str(uuid.uuid4()), "code": f"330112{digits}001",
                                                    "name": f"改名村{digits}", "parent_id": town.json["id"]})
    assert village.status_code == 201, village.json
    name = f"改名测试项目{digits}"
    with app.app_context():
        unit = Unit(name=f"改名前镇{digits}财政所", kind="乡镇财政所", region_id=town.json["id"])
        db.session.add(unit)
        db.session.flush()
        projects.create_project(db.session.get(User, world["users"]["county"]), {
            "region_id": village.json["id"], "unit_id": unit.id, "name": name,
            "category": "道路交通", "budget": "100000.00", "funding_sources": []})
        db.session.commit()

    def township():
        (item,) = county.get(f"/api/v1/projects?q={name}").json["items"]
        return item["township"]["name"]
    assert township() == f"改名前镇{digits}"
    r = admin.request("PATCH", f"/api/v1/regions/{town.json['id']}",
                      json={"client_uuid": str(uuid.uuid4()), "name": f"改名后镇{digits}"})
    assert r.status_code == 200
    assert township() == f"改名后镇{digits}"

    with app.app_context():
        db.session.execute(text("UPDATE regions SET name = :n WHERE id = :i"),
                           {"n": f"别处改名镇{digits}", "i": town.json["id"]})
        db.session.commit()
    if app.extensions["remembered"] is not None:  # PostgreSQL: the change's notice forgets at once
        assert township() == f"别处改名镇{digits}"
        return
    assert township() == f"改名后镇{digits}"  # SQLite: what this process knew, for up to a minute
    later = tree.time.monotonic() + tree.KNOWN.TTL + 1
    monkeypatch.setattr(tree.time, "monotonic", lambda: later)
    assert township() == f"别处改名镇{digits}"


def test_a_page_past_the_end_still_counts_the_list(login_as, make_project):
    name = "页尾计数测试工程"
    for i in range(3):
        make_project(name=f"{name}{i}")
    beyond = login_as("lead").get(f"/api/v1/projects?q={name}&per_page=2&page=5").json
    assert (beyond["items"], beyond["total"], beyond["total_capped"], beyond["next"]) == ([], 3, False, None)
    first = login_as("lead").get(f"/api/v1/projects?q={name}&per_page=2").json
    assert (len(first["items"]), first["total"], first["next"] is not None) == (2, 3, True)
