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
