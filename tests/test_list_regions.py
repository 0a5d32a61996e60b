"""Every list — projects, warnings, rectifications, inspections, beneficiaries, payments — takes a
region filter (the region's subtree; 403 outside the caller's; 400 for a bad id), names the township
and the county on each item, and a project is found by its village's or township's name.

The rows live in a village of this test's own (列表一村 under 锦城街道) and in 白沙村 (太湖源镇);
assertions are on these rows only (the session shares one tree)."""
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import event

from backend.extensions import db
from conftest import TODAY, assert_error

LISTS = {
    "projects": "/api/v1/projects",
    "risks": "/api/v1/risks?status=all",
    "rectifications": "/api/v1/rectifications",
    "inspections": "/api/v1/inspections",
    "beneficiaries": "/api/v1/subsidies/beneficiaries",
    "disbursements": "/api/v1/subsidies/disbursements",
}


def _join(url, query):
    return url + ("&" if "?" in url else "?") + query


@pytest.fixture(scope="module")
def villages(app, world):
    """列表一村 (under 锦城街道), added to the world's regions once."""
    from backend.core.models import Region
    with app.app_context():
        for key, code, name, parent in (("list_j", "330112006941", "列表一村", "jincheng"),):
            region = db.session.query(Region).filter_by(code=code).one_or_none()
            if region is None:
                up = db.session.get(Region, world["regions"][parent])
                region = Region(code=code, name=name, level="village", path=f"{up.path}{code}/", parent_id=up.id)
                db.session.add(region)
                db.session.flush()
            world["regions"][key] = region.id
        db.session.commit()
    return world["regions"]


def _people(app, world, region_keys):
    """A beneficiary and one payment to them in each region; returns {region key: (person id, payment id)}."""
    from backend.core import pii
    from backend.core.models import Region
    from backend.subsidies.models import Beneficiary, Disbursement, SubsidyPolicy
    out = {}
    with app.app_context():
        policy = db.session.query(SubsidyPolicy).filter_by(name="列表测试补贴", year=2026).one_or_none()
        if policy is None:
            policy = SubsidyPolicy(region_id=world["regions"]["linan"], year=2026, name="列表测试补贴",
                                   category="测试", standard_amount=Decimal("100"), unit="元/人")
            db.session.add(policy)
            db.session.flush()
        for key in region_keys:
            tag = uuid.uuid4().hex
            region = db.session.get(Region, world["regions"][key])
            number = f"330100{int(tag[:12], 16) % 10**12:012d}"  # sealed and blinded like any ID: keys rotate
            person = Beneficiary(region_id=region.id, name=f"列表{tag[:4]}", id_enc=pii.encrypt(number, "id_number"),
                                 id_mask="3301**********0000", id_hash=pii.blind(number, "id_number"))
            db.session.add(person)
            db.session.flush()
            pay = Disbursement(region_id=region.id, policy_id=policy.id, beneficiary_id=person.id, period="2026-03",
                               amount=Decimal("100.00"), status="paid", paid_on=TODAY, row_key=tag)
            db.session.add(pay)
            db.session.flush()
            out[key] = (person.id, pay.id)
        db.session.commit()
    return out


@pytest.fixture
def rows(app, world, villages, make_project, make_warning, make_rectification, make_inspection):
    """For each list, its row ids in 锦城 (``j``) and in 太湖源 (``t``)."""
    from backend.rectifications.models import Rectification
    pj = make_project(region="list_j", name=f"列表测试项目甲{uuid.uuid4().hex[:4]}")
    pt = make_project(region="baisha", name=f"列表测试项目乙{uuid.uuid4().hex[:4]}")
    wj, _ = make_warning("list_j")
    wt, _ = make_warning("baisha")
    rj, rt = make_rectification(region="jincheng"), make_rectification(region="baisha")
    ij, it = make_inspection(pj), make_inspection(pt, by="inspector_sibling")
    from backend.inspections.models import Inspection
    with app.app_context():
        ij, it = (db.session.query(Inspection.id).filter_by(client_uuid=u).scalar() for u in (ij, it))
        assert db.session.get(Rectification, rt).region_id == world["regions"]["baisha"]
    people = _people(app, world, ("list_j", "baisha"))
    return {"projects": (pj, pt), "risks": (wj, wt), "rectifications": (rj, rt), "inspections": (ij, it),
            "beneficiaries": (people["list_j"][0], people["baisha"][0]),
            "disbursements": (people["list_j"][1], people["baisha"][1])}


def _items(client, url, want=()):
    """{id: item} of the list, page after page by key until every id in ``want`` is among them (or
    the list ends): the session's other tests outgrow one page."""
    found, after = {}, None
    while True:
        r = client.get(_join(url, "per_page=100" + (f"&after={after}" if after else "")))
        assert r.status_code == 200, r.json
        found.update((item["id"], item) for item in r.json["items"])
        after = r.json["next"]
        if not after or (want and set(want) <= set(found)):
            return found


def _ids(client, url, want=()):
    return set(_items(client, url, want)), None


