"""资金到达 (fund flow): GET /overview/<region_id>/fund-flow shows every budget line of the year in the
region's subtree hop by hop — 到账, 分配, 支出 — with the days each took against its statutory limit
(FUND_DEADLINE_DAYS, counted from issue), late hops flagged, and the hops summed per child region
and per category; the sums add up, they agree with the cockpit's own hop figures (one hop rule),
the view is scoped to the caller's region and bad input is refused.

The data: a county of its own under 杭州 with two townships (the session's tree is shared)."""
from datetime import timedelta
from decimal import Decimal

import pytest

from conftest import TODAY, assert_error, run_scan, warning_for


def ago(days):
    return TODAY - timedelta(days=days)


@pytest.fixture(scope="module")
def county(app, world):
    """A county with townships t1, t2 and funds (days ago; general 30/30/90, special 60/60/90):
    a: general in t1, issued 100, arrived 90, allocated 60 % at 60 and the rest at 50, spent half at 30
       and the rest at 20 → 到账 10 days (on time), 分配 40 days (elapsed 50 > 30: late), 支出 30 days
       (elapsed 80 ≤ 90: on time);
    b: special in t2, issued 20, not arrived → nothing due yet;
    c: general in t1, issued 50, not arrived → 到账 and 分配 late, 支出 not due;
    e: general in t2, issued 400 (the year before), not arrived → three hops late."""
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.funds import services as funds
    with app.app_context(), app.test_request_context(method="POST"):
        hz = db.session.get(Region, world["regions"]["hz"])
        taken = set(db.session.scalars(db.select(Region.code).where(Region.parent_id == hz.id)))
        n = next(n for n in range(50, 100) if f"3301{n}000000" not in taken)
        code = f"3301{n}000000"
        cty = Region(code=code, name=f"流向县{n}", level="county", path=f"{hz.path}{code}/", parent_id=hz.id)
        db.session.add(cty)
        db.session.flush()
        towns = []
        for i in (1, 2):
            tcode = f"3301{n}10{i}000"
            town = Region(code=tcode, name=f"流向镇{n}-{i}", level="township", path=f"{cty.path}{tcode}/",
                          parent_id=cty.id)
            db.session.add(town)
            towns.append(town)
        db.session.flush()
        admin = db.session.get(User, world["users"]["admin"])

        def fund(key, town, category, issued, arrived=None, allocs=(), spends=()):
            f = funds.create_fund(admin, {
                "region_id": town.id, "doc_no": f"流财〔2026〕{n}-{key}号", "name": f"资金{key}", "category": category,
                "source_level": "province", "amount": Decimal("100000.00"), "issued_on": ago(issued)})
            if arrived is not None:
                funds.register_arrival(f, admin, ago(arrived), f"R-{key}")
            for days, amount in allocs:
                funds.allocate(f, admin, {"target": "own", "purpose": "办公经费", "amount": Decimal(amount),
                                          "allocated_on": ago(days)})
            for days, amount in spends:
                funds.spend(f, admin, {"spent_on": ago(days), "amount": Decimal(amount), "payee": "某公司",
                                       "voucher_no": f"记-{key}-{days}"})
            return f.id

        ids = {"a": fund("a", towns[0], "general_transfer", 100, 90, [(60, "60000.00"), (50, "40000.00")],
                         [(30, "50000.00"), (20, "50000.00")]),
               "b": fund("b", towns[1], "special_transfer", 20),
               "c": fund("c", towns[0], "general_transfer", 50),
               "e": fund("e", towns[1], "general_transfer", 400)}
        db.session.commit()
        return {"id": cty.id, "t1": towns[0].id, "t2": towns[1].id, "funds": ids}


def flow(client, region_id, query=""):
    r = client.get(f"/api/v1/overview/{region_id}/fund-flow{query}")
    assert r.status_code == 200, r.get_json()
    return r.json


