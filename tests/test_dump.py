"""The compiled dump (core/dump.py) writes what marshmallow writes, key order included."""
import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Decimal as DecimalField, Dict, Integer, List, Nested, String
from marshmallow import fields, post_dump, pre_dump

from backend.core import dump
from backend.core.fields import PlainDecimal


class Place(Schema):
    id = Integer(required=True)
    name = String(required=True)


class Item(Schema):
    id = Integer()
    title = String(data_key="name")
    real = String(attribute="other")
    note = String(dump_default="无")
    made = String(dump_default=lambda: "made")
    count = Integer(as_string=True)
    flag = Boolean()
    money = DecimalField(places=2, as_string=True)
    plain = PlainDecimal()
    when = DateTime()
    day = Date()
    where = Nested(Place, allow_none=True)
    places = List(Nested(Place))
    tags = List(String())
    extra = Dict()
    deep = String(attribute="where.name")
    secret = String(load_only=True)
    shout = fields.Method("loud")

    def loud(self, obj):
        return str(getattr(obj, "title", "") or "").upper()


class Page(Schema):
    items = List(Nested(Item), required=True)
    total = Integer(allow_none=True)


def _written(value):
    return json.dumps(value, ensure_ascii=False, default=repr)


ITEMS = [
    SimpleNamespace(id=1, title="甲", other="别处", count=3, flag=True, money=Decimal("12.5"), plain=Decimal("1.10"),
                    when=dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.timezone.utc), day=dt.date(2026, 3, 1),
                    where=SimpleNamespace(id=7, name="临安区"), places=[{"id": 1, "name": "一"}, None],
                    tags=["a", b"b", 3], extra={"k": 1}, secret="x"),
    {"id": "2", "title": b"bytes", "count": None, "flag": None, "money": None, "where": None, "places": None,
     "tags": None, "extra": None, "note": "有"},
    {"id": True, "title": 5, "where": {"id": 8, "name": "乡"}, "places": [], "note": None},
    {},
]


@pytest.mark.parametrize("obj", ITEMS, ids=["object", "dict with nulls", "odd types", "empty"])
def test_the_compiled_dump_equals_marshmallows(obj):
    schema = Item()
    assert _written(dump.dump(schema, obj)) == _written(schema.dump(obj))


def test_a_page_of_items_equals_marshmallows_and_many_works():
    page = Page()
    data = {"items": ITEMS, "total": 4}
    assert _written(dump.dump(page, data)) == _written(page.dump(data))
    assert _written(dump.dump(Item(), ITEMS, many=True)) == _written(Item().dump(ITEMS, many=True))


def test_a_schema_with_dump_hooks_is_dumped_by_marshmallow():
    class Hooked(Schema):
        name = String()

        @pre_dump
        def before(self, data, **kwargs):
            return {"name": data["name"] + "!"}

        @post_dump
        def after(self, data, **kwargs):
            return {**data, "added": True}

    assert dump.dump(Hooked(), {"name": "甲"}) == {"name": "甲!", "added": True}


def test_every_answer_is_checked_against_marshmallow_in_the_tests(app, monkeypatch):
    """With VERIFY_DUMP (set for the tests) a compiled dump that differs fails the request — the
    check every other test relies on is live."""
    assert app.config["VERIFY_DUMP"]
    real = dump._inline

    def wrong(field, i, scope):  # (the answer is a dict: the generated function writes it)
        return '"篡改"' if field.name == "hello" else real(field, i, scope)

    monkeypatch.setattr(dump, "_inline", wrong)
    hello = app.view_functions["auth.hello"]
    while not hasattr(hello, "_spec"):  # the view APIFlask annotated with its output
        hello = hello.__wrapped__
    schema = hello._spec["response"]["schema"]
    schema.__dict__.pop("_compiled_dump", None)
    try:
        with app.test_client() as client:
            response = client.get("/api/v1/hello")
    finally:
        schema.__dict__.pop("_compiled_dump", None)  # compiled again, right, for the tests after this one
    assert response.status_code == 500
    monkeypatch.undo()
    with app.test_client() as client:
        assert client.get("/api/v1/hello").json == {"hello": "基财智控"}