@pytest.mark.parametrize("name", LISTS)
def test_region_filter_narrows_to_the_subtree(world, login_as, rows, name):
    j, t = rows[name]
    county = login_as("county")
    everything, _ = _ids(county, LISTS[name], (j, t))
    assert {j, t} <= everything
    in_j, _ = _ids(county, _join(LISTS[name], f"region_id={world['regions']['jincheng']}"))
    assert j in in_j and t not in in_j  # (t is in the whole list: the filter took it out)
    in_t, _ = _ids(county, _join(LISTS[name], f"region_id={world['regions']['taihuyuan']}"))
    assert t in in_t and j not in in_t
    # A township's own region is its subtree too; a village narrows further.
    in_village, _ = _ids(county, _join(LISTS[name], f"region_id={world['regions']['baisha']}"))
    assert t in in_village and j not in in_village


@pytest.mark.parametrize("name", LISTS)
def test_items_name_their_township_and_county(world, login_as, rows, name):
    j, t = rows[name]
    items = _items(login_as("province"), LISTS[name], (j, t))
    assert items[j]["township"] == {"id": world["regions"]["jincheng"], "name": "锦城街道"}
    assert items[t]["township"] == {"id": world["regions"]["taihuyuan"], "name": "太湖源镇"}
    assert items[j]["county"] == items[t]["county"] == {"id": world["regions"]["linan"], "name": "临安区"}


@pytest.mark.parametrize("name", LISTS)
def test_a_region_outside_the_scope_is_refused(app, world, login_as, rows, name):
    lead = login_as("lead")
    for region in ("taihuyuan", "baisha", "linan", "zj"):
        assert_error(lead.get(_join(LISTS[name], f"region_id={world['regions'][region]}")), 403, "out_of_scope")
    assert_error(login_as("county_sibling").get(_join(LISTS[name], f"region_id={world['regions']['jincheng']}")),
                 403, "out_of_scope")
    assert_error(login_as(None).get(_join(LISTS[name], f"region_id={world['regions']['jincheng']}")),
                 401, "unauthenticated")


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("bad", ["abc", "0", "-3", "1.5", str(2**31), "99999999999999999999", ""])
def test_bad_region_ids_are_refused(login_as, name, bad):
    assert_error(login_as("county").get(_join(LISTS[name], f"region_id={bad}")), 400, "validation_error",
                 "query.region_id")


def test_an_unknown_region_is_not_found(login_as):
    assert_error(login_as("county").get(f"/api/v1/projects?region_id={2**31 - 1}"), 404, "not_found")


def test_search_finds_a_townships_and_a_villages_projects(world, login_as, rows):
    pj, pt = rows["projects"]
    county = login_as("county")
    by_township, _ = _ids(county, "/api/v1/projects?q=太湖源")
    assert pt in by_township and pj not in by_township
    by_township, _ = _ids(county, "/api/v1/projects?q=锦城街道")
    assert pj in by_township and pt not in by_township
    by_village, _ = _ids(county, "/api/v1/projects?q=列表一村")
    assert pj in by_village and pt not in by_village
    # A county's name is not a township's: it does not list the whole county.
    assert pj not in _ids(county, "/api/v1/projects?q=临安区")[0]
    # Search and the region filter together, and never beyond the caller's subtree.
    both, _ = _ids(county, f"/api/v1/projects?q=列表测试项目&region_id={world['regions']['taihuyuan']}")
    assert pt in both and pj not in both
    assert pt not in _ids(login_as("lead"), "/api/v1/projects?q=太湖源")[0]


def _count_queries(app, fn):
    seen = []

    def count(*args):
        seen.append(args[2])
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


@pytest.mark.parametrize("name", LISTS)
def test_naming_the_places_costs_the_same_for_any_page(app, world, login_as, rows, make_project, name):
    """One lookup of the page's regions and their ancestors, not one per item."""
    if name == "projects":
        for key in ("list_j", "qianwang", "baisha", "jincheng", "taihuyuan"):
            make_project(region=key, name=f"列表计数项目{uuid.uuid4().hex[:4]}")
    else:
        _people(app, world, ("qianwang", "baisha", "jincheng", "taihuyuan"))
    county = login_as("county")
    url = LISTS[name]
    from backend.core import tree
    county.get(_join(url, "per_page=1"))  # warm the session's own lookups

    def page_of(size):
        tree.KNOWN.forget()  # each page looks its places up (not some of them known from earlier)
        return county.get(_join(url, f"per_page={size}"))
    one = _count_queries(app, lambda: page_of(1))
    many = _count_queries(app, lambda: page_of(8))
    assert len(county.get(_join(url, "per_page=8")).json["items"]) >= 4
    if name in ("projects", "beneficiaries", "disbursements"):
        assert many == one
    else:
        # (their own per-page lookups — one per kind of subject on the page: projects, funds, people,
        # assets … — are not this test's; they grow with the kinds, not with the items)
        assert many <= one + 5


def test_the_warning_counts_follow_the_region_filter(world, login_as, rows):
    county = login_as("county")
    everywhere = county.get("/api/v1/risks/summary").json["by_level"]
    in_j = county.get(f"/api/v1/risks/summary?region_id={world['regions']['list_j']}").json["by_level"]
    assert sum(in_j.values()) >= 1 and sum(in_j.values()) < sum(everywhere.values())
    assert_error(login_as("lead").get(f"/api/v1/risks/summary?region_id={world['regions']['taihuyuan']}"),
                 403, "out_of_scope")
    assert_error(county.get("/api/v1/risks/summary?region_id=x"), 400, "validation_error", "query.region_id")