def test_each_hop_has_its_days_its_limit_and_its_late_flag(app, world, login_as, county):
    doc = flow(login_as("city"), county["id"])
    assert doc["year"] == TODAY.year and doc["total_funds"] == 3
    funds = {f["id"]: f for f in doc["funds"]}
    assert county["funds"]["e"] not in funds  # issued the year before
    a = {h["hop"]: h for h in funds[county["funds"]["a"]]["hops"]}
    assert [(a[k]["days"], a[k]["elapsed"], a[k]["limit"], a[k]["late"], a[k]["on_time"]) for k in a] == [
        (10, 10, 30, False, True), (40, 50, 30, True, False), (30, 80, 90, False, True)]
    assert a["allocate"]["done_on"] == ago(50).isoformat() and a["allocate"]["due_on"] == ago(70).isoformat()
    assert funds[county["funds"]["a"]]["late"] is True
    b = funds[county["funds"]["b"]]
    assert b["late"] is False and [h["due"] for h in b["hops"]] == [False, False, False]
    assert b["hops"][0]["waiting"] == 20 and b["hops"][0]["limit"] == 60
    c = {h["hop"]: h for h in funds[county["funds"]["c"]]["hops"]}
    assert (c["register"]["late"], c["allocate"]["late"], c["spend"]["late"], c["spend"]["due"]) == (
        True, True, False, False)
    assert c["register"]["waiting"] == 50 and c["register"]["done_on"] is None
    # Late funds first.
    assert [f["late"] for f in doc["funds"]] == [True, True, False]
    assert doc["limits"]["special_transfer"] == {"register": 60, "allocate": 60, "spend": 90}


def test_the_sums_add_up_by_child_and_by_category(app, world, login_as, county):
    doc = flow(login_as("province"), county["id"])
    total = doc["total"]
    assert (total["funds"], total["late_funds"], total["hops_due"], total["hops_on_time"], total["hops_late"]) == (
        3, 2, 5, 2, 3)
    assert total["on_time_pct"] == "40.0" and total["hops_due"] == total["hops_on_time"] + total["hops_late"]
    assert {k: v["avg_days"] for k, v in total["per_hop"].items()} == {
        "register": "10.0", "allocate": "40.0", "spend": "30.0"}
    children = {c["region"]["id"]: c for c in doc["by_child"]}
    assert set(children) == {county["t1"], county["t2"]}
    assert (children[county["t1"]]["funds"], children[county["t1"]]["hops_due"],
            children[county["t2"]]["funds"], children[county["t2"]]["hops_due"]) == (2, 5, 1, 0)
    for part in ("by_child", "by_category"):
        for key in ("funds", "late_funds", "hops_due", "hops_on_time", "hops_late"):
            assert sum(row[key] for row in doc[part]) == total[key], (part, key)
        for hop in ("register", "allocate", "spend"):
            for key in ("due", "on_time", "late", "done", "days"):
                assert sum(row["per_hop"][hop][key] for row in doc[part]) == total["per_hop"][hop][key]
    cats = {c["category"]["code"]: c for c in doc["by_category"]}
    assert (cats["general_transfer"]["funds"], cats["special_transfer"]["funds"], cats["own"]["funds"]) == (2, 1, 0)
    assert cats["own"]["on_time_pct"] is None and cats["general_transfer"]["category"]["zh"] == "一般性转移支付"


def test_one_hop_rule_with_the_cockpit_figures(app, world, login_as, county):
    """The cockpit counts hops of every year as a state; the fund flow counts them per year of issue."""
    from backend.overview import figures
    client = login_as("city")
    due = sum(flow(client, county["id"], f"?year={y}")["total"]["hops_due"] for y in (TODAY.year, TODAY.year - 1))
    on_time = sum(flow(client, county["id"], f"?year={y}")["total"]["hops_on_time"]
                  for y in (TODAY.year, TODAY.year - 1))
    with app.app_context():
        values = figures.compute([county["t1"], county["t2"]])
    assert sum(v for (_, _, _, name), v in values.items() if name == "fund_hops_due") == due == 8
    assert sum(v for (_, _, _, name), v in values.items() if name == "fund_hops_on_time") == on_time == 2


def test_a_hop_still_waiting_past_its_deadline_is_the_fund_rules_warning(app, world, login_as, county):
    """The fund rules (set-based SQL over the same FUND_DEADLINE_DAYS) warn about exactly the late hops
    still waiting — allocation and spending only once the money has arrived (before that, the missing
    arrival is the warning)."""
    rules = {"register": "fund_not_registered", "allocate": "fund_not_allocated", "spend": "fund_not_spent"}
    run_scan(app, *rules.values())
    client = login_as("city")
    funds = [f for y in (TODAY.year, TODAY.year - 1) for f in flow(client, county["id"], f"?year={y}")["funds"]]
    assert {f["id"] for f in funds} == set(county["funds"].values())
    for f in funds:
        arrived = f["hops"][0]["done_on"] is not None
        waiting = {rules[h["hop"]] for h in f["hops"] if h["late"] and h["done_on"] is None
                   and (h["hop"] == "register" or arrived)}
        warned = {rule for rule in rules.values()
                  if (warning_for(app, rule, f"fund:{f['id']}") or {}).get("status") == "open"}
        assert warned == waiting, f["name"]
    assert {f["name"] for f in funds if f["late"]} == {"资金a", "资金c", "资金e"}


