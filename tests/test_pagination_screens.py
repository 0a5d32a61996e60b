"""The five lists whose screens now page with the shared pager — funds, the 三资 registers (assets,
resources, contracts), department tasks, the inbox and users — page by key (``after``) and by number
alike: every row once, in the list's own order, ties on the sort column broken by id; a position the
list did not hand out is refused with the error every list gives; who may not read a list still may
not, with or without a position."""
import base64
import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from backend.assets.models import Asset, Resource, ResourceContract
from backend.core.auth import hash_password
from backend.core.models import User
from backend.departments.models import DepartmentTask
from backend.extensions import db
from backend.funds.models import Fund
from backend.notifications.models import Notification
from conftest import PASSWORD, PINNED, TODAY, Client, assert_error

PER_PAGE = 3


def by_key(client, path):
    """Every id of a list, following ``next`` from the first (numbered) page."""
    seen, after = [], None
    while True:
        page = client.get(f"{path}&per_page={PER_PAGE}" + (f"&after={after}" if after else "")).json
        assert "items" in page, page
        seen += [item["id"] for item in page["items"]]
        if after:  # a page by key counts nothing and has no number
            assert (page["page"], page["total"], page["total_capped"]) == (None, None, None), page
        if page["next"] is None:
            return seen
        after = page["next"]


def by_number(client, path):
    seen, number = [], 1
    while True:
        page = client.get(f"{path}&per_page={PER_PAGE}&page={number}").json
        assert page["page"] == number, page
        if not page["items"]:
            return seen
        seen += [item["id"] for item in page["items"]]
        number += 1