def test_category_filter_and_pages(app, world, login_as, county):
    client = login_as("city")
    doc = flow(client, county["id"], "?category=special_transfer")
    assert [f["id"] for f in doc["funds"]] == [county["funds"]["b"]] and doc["category"] == "special_transfer"
    assert [c["category"]["code"] for c in doc["by_category"]] == ["special_transfer"]
    doc = flow(client, county["id"], "?per_page=1&page=2")
    assert len(doc["funds"]) == 1 and doc["total_funds"] == 3 and doc["funds"][0]["late"] is True
    doc = flow(client, county["t1"])
    # A township's funds are its own (本级): one row, no region.
    assert doc["total"]["funds"] == 2 and [(c["own"], c["region"], c["funds"]) for c in doc["by_child"]] == [
        (True, None, 2)]
    last = flow(client, county["id"], f"?year={TODAY.year - 1}")
    assert [f["id"] for f in last["funds"]] == [county["funds"]["e"]] and last["total"]["hops_late"] == 3


def test_scoped_to_the_callers_region(app, world, login_as, county):
    url = f"/api/v1/overview/{county['id']}/fund-flow"
    assert_error(login_as(None).get(url), 401, "unauthenticated")
    assert_error(login_as("inspector").get(url), 403, "role_forbidden")
    assert_error(login_as("lead").get(url), 403, "out_of_scope")
    assert_error(login_as("city_sibling").get(url), 403, "out_of_scope")
    assert_error(login_as("county").get(url), 403, "out_of_scope")  # 临安's supervisor: a neighbouring county
    doc = flow(login_as("lead"), world["regions"]["jincheng"])
    assert {f["region"]["id"] for f in doc["funds"]} <= {world["regions"]["jincheng"]}
    assert_error(login_as("city").get("/api/v1/overview/2147483647/fund-flow"), 404, "not_found")


@pytest.mark.parametrize("query,path", [
    ("year=1999", "query.year"), ("year=abc", "query.year"), ("category=grant", "query.category"),
    ("per_page=0", "query.per_page"), ("per_page=201", "query.per_page"), ("page=0", "query.page")])
def test_bad_input(app, world, login_as, county, query, path):
    r = login_as("city").get(f"/api/v1/overview/{county['id']}/fund-flow?{query}")
    assert_error(r, 400, "validation_error", path)
    assert r.json["error"]["message"]["zh"] and r.json["error"]["message"]["en"]


def test_rendered_once_per_version_and_a_new_arrival_shows(app, world, login_as, county, monkeypatch):
    """The fund flow is kept rendered like the cockpit (per version of the region's figures, day and
    page): asked again it is the same document with a new time; a fund's arrival refreshes the
    figures, so the next answer shows it. (Last in this file: it registers fund c's arrival.)"""
    from backend.core import clock
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services as funds
    from backend.funds.models import Fund
    from backend.overview import services as overview
    monkeypatch.setitem(app.config, "FIGURES_AFTER_WRITES", True)  # as in production (tests switch it off)
    client = login_as("city")
    overview.rendered._items.clear()
    first = flow(client, county["id"])
    kept = [k for k in overview.rendered._items if k[0] == "fund-flow" and k[1] == county["id"]]
    assert len(kept) == 1  # rendered once, kept
    cached = len(overview.rendered._items)
    again = flow(client, county["id"])
    assert len(overview.rendered._items) == cached  # read from the cache, nothing rendered again
    assert {k: v for k, v in again.items() if k != "as_of"} == {k: v for k, v in first.items() if k != "as_of"}
    c = {h["hop"]: h for h in next(f for f in first["funds"] if f["id"] == county["funds"]["c"])["hops"]}
    assert c["register"]["done_on"] is None
    with app.app_context():
        admin = db.session.execute(db.select(User).where(User.role == "admin")).scalars().first()
        funds.register_arrival(db.session.get(Fund, county["funds"]["c"]), admin, clock.today(), "R-c-now")
        db.session.commit()  # the summary's refresh runs after it, and bumps the version
    after = flow(client, county["id"])
    c = {h["hop"]: h for h in next(f for f in after["funds"] if f["id"] == county["funds"]["c"])["hops"]}
    assert c["register"]["done_on"] == TODAY.isoformat() and c["register"]["late"] is True