def forged(values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.fixture
def tag():
    return f"翻页{uuid.uuid4().hex[:6]}"


def add(app, rows):
    """Add model rows; their ids, in the order given."""
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def descending(keys_ids):
    return [i for _, i in sorted(keys_ids, reverse=True)]


# ---- each list: its rows, its address, and the order it promises ----------------------------------

def make_funds(app, world, tag):
    """Seven budget lines, three issued the same day (ties on issued_on): newest issue first, then
    the newest id."""
    days = [TODAY - timedelta(days=d) for d in (3, 1, 1, 5, 1, 3, 9)]
    ids = add(app, [Fund(region_id=world["regions"]["jincheng"], doc_no=f"{tag}〔2026〕{i}号", name=f"{tag}资金{i}",
                         category="own", source_level="county", amount=Decimal("1000.00"), issued_on=day)
                    for i, day in enumerate(days)])
    return f"/api/v1/funds?q={tag}", descending(zip(days, ids))


def make_assets(app, world, tag):
    """Seven assets in two villages' worth of regions (ties on region_id): region down, newest first."""
    regions = [world["regions"][k] for k in ("qianwang", "jincheng", "qianwang", "qianwang", "jincheng", "qianwang", "jincheng")]
    ids = add(app, [Asset(region_id=r, name=f"{tag}仓库{i}", category="经营性", original_value=Decimal("1.00"),
                          net_value=Decimal("1.00"), status_changed_on=TODAY) for i, r in enumerate(regions)])
    return f"/api/v1/assets?q={tag}", descending(zip(regions, ids))


def make_resources(app, world, tag):
    regions = [world["regions"][k] for k in ("jincheng", "qianwang", "qianwang", "jincheng", "qianwang", "qianwang", "jincheng")]
    ids = add(app, [Resource(region_id=r, name=f"{tag}林地{i}", kind="林地", area=Decimal("2.50"))
                    for i, r in enumerate(regions)])
    return f"/api/v1/resources?q={tag}", descending(zip(regions, ids))


def make_contracts(app, world, tag):
    """Seven contracts on one resource, four ending the same day: ending first, then the oldest id."""
    region = world["regions"]["qianwang"]
    [resource] = add(app, [Resource(region_id=region, name=f"{tag}水面", kind="水面", area=Decimal("3.00"))])
    ends = [TODAY + timedelta(days=d) for d in (30, 30, 10, 30, 90, 30, 10)]
    ids = add(app, [ResourceContract(region_id=region, contract_no=f"{tag}-{i}", kind="承包", resource_id=resource,
                                     counterparty="张三", starts_on=TODAY - timedelta(days=365), ends_on=end,
                                     annual_amount=Decimal("100.00")) for i, end in enumerate(ends)])
    return f"/api/v1/resource-contracts?q={tag}", sorted(ids, key=lambda i: (ends[ids.index(i)], i))


def make_tasks(app, world, tag):
    """Seven township tasks, four due the same day: nearest deadline first, then the oldest id."""
    dues = [TODAY + timedelta(days=d) for d in (7, 3, 7, 7, 1, 7, 3)]
    ids = add(app, [DepartmentTask(region_id=world["regions"]["jincheng"], subject_kind="manual",
                                   title_zh=f"{tag}核实{i}", title_en=f"check {i}", due_on=due) for i, due in enumerate(dues)])
    return f"/api/v1/department-tasks?status=all&q={tag}", sorted(ids, key=lambda i: (dues[ids.index(i)], i))


def make_users(app, world, tag):
    """Seven accounts (the list's order is the id)."""
    ids = add(app, [User(username=f"pg{tag[2:]}{i}", display_name=f"{tag}{i}", role="inspector",
                         password_hash="x", region_id=world["regions"]["jincheng"]) for i in range(7)])
    return f"/api/v1/users?status=all&q={tag}", sorted(ids)


LISTS = {"funds": (make_funds, "county"), "assets": (make_assets, "county"), "resources": (make_resources, "lead"),
         "contracts": (make_contracts, "county"), "department-tasks": (make_tasks, "county"), "users": (make_users, "county")}


@pytest.mark.parametrize("name", LISTS)
def test_by_key_and_by_number_give_the_same_rows_in_the_lists_order(app, world, login_as, tag, name):
    make, who = LISTS[name]
    path, order = make(app, world, tag)
    client = login_as(who)
    keyed = by_key(client, path)
    assert keyed == order, name
    assert by_number(client, path) == order, name


@pytest.fixture
def inbox_owner(app, world, tag):
    """A user of their own with seven messages (the world users' inboxes are other tests' too)."""
    with app.app_context():
        user = User(username=f"ib{tag[2:]}", display_name=tag, role="inspector", password_hash=hash_password(PASSWORD),
                    region_id=world["regions"]["jincheng"])
        db.session.add(user)
        db.session.flush()
        notes = [Notification(user_id=user.id, kind="task", title_zh=f"{tag}{i}", title_en=f"note {i}", link="/inbox",
                              read_at=None if i % 2 else PINNED) for i in range(7)]
        db.session.add_all(notes)
        db.session.commit()
        username, ids = user.username, [n.id for n in notes]
    flask_client = app.test_client()
    r = flask_client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.json
    return Client(flask_client, r.json["csrf_token"]), ids


def test_the_inbox_pages_by_key_and_by_number_newest_first(inbox_owner):
    client, ids = inbox_owner
    assert by_key(client, "/api/v1/notifications?unread=false") == sorted(ids, reverse=True)
    assert by_number(client, "/api/v1/notifications?unread=false") == sorted(ids, reverse=True)
    unread = sorted(ids[1::2], reverse=True)
    assert by_key(client, "/api/v1/notifications?unread=true") == unread == by_number(client, "/api/v1/notifications?unread=true")


# ---- a position the list did not hand out --------------------------------------------------------

PATHS = {"funds": "/api/v1/funds?q=x", "assets": "/api/v1/assets?q=x", "resources": "/api/v1/resources?q=x",
         "contracts": "/api/v1/resource-contracts?q=x", "department-tasks": "/api/v1/department-tasks?status=all",
         "users": "/api/v1/users?status=all", "inbox": "/api/v1/notifications?unread=false"}


@pytest.mark.parametrize("name", PATHS)
@pytest.mark.parametrize("after, code", [
    ("!!!", "validation_error"), (forged({"a": 1}), "cursor_invalid"), (forged([1, 2, 3, 4]), "cursor_invalid"),
    (forged(["not a day", "x"]), "cursor_invalid"), (forged([True]), "cursor_invalid")])
def test_a_position_this_list_did_not_hand_out_is_refused(login_as, name, after, code):
    assert_error(login_as("county").get(f"{PATHS[name]}&after={after}"), 400, code, "query.after")


def test_a_position_from_another_list_is_refused(app, world, login_as, tag):
    """The users list's position (one id) does not fit the funds list (issue day, id)."""
    path, _ = make_users(app, world, tag)
    county = login_as("county")
    next_ = county.get(f"{path}&per_page=2").json["next"]
    assert next_
    assert_error(county.get(f"/api/v1/funds?after={next_}"), 400, "cursor_invalid", "query.after")


# ---- who may not read a list still may not ------------------------------------------------------

@pytest.mark.parametrize("name, who, status", [
    ("funds", "inspector", 403), ("assets", "inspector", 403), ("resources", "clerk", 403),
    ("contracts", "inspector", 403), ("department-tasks", "inspector", 403), ("users", "inspector", 403),
    ("inbox", None, 401)])
def test_forbidden_stays_forbidden_with_or_without_a_position(login_as, name, who, status):
    client = login_as(who)
    for suffix in ("", "&page=2", f"&after={forged([1])}", "&after=!!!"):
        r = client.get(PATHS[name] + suffix)
        assert r.status_code == status, (name, suffix, r.status_code, r.get_json(silent=True))


@pytest.mark.parametrize("name", ["funds", "assets", "resources", "contracts", "department-tasks", "users"])
def test_a_sibling_region_pages_none_of_these_rows(app, world, login_as, tag, name):
    make, _ = LISTS[name]
    path, _ = make(app, world, tag)
    sibling = login_as("lead_sibling" if name != "users" else "county_sibling")
    assert by_key(sibling, path) == [] == by_number(sibling, path)
